/**
 * Requests generated from the OpenAPI document the API serves: fast-check arbitraries of bodies the document
 * accepts (from each JSON schema: types, enums, bounds, lengths, patterns, formats, required fields, no
 * unknown fields), mutations that turn one into a body it refuses (wrong types, out of range, too long,
 * missing, unknown keys such as `__proto__`, arrays for objects and back, numbers in exponent form, deep
 * nesting, lone UTF-16 surrogates, NUL, bytes that are not UTF-8), and the oracle that says which is which:
 * the document's own schema (ajv) plus the few rules it states in words ("a future instant", "at most 2
 * decimals", "required when declining") and the issue's rule that text is well-formed Unicode.
 *
 * Nothing here knows the API's code: only the document. Big or deep bodies are described by small specs and
 * built as text only when sent, so fast-check prints and shrinks them cheaply.
 */
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { documentSchemas, toJsonSchema } from './openapi-schema';

// The document and the answers are JSON of any shape, read field by field and held to their schemas by ajv.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any shape (see above)
export type Json = any;
export type Schema = Record<string, Json>;
export type PathPart = string | number;

// -----------------------------------------------------------------------------------------------------------
// Raw pieces of JSON text, for what JSON.stringify cannot write: number tokens as typed (`1e-7`, `-0`,
// `1e309`), nesting deeper than any recursive serializer survives, and bytes that are not UTF-8.

/** JSON text put in the body as is, in place of a value. */
export class RawJson {
  constructor(
    readonly text: string,
    readonly label: string,
  ) {}
}

/** A string value whose UTF-8 bytes include `bytes` (not UTF-8) between `before` and `after`. */
export class RawString {
  constructor(
    readonly before: string,
    readonly bytes: Buffer,
    readonly after: string,
    readonly label: string,
  ) {}
}

/** Nesting `depth` levels deep, written iteratively (arrays `[[[...]]]` or objects `{"a":{"a":...}}`). */
export function deepText(depth: number, shape: 'array' | 'object' | 'mixed'): string {
  if (shape === 'array') return '['.repeat(depth) + ']'.repeat(depth);
  if (shape === 'object') return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const half = Math.floor(depth / 2);
  return '{"a":['.repeat(half) + 'null' + ']}'.repeat(half);
}

const PLACEHOLDER = /"@@raw:(\d+)@@"/g;

/** The bytes of a body: JSON.stringify, with every RawJson / RawString spliced in where it stands. */
export function serialize(value: unknown): Buffer {
  const raws: (RawJson | RawString)[] = [];
  const text = JSON.stringify(value, (_key, inner: unknown) => {
    if (inner instanceof RawJson || inner instanceof RawString) {
      raws.push(inner);
      return `@@raw:${raws.length - 1}@@`;
    }
    return inner;
  });
  if (raws.length === 0) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let last = 0;
  for (const match of text.matchAll(PLACEHOLDER)) {
    parts.push(Buffer.from(text.slice(last, match.index), 'utf8'));
    const raw = raws[Number(match[1])];
    if (raw instanceof RawJson) parts.push(Buffer.from(raw.text, 'utf8'));
    else parts.push(Buffer.from(JSON.stringify(raw.before).slice(0, -1), 'utf8'), raw.bytes, Buffer.from(JSON.stringify(raw.after).slice(1), 'utf8'));
    last = match.index + match[0].length;
  }
  parts.push(Buffer.from(text.slice(last), 'utf8'));
  return Buffer.concat(parts);
}

/** A short, readable rendering of a body for failure messages: long runs collapsed, bytes that are not UTF-8 shown as \xNN. */
export function preview(body: Buffer | undefined, max = 1200): string {
  if (body === undefined) return '(no body)';
  if (body.length === 0) return '(empty body)';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    text = [...body].map((byte) => (byte < 0x80 ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`)).join('');
  }
  // Runs such as 'xxxxxxxx...' or '[[[[[[...' become "'x' x 600000".
  text = text.replace(/(.{1,6}?)\1{15,}/gsu, (run, unit: string) => `«${JSON.stringify(unit)} x ${run.length / unit.length}»`);
  // Make invisible characters visible (control characters, zero-width and direction marks, BOM, variation selectors).
  text = text.replace(INVISIBLE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // Lone surrogates (with the u flag a pair is one code point, outside this range).
  text = text.replace(/[\ud800-\udfff]/gu, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  return text.length > max ? `${text.slice(0, max)}... (${body.length} bytes in all)` : text;
}

// Built from code points: a literal class of control characters is what it says, but lint cannot tell.
const INVISIBLE = new RegExp(
  `[${[
    [0x00, 0x1f],
    [0x7f, 0x7f],
    [0x200b, 0x200f],
    [0x2028, 0x2029],
    [0x202a, 0x202e],
    [0xfeff, 0xfeff],
    [0xfe0e, 0xfe0f],
  ]
    .map(([a, b]) => `\\u${hex4(a)}-\\u${hex4(b)}`)
    .join('')}]`,
  'g',
);

function hex4(code: number): string {
  return code.toString(16).padStart(4, '0');
}

/** The code points of a text: JSON Schema counts lengths in code points, not in UTF-16 units nor in graphemes. */
export function codePoints(text: string): string[] {
  return Array.from(text);
}

// -----------------------------------------------------------------------------------------------------------
// The document as a model: schemas resolved, ajv validators of its JSON Schema.

export type Verdict = 'valid' | 'invalid' | 'either';

export interface Classification {
  verdict: Verdict;
  /** Why the body is invalid, or why its fate is open ('either'). */
  reasons: string[];
}

/** Values the valid generators produce for formats whose exact rules the document gives only in words. */
const GENERATED_URI = /^https:\/\/(hooks\.example\.org|example\.com|api\.example\.net:8443)(\/[a-z0-9_-]+){0,3}$/;
const GENERATED_EMAIL = /^[a-z][a-z0-9]{0,15}(\.[a-z0-9]{1,8})?@(union\.example|example\.org)$/;

export class ContractModel {
  readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  /** Schemas of the document, resolved once each (they are walked for every request). */
  private readonly resolved = new WeakMap<Schema, Schema>();

  constructor(readonly doc: Json) {
    this.ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(this.ajv);
    this.ajv.addSchema(documentSchemas(doc));
  }

  /** A schema with its `$ref` followed and its `allOf` merged; the referring schema's own keys (description) win. */
  resolve(schema: Schema | undefined): Schema {
    if (schema === undefined) return {};
    let resolved = this.resolved.get(schema);
    if (resolved === undefined) {
      resolved = this.resolveNow(schema);
      this.resolved.set(schema, resolved);
    }
    return resolved;
  }

  private resolveNow(schema: Schema): Schema {
    let out: Schema = { ...schema };
    const ref: unknown = out.$ref;
    if (typeof ref === 'string') {
      const rest = { ...out };
      delete rest.$ref;
      out = { ...this.resolve(this.lookup(ref)), ...rest };
    }
    if (Array.isArray(out.allOf)) {
      const { allOf, ...rest } = out;
      let merged: Schema = {};
      for (const part of allOf as Schema[]) merged = mergeSchemas(merged, this.resolve(part));
      out = mergeSchemas(merged, rest);
    }
    return out;
  }

  /** The component name a schema refers to (`#/components/schemas/MatchOutcome` -> MatchOutcome). */
  refName(schema: Schema | undefined): string | undefined {
    const ref = schema?.$ref ?? schema?.allOf?.[0]?.$ref;
    return typeof ref === 'string' ? ref.split('/').pop() : undefined;
  }

  lookup(ref: string): Schema {
    if (!ref.startsWith('#/')) throw new Error(`Only local $refs are supported, not ${ref}`);
    let node: Json = this.doc;
    for (const part of ref.slice(2).split('/')) node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
    if (node === undefined) throw new Error(`Unresolvable $ref ${ref}`);
    return node as Schema;
  }

  /** An ajv validator of an OpenAPI schema (cached by label); object schemas admit no unlisted properties. */
  validator(label: string, schema: Schema): ValidateFunction {
    let validate = this.validators.get(label);
    if (validate === undefined) {
      validate = this.ajv.compile(toJsonSchema(schema) as object);
      this.validators.set(label, validate);
    }
    return validate;
  }

  errorsText(validate: ValidateFunction, dataVar = 'body'): string {
    return this.ajv.errorsText(validate.errors, { separator: '; ', dataVar });
  }

  // ---------------------------------------------------------------------------------------------------------
  // Valid values.

  /** An arbitrary of values the schema accepts, and that keep the rules the document states in words. */
  valid(schema: Schema | undefined): fc.Arbitrary<unknown> {
    const resolved = this.resolve(schema);
    // Values that keep the rules the document states in words too (a slot has windows or occurrences).
    const base = this.validNonNull(resolved).filter((value) => schema === undefined || this.statedRules(schema, value).length === 0);
    return resolved.nullable === true ? fc.oneof({ weight: 1, arbitrary: fc.constant(null) }, { weight: 5, arbitrary: base }) : base;
  }

  private validNonNull(s: Schema): fc.Arbitrary<unknown> {
    // A schema that refuses some combinations of its fields (`not`: the consents that contradict themselves)
    // yields only values outside them.
    if (s.not !== undefined) {
      const { not, ...rest } = s;
      const refused = this.ajv.compile(toJsonSchema(not) as object);
      return this.validNonNull(rest).filter((value) => !refused(value));
    }
    const alternatives = (s.oneOf ?? s.anyOf) as Schema[] | undefined;
    if (alternatives !== undefined) return fc.oneof(...alternatives.map((alternative) => this.valid(alternative)));
    if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]).filter((value) => value !== null));
    switch (schemaType(s)) {
      case 'object': {
        const properties = (s.properties ?? {}) as Record<string, Schema>;
        const model = Object.fromEntries(Object.entries(properties).map(([key, inner]) => [key, this.valid(inner)]));
        return fc.record(model, { requiredKeys: (s.required ?? []) as string[], noNullPrototype: true });
      }
      case 'array':
        return this.validArray(s);
      case 'string':
        return validString(s);
      case 'integer': {
        const { min, max } = bounds(s, true);
        return fc.oneof({ weight: 4, arbitrary: fc.integer({ min, max }) }, { weight: 1, arbitrary: fc.constantFrom(min, max) });
      }
      case 'number':
        return validNumber(s);
      case 'boolean':
        return fc.boolean();
      default:
        return fc.constant(null);
    }
  }

  private validArray(s: Schema): fc.Arbitrary<unknown> {
    const min = (s.minItems ?? 0) as number;
    const items = this.resolve(s.items as Schema);
    // Unique items of an enum: at most the enum's size.
    const max = Math.min((s.maxItems ?? 20) as number, s.uniqueItems === true && Array.isArray(items.enum) ? items.enum.length : Infinity);
    const usual = Math.min(max, Math.max(min, 4));
    const make = (lo: number, hi: number): fc.Arbitrary<unknown[]> => {
      if (s.uniqueItems === true && Array.isArray(items.enum)) return fc.shuffledSubarray(items.enum as unknown[], { minLength: lo, maxLength: hi });
      if (s.uniqueItems === true) return fc.uniqueArray(this.valid(items), { minLength: lo, maxLength: hi, selector: (value) => JSON.stringify(value) });
      return fc.array(this.valid(items), { minLength: lo, maxLength: hi });
    };
    return max > usual && max <= 100 ? fc.oneof({ weight: 15, arbitrary: make(min, usual) }, { weight: 1, arbitrary: make(max, max) }) : make(min, usual);
  }

  // ---------------------------------------------------------------------------------------------------------
  // The oracle.

  /**
   * Whether the document accepts these bytes as the body of `schema`: well-formed UTF-8, JSON, its schema,
   * and the rules it writes in words. A value the document allows but whose fate it leaves to rules it does
   * not spell out (a URL of another host, an email ajv accepts) is 'either'.
   */
  classify(label: string, schema: Schema, body: Buffer): Classification {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body);
    } catch {
      return { verdict: 'invalid', reasons: ['the body is not well-formed UTF-8'] };
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return { verdict: 'invalid', reasons: ['the body is not JSON'] };
    }
    return this.classifyValue(label, schema, value);
  }

  classifyValue(label: string, schema: Schema, value: unknown): Classification {
    const validate = this.validator(label, schema);
    if (!validate(value)) return { verdict: 'invalid', reasons: [this.errorsText(validate)] };
    const reasons: string[] = [];
    const open: string[] = [];
    // Iterative: a body may be nested far deeper than any recursion survives.
    const stack: { value: unknown; schema: Schema | undefined; path: string }[] = [{ value, schema, path: '' }];
    for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
      const { value: node, schema: nodeSchema, path } = next;
      const s = nodeSchema === undefined ? undefined : this.resolve(nodeSchema);
      const at = path === '' ? 'the body' : path;
      if (typeof node === 'string') {
        if (!isWellFormed(node)) reasons.push(`${at} holds a lone UTF-16 surrogate`);
        if (node.includes('\u0000')) reasons.push(`${at} holds a NUL character`);
        if (s?.format === 'date-time' && /future/i.test(String(s.description ?? ''))) {
          const when = Date.parse(node);
          if (when <= Date.now()) reasons.push(`${at} is not in the future ("${s.description}")`);
          else if (when < Date.now() + 3_600_000) open.push(`${at} is in the future by less than an hour`);
        }
        if (s?.format === 'uri' && !GENERATED_URI.test(node)) open.push(`${at} is a URI whose host the document judges in words only`);
        if (s?.format === 'email' && !GENERATED_EMAIL.test(node)) open.push(`${at} is an email address ajv accepts; the API may be stricter`);
      } else if (typeof node === 'number') {
        const places = /at most (\d+) decimals?/i.exec(String(s?.description ?? ''));
        if (places !== null && decimalPlaces(node) > Number(places[1])) reasons.push(`${at} has more than ${places[1]} decimals ("${s?.description}")`);
      } else if (Array.isArray(node)) {
        node.forEach((item, index) => stack.push({ value: item, schema: s?.items, path: join(path, index) }));
      } else if (node !== null && typeof node === 'object') {
        for (const key of Object.keys(node)) {
          if (!isWellFormed(key)) reasons.push(`the key ${JSON.stringify(key)} at ${at} holds a lone UTF-16 surrogate`);
          if (key.includes('\u0000')) reasons.push(`a key at ${at} holds a NUL character`);
          stack.push({ value: (node as Record<string, unknown>)[key], schema: propertySchema(s, key), path: join(path, key) });
        }
      }
    }
    reasons.push(...this.statedRules(schema, value));
    open.push(...this.openRules(schema, value));
    if (reasons.length > 0) return { verdict: 'invalid', reasons };
    if (open.length > 0) return { verdict: 'either', reasons: open };
    return { verdict: 'valid', reasons: [] };
  }

  /** Rules the document states in a description rather than in the schema. */
  private statedRules(schema: Schema, value: unknown): string[] {
    const name = this.refName(schema);
    if (name === 'MatchOutcome' && value !== null && typeof value === 'object') {
      const { status, reason } = value as { status?: unknown; reason?: unknown };
      // "reason: Why; required when declining."
      if (status === 'declined' && (typeof reason !== 'string' || reason.trim() === '')) return ['reason is required when declining'];
    }
    if ((name === 'Slot' || name === 'ServicePointSlot') && value !== null && typeof value === 'object') {
      const { windows, occurrences } = value as { windows?: unknown; occurrences?: unknown };
      // "windows: Required unless the slot has dated `occurrences`".
      const none = (list: unknown) => !Array.isArray(list) || list.length === 0;
      if (none(windows) && none(occurrences)) return ['a slot needs windows or dated occurrences'];
    }
    if (name === 'Fair' && value !== null && typeof value === 'object') {
      // "endsAt: When it ends (after `startsAt`)".
      const { startsAt, endsAt } = value as { startsAt?: unknown; endsAt?: unknown };
      if (typeof startsAt === 'string' && typeof endsAt === 'string' && Date.parse(endsAt) <= Date.parse(startsAt)) return ['a fair ends after it starts'];
    }
    if (name === 'FairIntent' && value !== null && typeof value === 'object') {
      // "Exactly one of `candidateId` and `viewer`".
      const { candidateId, viewer } = value as { candidateId?: unknown; viewer?: unknown };
      if ((candidateId === undefined) === (viewer === undefined)) return ['an intent names a person or a viewer, not both or neither'];
      // "phone: 5 to 15 digits, the separators aside".
      const phone = (viewer as { phone?: unknown } | undefined)?.phone;
      if (typeof phone === 'string') {
        const digits = phone.replace(/\D/g, '').replace(/^(?:00)?86(?=1\d{10}$)/, '');
        if (digits.length < 5 || digits.length > 15) return ['a viewer’s phone has 5 to 15 digits'];
      }
    }
    return [];
  }

  /**
   * Rules the document states in words whose outcome depends on what it does not say in the schema (the
   * slot's kind and the deployment's time zone for dated occurrences): a body that has such fields may be
   * accepted or refused.
   */
  openRules(schema: Schema, value: unknown): string[] {
    const name = this.refName(schema);
    if ((name === 'Slot' || name === 'ServicePointSlot' || name === 'SlotPatch') && value !== null && typeof value === 'object') {
      const { occurrences } = value as { occurrences?: unknown };
      if (Array.isArray(occurrences) && occurrences.length > 0) return ['dated occurrences, whose rules depend on the kind and the time zone'];
    }
    return [];
  }
}

// -----------------------------------------------------------------------------------------------------------
// Mutations: a small spec (kind, where, which variant) applied to a valid body.

export const MUTATION_KINDS = [
  'wrongType',
  'outOfRange',
  'rawNumber',
  'removeRequired',
  'unknownKey',
  'protoKey',
  'swapObjectArray',
  'nullValue',
  'deepNesting',
  'loneSurrogate',
  'nul',
  'notUtf8',
  'hugeString',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

export interface MutationSpec {
  kind: MutationKind;
  site: number;
  pick: number;
  extra: number;
}

export interface Mutated {
  /** The mutated body, with RawJson / RawString where raw text goes. */
  value: unknown;
  /** What was done, for failure messages: "location.lat = 1e-7 (raw number)". */
  why: string;
  /** The dotted path of the field a 400 must name (`(body)`: the body as a whole), when the mutation is about one. */
  field?: string;
}

/** One place in a body: its path, its schema (undefined past the schema), its value. */
interface Site {
  path: PathPart[];
  schema: Schema | undefined;
  value: unknown;
}

export const mutationSpec: fc.Arbitrary<MutationSpec> = fc.record({
  kind: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom<MutationKind>('wrongType', 'outOfRange', 'unknownKey', 'removeRequired') },
    { weight: 3, arbitrary: fc.constantFrom<MutationKind>('rawNumber', 'protoKey', 'swapObjectArray', 'loneSurrogate', 'deepNesting') },
    { weight: 2, arbitrary: fc.constantFrom<MutationKind>('nullValue', 'nul', 'notUtf8', 'hugeString') },
  ),
  site: fc.nat(),
  pick: fc.nat(),
  extra: fc.nat(),
});

/** Number tokens as a client may type them; the oracle decides which are fine where. */
export const RAW_NUMBERS = [
  '1e-7',
  '-0',
  '1e308',
  '1e309',
  '-1e309',
  '1E2',
  '1e+2',
  '0.1e1',
  '100e-2',
  '12.50',
  '1.0',
  '4.9e-324',
  '2.5e-1',
  '123456789012345678901234567890',
  '0.000000001',
  '-0.0',
  '1e-400',
  '1.005',
  '0.30000000000000004',
];

/** Nesting depths: a little past any sane limit, the issue's 1,000 and 10,000 (100,000 is test/hostile-input's). */
export const DEPTHS = [64, 1000, 10_000];
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'];
const ODD_KEYS = [
  'extra',
  'toString',
  'hasOwnProperty',
  'valueOf',
  '__defineGetter__',
  '',
  ' ',
  'location.lat',
  'Title',
  'id',
  'имя',
  '名前',
  'x'.repeat(1000),
  '$where',
  'a\u0000b',
];
const KEY_VALUES: unknown[] = [1, 'x', null, true, {}, [], { polluted: true }, [{ polluted: true }]];
const SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff', '\ud800\ud800', '\udc00\ud800', '\ud83d', '\ude00'];
const NOT_UTF8: { bytes: number[]; label: string }[] = [
  { bytes: [0xff], label: 'byte 0xFF' },
  { bytes: [0xc3, 0x28], label: 'a broken two-byte sequence' },
  { bytes: [0xc0, 0xaf], label: 'an overlong "/"' },
  { bytes: [0xed, 0xa0, 0x80], label: 'a surrogate encoded as UTF-8 (CESU)' },
  { bytes: [0xf4, 0x90, 0x80, 0x80], label: 'a code point above U+10FFFF' },
  { bytes: [0xe4, 0xb8], label: 'a truncated 中' },
];

/** Applies a mutation spec to a valid body of `schema`; undefined when no site of the body suits the kind. */
export function mutate(model: ContractModel, schema: Schema, body: unknown, spec: MutationSpec): Mutated | undefined {
  const sites = sitesOf(model, schema, body);
  const suitable = sites.filter((site) => suits(model, spec.kind, site));
  if (suitable.length === 0) return undefined;
  const site = suitable[spec.site % suitable.length];
  const s = site.schema === undefined ? {} : model.resolve(site.schema);
  const field = dotted(site.path);
  const at = field === '' ? '(body)' : field;
  // A change of the whole body is named `(body)` (or by any field within it); a change of a field must name it.
  const replace = (value: unknown, why: string): Mutated => ({
    value: setAt(body, site.path, value),
    why: `${at} = ${why}`,
    field: at,
  });
  const choose = <T>(list: readonly T[], n = spec.pick): T => list[n % list.length];

  switch (spec.kind) {
    case 'wrongType': {
      const current = site.value;
      const options: [unknown, string][] = [
        [0, '0'],
        [-1, '-1'],
        [1.5, '1.5'],
        ['', '""'],
        ['12', '"12"'],
        ['true', '"true"'],
        [true, 'true'],
        [false, 'false'],
        [null, 'null'],
        [[], '[]'],
        [{}, '{}'],
        [[current], 'the value wrapped in an array'],
        [{ value: current }, 'the value wrapped in an object'],
      ];
      const [value, label] = choose(options);
      return replace(value, `${label} (wrong type)`);
    }
    case 'outOfRange': {
      const [value, label] = choose(outOfRangeValues(s, site.value));
      return replace(value, `${label} (out of range)`);
    }
    case 'rawNumber': {
      const token = choose(RAW_NUMBERS);
      return replace(new RawJson(token, token), `${token} (number token as typed)`);
    }
    case 'removeRequired': {
      const present = (s.required as string[]).filter((key) => Object.hasOwn(site.value as object, key));
      const key = choose(present);
      const copy = Object.fromEntries(Object.entries(site.value as Record<string, unknown>).filter(([name]) => name !== key));
      return { value: setAt(body, site.path, copy), why: `${join(field, key)} removed (required)`, field: join(field, key) };
    }
    case 'unknownKey':
    case 'protoKey': {
      const key = spec.kind === 'protoKey' ? choose(PROTO_KEYS) : choose(ODD_KEYS);
      const value = choose(KEY_VALUES, spec.extra);
      const plainKey = /^[A-Za-z_$][\w$]*$/.test(key);
      return {
        value: setAt(body, site.path, withKey(site.value as object, key, value)),
        why: `${at} gets the unknown key ${JSON.stringify(key.length > 40 ? `${key.slice(0, 20)}...` : key)}: ${JSON.stringify(value)}`,
        field: plainKey ? join(field, key) : undefined,
      };
    }
    case 'swapObjectArray': {
      if (Array.isArray(site.value)) {
        const options: [unknown, string][] = [
          [{}, '{}'],
          [{ 0: site.value[0] ?? null }, 'an object {"0": first item}'],
          [site.value[0] ?? 'x', 'its first item, not in an array'],
        ];
        const [value, label] = choose(options);
        return replace(value, `${label} (object where an array is expected)`);
      }
      const options: [unknown, string][] = [
        [[], '[]'],
        [[site.value], '[the object]'],
        [Object.values(site.value as object), 'the array of its values'],
      ];
      const [value, label] = choose(options);
      return replace(value, `${label} (array where an object is expected)`);
    }
    case 'nullValue':
      return replace(null, 'null');
    case 'deepNesting': {
      const depth = choose(DEPTHS);
      const shape = choose(['array', 'object', 'mixed'] as const, spec.extra);
      const raw = new RawJson(deepText(depth, shape), `${shape} nesting ${depth} deep`);
      if (spec.extra % 2 === 1 && isObject(site.value)) {
        return {
          value: setAt(body, site.path, withKey(site.value as object, 'nested', raw)),
          why: `${at} gets the unknown key "nested": ${raw.label}`,
          field: join(field, 'nested'),
        };
      }
      return replace(raw, raw.label);
    }
    case 'loneSurrogate': {
      const surrogate = choose(SURROGATES);
      const label = Array.from({ length: surrogate.length }, (_, i) => `\\u${surrogate.charCodeAt(i).toString(16)}`).join('');
      if (typeof site.value === 'string')
        return replace(insertAt(site.value, surrogate, spec.extra), `${JSON.stringify(site.value).slice(0, 40)} with ${label} inserted (lone surrogate)`);
      return {
        value: setAt(body, site.path, withKey(site.value as object, `key${surrogate}`, 1)),
        why: `${at} gets a key with ${label} (lone surrogate)`,
        field: undefined,
      };
    }
    case 'nul': {
      if (typeof site.value === 'string') return replace(insertAt(site.value, '\u0000', spec.extra), 'its text with a NUL character inserted');
      return { value: setAt(body, site.path, withKey(site.value as object, 'a\u0000b', 1)), why: `${at} gets a key with a NUL character`, field: undefined };
    }
    case 'notUtf8': {
      const bad = choose(NOT_UTF8);
      // Split between code points, so that no surrogate pair is cut in two.
      const chars = codePoints(site.value as string);
      const position = spec.extra % (chars.length + 1);
      const [before, after] = [chars.slice(0, position).join(''), chars.slice(position).join('')];
      return replace(new RawString(before, Buffer.from(bad.bytes), after, bad.label), `its text with ${bad.label} (not UTF-8)`);
    }
    case 'hugeString': {
      const max = (s.maxLength ?? 0) as number;
      const sizes = [max + 1, 10_000, 100_000, 1_100_000].filter((size) => size > max);
      const size = choose(sizes);
      const unit = choose(['x', '中', '😀', 'a\ufe0f'], spec.extra);
      const count = Math.ceil(size / codePoints(unit).length);
      return replace(unit.repeat(count), `${JSON.stringify(unit)} x ${count} (${codePoints(unit).length * count} code points)`);
    }
  }
}

function suits(model: ContractModel, kind: MutationKind, site: Site): boolean {
  const s = site.schema === undefined ? undefined : model.resolve(site.schema);
  const type = s === undefined ? undefined : schemaType(s);
  switch (kind) {
    case 'wrongType':
    case 'deepNesting':
      return true;
    case 'nullValue':
      return site.path.length > 0;
    case 'outOfRange':
      return s !== undefined && outOfRangeValues(s, site.value).length > 0;
    case 'rawNumber':
      return typeof site.value === 'number';
    case 'removeRequired':
      return isObject(site.value) && Array.isArray(s?.required) && (s.required as string[]).some((key) => Object.hasOwn(site.value as object, key));
    case 'unknownKey':
    case 'protoKey':
      return isObject(site.value);
    case 'swapObjectArray':
      return isObject(site.value) || Array.isArray(site.value);
    case 'loneSurrogate':
    case 'nul':
      return typeof site.value === 'string' || isObject(site.value);
    case 'notUtf8':
      return typeof site.value === 'string';
    case 'hugeString':
      return typeof site.value === 'string' || type === 'string';
  }
}

/** Values just outside a schema's bounds: the oracle confirms each is refused. */
function outOfRangeValues(s: Schema, current: unknown): [unknown, string][] {
  const out: [unknown, string][] = [];
  const type = schemaType(s);
  if (Array.isArray(s.enum)) {
    const sample = String(s.enum[0]);
    out.push([sample.toUpperCase(), `${JSON.stringify(sample.toUpperCase())} (not in the enum)`]);
    out.push([`${sample} `, `${JSON.stringify(`${sample} `)} (not in the enum)`]);
    out.push([sample.slice(0, -1), `${JSON.stringify(sample.slice(0, -1))} (not in the enum)`]);
    out.push(['constructor', '"constructor" (not in the enum)']);
    out.push([`${sample}\u200b`, `${JSON.stringify(sample)} + zero-width space (not in the enum)`]);
    return out;
  }
  if (type === 'integer' || type === 'number') {
    if (typeof s.minimum === 'number')
      out.push([s.minimum - 1, `${s.minimum - 1} (below ${s.minimum})`], [s.minimum - 1e-7, `${s.minimum - 1e-7} (just below ${s.minimum})`]);
    if (typeof s.maximum === 'number')
      out.push([s.maximum + 1, `${s.maximum + 1} (above ${s.maximum})`], [s.maximum + 1e-7, `${s.maximum + 1e-7} (just above ${s.maximum})`]);
    out.push([1e308, '1e308'], [-1e308, '-1e308'], [Number.MAX_SAFE_INTEGER + 2, String(Number.MAX_SAFE_INTEGER + 2)]);
    if (type === 'integer')
      out.push([1.5, '1.5 (not whole)'], [new RawJson('1e-7', '1e-7'), '1e-7 (not whole)'], [2 ** 31, '2^31'], [-(2 ** 31) - 1, '-2^31-1']);
    else out.push([1 / 3, '1/3'], [0.1 + 0.2, '0.1 + 0.2']);
    return out;
  }
  if (type === 'string') {
    if (typeof s.maxLength === 'number')
      out.push(
        ['x'.repeat(s.maxLength + 1), `"x" x ${s.maxLength + 1} (over maxLength ${s.maxLength})`],
        ['😀'.repeat(s.maxLength + 1), `"😀" x ${s.maxLength + 1} (over maxLength)`],
      );
    if (typeof s.minLength === 'number' && s.minLength > 0)
      out.push(['x'.repeat(s.minLength - 1), `a string of ${s.minLength - 1} characters (under minLength ${s.minLength})`]);
    if (typeof s.pattern === 'string') {
      for (const candidate of [
        '',
        ' ',
        '24:00',
        '13:60',
        '1:00',
        ' 13:00',
        '13:00\n',
        '١٣:٠٠',
        '13：00',
        '+',
        '1234',
        'abc12345',
        '+86 138 0013 8000 0000000',
        '12345\n',
      ]) {
        if (!new RegExp(s.pattern, 'u').test(candidate)) out.push([candidate, `${JSON.stringify(candidate)} (does not match ${s.pattern})`]);
      }
    }
    if (s.format === 'uuid') out.push(['not-a-uuid', '"not-a-uuid"'], ['00000000-0000-0000-0000-00000000000g', 'a UUID with a "g"']);
    if (s.format === 'date-time') {
      for (const candidate of [
        'tomorrow',
        '2030-13-01T00:00:00Z',
        '2030-02-30T00:00:00Z',
        '2000-01-01T00:00:00Z',
        '2030-01-01',
        '2030-01-01T25:00:00Z',
        '2030-01-01T08:00:00',
        '2030-01-01 08:00:00Z',
        '',
      ])
        out.push([candidate, JSON.stringify(candidate)]);
    }
    if (s.format === 'uri') out.push(['not a url', '"not a url"'], ['javascript:alert(1)', '"javascript:alert(1)"'], ['', '""']);
    if (s.format === 'email') out.push(['not-an-email', '"not-an-email"'], ['a@', '"a@"'], ['@example.org', '"@example.org"']);
    return out;
  }
  if (type === 'array') {
    const item = Array.isArray(current) && current.length > 0 ? current[0] : null;
    if (typeof s.minItems === 'number' && s.minItems > 0) out.push([[], `[] (under minItems ${s.minItems})`]);
    if (typeof s.maxItems === 'number' && item !== null)
      out.push([Array.from({ length: s.maxItems + 1 }, () => item), `${s.maxItems + 1} items (over maxItems ${s.maxItems})`]);
    if (item !== null) out.push([[item, item], 'a repeated item'], [Array.from({ length: 10_000 }, () => item), '10,000 items']);
    out.push([[null], '[null]'], [[[]], '[[]]'], [[1], '[1]'], [['__proto__'], '["__proto__"]']);
    return out;
  }
  return out;
}

// -----------------------------------------------------------------------------------------------------------
// Helpers.

function sitesOf(model: ContractModel, schema: Schema | undefined, body: unknown): Site[] {
  const sites: Site[] = [];
  const stack: Site[] = [{ path: [], schema, value: body }];
  for (let site = stack.pop(); site !== undefined; site = stack.pop()) {
    sites.push(site);
    const s = site.schema === undefined ? undefined : model.resolve(site.schema);
    if (Array.isArray(site.value)) site.value.forEach((item, index) => stack.push({ path: [...site.path, index], schema: s?.items, value: item }));
    else if (isObject(site.value)) {
      for (const [key, inner] of Object.entries(site.value as object)) stack.push({ path: [...site.path, key], schema: propertySchema(s, key), value: inner });
    }
  }
  return sites.reverse();
}

/** A copy of `root` with the value at `path` replaced (the root itself when `path` is empty). */
function setAt(root: unknown, path: PathPart[], value: unknown): unknown {
  if (path.length === 0) return value;
  const [head, ...rest] = path;
  if (Array.isArray(root)) {
    const copy = [...root];
    copy[head as number] = setAt(root[head as number], rest, value);
    return copy;
  }
  const source = root as Record<string, unknown>;
  const copy: Record<string, unknown> = {};
  // Keys are copied as own properties, so an own "__proto__" key stays a key.
  for (const key of Object.keys(source)) Object.defineProperty(copy, key, { value: source[key], enumerable: true, writable: true, configurable: true });
  const key = String(head);
  Object.defineProperty(copy, key, { value: setAt(source[key], rest, value), enumerable: true, writable: true, configurable: true });
  return copy;
}

/** A copy of `object` with one more own key (`__proto__` included: JSON.stringify writes it). */
function withKey(object: object, key: string, value: unknown): object {
  const copy: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(object)) Object.defineProperty(copy, k, { value: v, enumerable: true, writable: true, configurable: true });
  Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  return copy;
}

function insertAt(text: string, piece: string, at: number): string {
  const chars = codePoints(text);
  const position = at % (chars.length + 1);
  return [...chars.slice(0, position), piece, ...chars.slice(position)].join('');
}

function isObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof RawJson) && !(value instanceof RawString);
}

/** Text without a lone UTF-16 surrogate (with the u flag, a pair is one code point and does not match). */
export function isWellFormed(text: string): boolean {
  return !/[\ud800-\udfff]/u.test(text);
}

/** The schema of a listed property (never an inherited one: a key "constructor" has none). */
function propertySchema(s: Schema | undefined, key: string): Schema | undefined {
  const properties = s?.properties as Record<string, Schema> | undefined;
  return properties !== undefined && Object.hasOwn(properties, key) ? properties[key] : undefined;
}

export function dotted(path: PathPart[]): string {
  return path.map(String).join('.');
}

function join(path: string, key: PathPart): string {
  return path === '' ? String(key) : `${path}.${key}`;
}

export function schemaType(s: Schema): string | undefined {
  if (typeof s.type === 'string') return s.type;
  if (s.properties !== undefined) return 'object';
  if (s.items !== undefined) return 'array';
  if (Array.isArray(s.enum) && s.enum.length > 0) return typeof s.enum[0];
  return undefined;
}

function bounds(s: Schema, integer: boolean): { min: number; max: number } {
  let min = typeof s.minimum === 'number' ? s.minimum : -1_000_000_000;
  let max = typeof s.maximum === 'number' ? s.maximum : 1_000_000_000;
  if (s.exclusiveMinimum === true) min += integer ? 1 : Number.EPSILON * Math.max(1, Math.abs(min));
  if (s.exclusiveMaximum === true) max -= integer ? 1 : Number.EPSILON * Math.max(1, Math.abs(max));
  return integer ? { min: Math.ceil(min), max: Math.floor(max) } : { min, max };
}

function validNumber(s: Schema): fc.Arbitrary<number> {
  const { min, max } = bounds(s, false);
  const places = /at most (\d+) decimals?/i.exec(String(s.description ?? ''));
  if (places !== null) {
    const scale = 10 ** Number(places[1]);
    return fc.integer({ min: Math.ceil(min * scale), max: Math.floor(max * scale) }).map((n) => n / scale);
  }
  return fc.oneof(
    { weight: 4, arbitrary: fc.double({ min, max, noNaN: true, noDefaultInfinity: true }) },
    { weight: 2, arbitrary: fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) },
    { weight: 1, arbitrary: fc.constantFrom(min, max) },
  );
}

/** Text people type, and text attackers type, all of it well-formed and within the schema's lengths. */
const SPECIAL_STRINGS = [
  ' ',
  '\t',
  'null',
  'undefined',
  'NaN',
  '0',
  '-1',
  'true',
  '[]',
  '{}',
  '<script>alert(1)</script>',
  "'; DROP TABLE candidates; --",
  '${jndi:ldap://x}',
  '{{7*7}}',
  '../../etc/passwd',
  '%00',
  '\\u0000',
  'Zhang Wei',
  '张伟',
  '李娜 (外卖骑手)',
  'Đặng Thị Ngọc Thịnh',
  'مرحبا',
  '\u202egnp.exe',
  'zero\u200bwidth',
  '\ufeffbom',
  'e\u0301',
  '👩🏽‍🔧',
  '🏳️‍🌈',
  'line\nbreak',
  'carriage\r\nreturn',
  '\u2028\u2029',
  '\u0001\u001f\u007f',
  '\uffff',
  '\ufffd',
];

function validString(s: Schema): fc.Arbitrary<string> {
  const min = (s.minLength ?? 0) as number;
  const max = (s.maxLength ?? 300) as number;
  const fits = (text: string) => codePoints(text).length >= min && codePoints(text).length <= max;
  if (s.format === 'uuid') return fc.uuid();
  if (s.format === 'date-time') {
    if (/future/i.test(String(s.description ?? ''))) {
      return fc
        .tuple(fc.integer({ min: 86_400_000, max: 3650 * 86_400_000 }), fc.constantFrom(0, 480, -330, 840))
        .map(([ahead, offset]) => isoWithOffset(new Date(Date.now() + ahead), offset));
    }
    return fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString());
  }
  if (s.format === 'email') return fc.stringMatching(/^[a-z][a-z0-9]{0,15}(\.[a-z0-9]{1,8})?@(union\.example|example\.org)$/).filter(fits);
  if (s.format === 'uri') return fc.stringMatching(/^https:\/\/(hooks\.example\.org|example\.com|api\.example\.net:8443)(\/[a-z0-9_-]+){0,3}$/).filter(fits);
  if (typeof s.pattern === 'string') return fc.stringMatching(new RegExp(s.pattern)).filter(fits);
  const noNul = (text: string) => text.replaceAll(String.fromCharCode(0), '0');
  const options: fc.WeightedArbitrary<string>[] = [
    { weight: 6, arbitrary: fc.string({ unit: 'binary', minLength: min, maxLength: Math.min(max, 40) }).map(noNul) },
    {
      weight: 2,
      arbitrary: fc
        .string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 20) })
        .map(noNul)
        .filter(fits),
    },
    { weight: 2, arbitrary: fc.constantFrom(...SPECIAL_STRINGS).filter(fits) },
  ];
  if (max <= 5000) options.push({ weight: 1, arbitrary: fc.constantFrom('x', 'é', '中', '😀', '\u202e').map((unit) => unit.repeat(max)) });
  return fc.oneof(...options);
}

function isoWithOffset(date: Date, offsetMinutes: number): string {
  if (offsetMinutes === 0) return date.toISOString();
  const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, -1);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Decimal places of a number as JavaScript writes it shortest (`1e-7` has 7, `12.5` has 1). */
export function decimalPlaces(value: number): number {
  if (!Number.isFinite(value)) return 0;
  const [mantissa, ...exponent] = String(Math.abs(value)).split('e');
  const fraction = mantissa.split('.').length > 1 ? mantissa.split('.')[1].length : 0;
  return Math.max(0, fraction - Number(exponent.join('') || '0'));
}

function mergeSchemas(a: Schema, b: Schema): Schema {
  const out: Schema = { ...a, ...b };
  if (a.properties !== undefined || b.properties !== undefined) out.properties = { ...(a.properties ?? {}), ...(b.properties ?? {}) };
  if (a.required !== undefined || b.required !== undefined) out.required = [...new Set([...(a.required ?? []), ...(b.required ?? [])])];
  return out;
}
