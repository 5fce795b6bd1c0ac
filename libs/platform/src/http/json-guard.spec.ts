import { parse as parseQuery } from 'node:querystring';
import { MAX_JSON_DEPTH, MAX_REPORTED_FIELDS, MESSAGES, RESERVED_KEYS, nameOfKey, unsafeJsonFields } from './json-guard';

const nestedArrays = (levels: number) => JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`) as unknown;

describe('unsafeJsonFields: what a parsed body may not hold', () => {
  it('passes an ordinary body, emoji and all', () => {
    const body = JSON.parse(
      '{"displayName":"Zhang \\ud83d\\ude00 Wei","availability":[{"day":1,"start":"08:00","end":"12:00"}],"location":{"lat":31.27,"lng":121.5},"x":null}',
    ) as unknown;
    expect(unsafeJsonFields(body)).toEqual([]);
    expect(unsafeJsonFields('text')).toEqual([]);
    expect(unsafeJsonFields(12)).toEqual([]);
    expect(unsafeJsonFields(null)).toEqual([]);
  });

  it(`refuses nesting past ${MAX_JSON_DEPTH} levels (the body is level 1), naming the path where it went too deep`, () => {
    expect(unsafeJsonFields({ skills: nestedArrays(MAX_JSON_DEPTH - 1) })).toEqual([]);
    expect(unsafeJsonFields({ skills: nestedArrays(MAX_JSON_DEPTH) })).toEqual([
      { field: `skills${'.0'.repeat(MAX_JSON_DEPTH - 1)}`, message: MESSAGES.tooDeep },
    ]);
    expect(unsafeJsonFields(nestedArrays(MAX_JSON_DEPTH + 1))).toEqual([{ field: `0${'.0'.repeat(MAX_JSON_DEPTH - 1)}`, message: MESSAGES.tooDeep }]);
  });

  it('walks 100,000 levels without recursion (no stack overflow), and stops at the limit', () => {
    const deep = nestedArrays(100_000);
    const objects = JSON.parse(`${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`) as unknown;
    expect(unsafeJsonFields({ deep })).toEqual([{ field: `deep${'.0'.repeat(MAX_JSON_DEPTH - 1)}`, message: MESSAGES.tooDeep }]);
    expect(unsafeJsonFields(objects)).toEqual([{ field: `a${'.a'.repeat(MAX_JSON_DEPTH - 1)}`, message: MESSAGES.tooDeep }]);
  });

  it('refuses text that is not well-formed Unicode, in values and in keys, naming keys readably', () => {
    const body = JSON.parse('{"name":"a\\ud800b","skills":["ok","\\udfff"],"location":{"\\udc00lat":1},"pair":"\\ud83d\\ude00"}') as unknown;
    expect(unsafeJsonFields(body)).toEqual([
      { field: 'name', message: MESSAGES.notUnicode },
      { field: 'skills.1', message: MESSAGES.notUnicode },
      { field: 'location.\ufffdlat', message: MESSAGES.keyNotUnicode },
    ]);
    // The names in the answer are well-formed: they can be sent as JSON and stored in jsonb.
    for (const { field } of unsafeJsonFields(body)) expect(field).not.toMatch(/\p{Surrogate}/u);
    expect(unsafeJsonFields('\ud800', '(record)')).toEqual([{ field: '(record)', message: MESSAGES.notUnicode }]);
  });

  it('refuses the NUL character, which PostgreSQL cannot store, naming a key that holds one without it', () => {
    expect(unsafeJsonFields({ name: 'a\u0000b', tags: ['ok', 'b\u0000d'], 'k\u0000': 1, location: { 'a\u0000b': true } })).toEqual([
      { field: 'name', message: MESSAGES.nul },
      { field: 'tags.1', message: MESSAGES.nul },
      { field: 'k\ufffd', message: MESSAGES.nul },
      { field: 'location.a\ufffdb', message: MESSAGES.nul },
    ]);
  });

  it('names keys as an answer stored in jsonb can hold them: U+FFFD for a lone surrogate or a NUL', () => {
    expect(nameOfKey('lat')).toBe('lat');
    expect(nameOfKey('名前')).toBe('名前');
    expect(nameOfKey('a\u0000b\u0000')).toBe('a\ufffdb\ufffd');
    expect(nameOfKey('\udc00x\ud83d\ude00')).toBe('\ufffdx\ud83d\ude00');
  });

  it('refuses keys named __proto__, constructor and prototype wherever they are (JSON.parse makes them own keys)', () => {
    const body = JSON.parse('{"__proto__":{"displayName":"x"},"location":{"lat":1,"constructor":{}},"windows":[{"prototype":1}]}') as unknown;
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(unsafeJsonFields(body)).toEqual([
      { field: '__proto__', message: 'is not allowed' },
      { field: 'location.constructor', message: 'is not allowed' },
      { field: 'windows.0.prototype', message: 'is not allowed' },
    ]);
    // A query string parsed by node:querystring is an object without a prototype: same answer.
    expect(unsafeJsonFields(parseQuery('limit=5&__proto__=x'), '(query)')).toEqual([{ field: '__proto__', message: 'is not allowed' }]);
  });

  it('refuses every key named like a member of Object.prototype, which class-transformer skips without a word', () => {
    for (const name of [
      'toString',
      'valueOf',
      'hasOwnProperty',
      'isPrototypeOf',
      'propertyIsEnumerable',
      'toLocaleString',
      '__defineGetter__',
      '__lookupSetter__',
    ]) {
      expect(RESERVED_KEYS.has(name)).toBe(true);
      const body = JSON.parse(
        `{"name":"x",${JSON.stringify(name)}:{},"consent":{${JSON.stringify(name)}:1},"shifts":[{"day":1,${JSON.stringify(name)}:null}]}`,
      ) as unknown;
      expect(unsafeJsonFields(body)).toEqual([
        { field: name, message: 'is not allowed' },
        { field: `consent.${name}`, message: 'is not allowed' },
        { field: `shifts.0.${name}`, message: 'is not allowed' },
      ]);
      expect(unsafeJsonFields(parseQuery(`limit=5&${name}=1`), '(query)')).toEqual([{ field: name, message: 'is not allowed' }]);
    }
    for (const name of Object.getOwnPropertyNames(Object.prototype)) expect(RESERVED_KEYS.has(name)).toBe(true);
    // Their names as values are text like any other, and other names are the DTO's to judge.
    expect(unsafeJsonFields({ title: 'toString', skills: ['valueOf'], toJSON: 1, length: 2 })).toEqual([]);
  });

  it(`lists at most ${MAX_REPORTED_FIELDS} fields, however many there are`, () => {
    const many = JSON.parse(`[${Array.from({ length: 5000 }, () => '"\\ud800"').join(',')}]`) as unknown;
    const found = unsafeJsonFields(many);
    expect(found).toHaveLength(MAX_REPORTED_FIELDS);
    expect(found[0]).toEqual({ field: '0', message: MESSAGES.notUnicode });
  });

  it('never echoes a value', () => {
    const found = unsafeJsonFields({ phone: '13800138000\u0000', note: 'secret\ud800' });
    expect(JSON.stringify(found)).not.toMatch(/13800138000|secret/);
  });
});
