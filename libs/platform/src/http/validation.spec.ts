import { Type } from 'class-transformer';
import { IsArray, IsDefined, IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import {
  ApiValidationPipe,
  IsRfc3339DateTime,
  MaxCodePoints,
  MaxDecimalPlaces,
  MinCodePoints,
  NOT_BLANK_PATTERN,
  NotBlank,
  OptionalNotNull,
  codePointCount,
  decimalPlaces,
  parseRfc3339DateTime,
  validateRecord,
} from './validation';

class Point {
  @IsInt({ message: 'must be a whole number' })
  @Min(0, { message: 'must be between 0 and 9' })
  @Max(9, { message: 'must be between 0 and 9' })
  x: number;
}

class Shape {
  @IsString({ message: 'must be text' })
  name: string;

  @ValidateNested({ each: true })
  @Type(() => Point)
  points: Point[];
}

describe('validation errors name each bad field', () => {
  it('uses dotted paths into nested objects and arrays, one message per failure', async () => {
    const result = await validateRecord(Shape, { name: 3, points: [{ x: 1 }, { x: 12 }] });
    expect(result.errors).toEqual([
      { field: 'name', message: 'must be text' },
      { field: 'points.1.x', message: 'must be between 0 and 9' },
    ]);
  });

  it('says "is required" once for a missing field, and "is not allowed" for an unknown one', async () => {
    const result = await validateRecord(Shape, { points: [{}], colour: 'red' });
    expect(result.errors).toEqual([
      { field: 'colour', message: 'is not allowed' },
      { field: 'name', message: 'is required' },
      { field: 'points.0.x', message: 'is required' },
    ]);
  });

  it('never echoes the value it refused', async () => {
    const result = await validateRecord(Shape, { name: '13800138000', points: [{ x: 'secret-phone-13800138000' }] });
    expect(JSON.stringify(result.errors)).not.toContain('13800138000');
  });

  it('refuses a record that is not an object', async () => {
    expect((await validateRecord(Shape, [1, 2])).errors).toEqual([{ field: '(record)', message: 'must be a JSON object' }]);
  });
});

class Drawing {
  @IsDefined({ message: 'is required' })
  @ValidateNested({ message: 'must be an object' })
  @Type(() => Point)
  origin: Point;

  @IsArray({ message: 'must be a list' })
  @ValidateNested({ each: true, message: 'must be an object' })
  @Type(() => Point)
  points: Point[];
}

describe("ValidateNested's own complaint", () => {
  it('is said only when no other rule of the field spoke', async () => {
    const result = await validateRecord(Drawing, { origin: null, points: 5 });
    expect(result.errors).toEqual([
      { field: 'origin', message: 'is required' },
      { field: 'points', message: 'must be a list' },
    ]);
    expect((await validateRecord(Drawing, { origin: 3, points: [{ x: 1 }, 7] })).errors).toEqual([
      { field: 'origin', message: 'must be an object' },
      { field: 'points.1', message: 'must be an object' },
    ]);
  });
});

describe('text the database cannot store', () => {
  it('names every field holding a NUL character, in nested objects and lists', async () => {
    const result = await validateRecord(Shape, { name: 'a\u0000b', points: [{ x: 1 }], tags: ['ok', 'b\u0000d'] });
    expect(result.errors).toEqual([
      { field: 'name', message: 'must not contain the NUL character' },
      { field: 'tags.1', message: 'must not contain the NUL character' },
    ]);
  });
});

describe('decimal places of a number in any notation', () => {
  it('counts what JavaScript writes, exponent form included', () => {
    expect(decimalPlaces(12)).toBe(0);
    expect(decimalPlaces(12.5)).toBe(1);
    expect(decimalPlaces(-0.05)).toBe(2);
    expect(decimalPlaces(1e-7)).toBe(7);
    expect(decimalPlaces(1.5e-7)).toBe(8);
    expect(decimalPlaces(-2.25e-10)).toBe(12);
    expect(decimalPlaces(1e21)).toBe(0);
    expect(decimalPlaces(1.5e300)).toBe(0);
    expect(decimalPlaces(Number.MIN_VALUE)).toBe(324);
    expect(decimalPlaces(0.1 + 0.2)).toBe(17);
  });

  it('gives NaN and the infinities no count that any limit accepts', () => {
    for (const value of [Number.NaN, Infinity, -Infinity]) expect(decimalPlaces(value)).toBe(Infinity);
  });

  class Price {
    @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be an amount with at most 2 decimals' })
    @MaxDecimalPlaces(2, { message: 'must be an amount with at most 2 decimals' })
    price: number;
  }

  it('MaxDecimalPlaces refuses 1e-7 with the field named instead of throwing, and keeps 1.25e1', async () => {
    const refused = { field: 'price', message: 'must be an amount with at most 2 decimals' };
    expect((await validateRecord(Price, JSON.parse('{"price":1e-7}'))).errors).toEqual([refused]);
    expect((await validateRecord(Price, { price: 0.001 })).errors).toEqual([refused]);
    expect((await validateRecord(Price, { price: Number.NaN })).errors).toEqual([refused]);
    expect((await validateRecord(Price, { price: Infinity })).errors).toEqual([refused]);
    expect((await validateRecord(Price, JSON.parse('{"price":1.25e1}'))).errors).toEqual([]);
    expect((await validateRecord(Price, JSON.parse('{"price":1E2}'))).errors).toEqual([]);
  });
});

describe('records meet the JSON guard before class-transformer', () => {
  it('names a __proto__ key that class-transformer would drop without a word', async () => {
    const result = await validateRecord(Shape, JSON.parse('{"name":"a","points":[{"x":1,"__proto__":{"x":99}}],"constructor":1}'));
    expect(result.errors).toEqual([
      { field: 'points.0.__proto__', message: 'is not allowed' },
      { field: 'constructor', message: 'is not allowed' },
    ]);
  });
});

describe('lengths in code points, as the document counts them', () => {
  class Named {
    @IsString({ message: 'must be text' })
    @MinCodePoints(4, { message: 'must be the code the worker shows' })
    @MaxCodePoints(6, { message: 'must be at most 6 characters' })
    code: string;

    @IsOptional()
    @IsString({ each: true, message: 'must contain only text' })
    @MaxCodePoints(2, { each: true, message: 'must contain skills of at most 2 characters' })
    skills?: string[];
  }

  it('counts every code point: a surrogate pair once, variation selectors and joiners too', () => {
    expect(codePointCount('')).toBe(0);
    expect(codePointCount('a\ufe0f')).toBe(2);
    expect(codePointCount('😀')).toBe(1);
    expect(codePointCount('🏳️‍🌈')).toBe(4);
    expect(codePointCount('e\u0301')).toBe(2);
    expect(codePointCount('x'.repeat(1_000_000), 10)).toBe(11);
  });

  it('refuses what validator.js passed (variation selectors left out) and keeps what it refused (a 4-code-point flag)', async () => {
    // class-validator's own rule, for the record: the difference this rule is for.
    class Old {
      @MaxLength(6)
      code: string;
    }
    expect((await validateRecord(Old, { code: 'a\ufe0f'.repeat(4) })).errors).toEqual([]);
    expect((await validateRecord(Named, { code: 'a\ufe0f'.repeat(4) })).errors).toEqual([{ field: 'code', message: 'must be at most 6 characters' }]);
    expect((await validateRecord(Named, { code: '🏳️‍🌈' })).errors).toEqual([]);
    expect((await validateRecord(Named, { code: '😀😀😀' })).errors).toEqual([{ field: 'code', message: 'must be the code the worker shows' }]);
    expect((await validateRecord(Named, { code: '😀😀😀😀😀😀' })).errors).toEqual([]);
    expect((await validateRecord(Named, { code: 'abcd', skills: ['ok', 'a\ufe0f', '\u2764\ufe0f!'] })).errors).toEqual([
      { field: 'skills', message: 'must contain skills of at most 2 characters' },
    ]);
  });
});

describe('blank text', () => {
  class Titled {
    @IsString({ message: 'must be text' })
    @MinCodePoints(1, { message: 'must not be empty' })
    @NotBlank()
    title: string;
  }

  it('is refused when it is white space only, any of the white space that trim() removes', async () => {
    for (const blank of [' ', '\t', '\n\r', '\u2028\u2029', '\ufeff', '\u00a0', '\u3000', ' \u200a ']) {
      expect(blank.trim()).toBe('');
      expect((await validateRecord(Titled, { title: blank })).errors).toEqual([{ field: 'title', message: 'must not be blank' }]);
    }
    expect((await validateRecord(Titled, { title: '' })).errors).toEqual([{ field: 'title', message: 'must not be empty' }]);
  });

  it('is not text with anything else in it, however invisible (trim() would keep it)', async () => {
    for (const text of [' a ', '\u200b', 'zero\u200bwidth', '\u0085', '\u202e', '.']) {
      expect(text.trim()).not.toBe('');
      expect(NOT_BLANK_PATTERN.test(text)).toBe(true);
      expect((await validateRecord(Titled, { title: text })).errors).toEqual([]);
    }
  });
});

describe('null where the field may be absent but not null', () => {
  class Terms {
    @OptionalNotNull()
    @IsInt({ message: 'must be a whole number' })
    @Min(1, { message: 'must be at least 1' })
    radius?: number;

    @OptionalNotNull()
    @IsArray({ message: 'must be a list' })
    @IsString({ each: true, message: 'must contain only text' })
    skills?: string[];

    @IsOptional()
    @IsString({ message: 'must be text' })
    phone?: string | null;
  }

  it('is "must not be null", said once whatever other rules the field has', async () => {
    expect((await validateRecord(Terms, { radius: null, skills: null })).errors).toEqual([
      { field: 'radius', message: 'must not be null' },
      { field: 'skills', message: 'must not be null' },
    ]);
  });

  it('while absent is fine, a value meets the other rules, and a nullable field (@IsOptional) still takes null', async () => {
    expect((await validateRecord(Terms, {})).errors).toEqual([]);
    expect((await validateRecord(Terms, { phone: null })).errors).toEqual([]);
    expect((await validateRecord(Terms, { radius: 0, skills: [1] })).errors).toEqual([
      { field: 'radius', message: 'must be at least 1' },
      { field: 'skills', message: 'must contain only text' },
    ]);
  });
});

describe('RFC 3339 date-times', () => {
  it('are read with their offset, "T" or a space, any fraction, either case', () => {
    expect(parseRfc3339DateTime('2030-01-01T08:00:00+08:00')).toBe(Date.UTC(2030, 0, 1, 0));
    expect(parseRfc3339DateTime('2030-01-01T08:00:00Z')).toBe(Date.UTC(2030, 0, 1, 8));
    expect(parseRfc3339DateTime('2030-01-01t08:00:00.5z')).toBe(Date.UTC(2030, 0, 1, 8, 0, 0, 500));
    expect(parseRfc3339DateTime('2030-01-01 08:00:00-05:30')).toBe(Date.UTC(2030, 0, 1, 13, 30));
    expect(parseRfc3339DateTime('2030-01-01T08:00:00.123456789-00:00')).toBe(Date.UTC(2030, 0, 1, 8, 0, 0, 123));
    expect(parseRfc3339DateTime('2028-02-29T00:00:00Z')).toBe(Date.UTC(2028, 1, 29));
  });

  it('are not a date alone, a time without an offset, nor a day or time that does not exist', () => {
    for (const text of [
      '2030-01-01',
      '2030-01-01T08:00:00',
      '2030-01-01T08:00Z',
      '2030-01-01T08:00:00+0800',
      '2030-01-01T08:00:00+08',
      '2030-02-30T00:00:00Z',
      '2029-02-29T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '2030-13-01T00:00:00Z',
      '2030-04-31T00:00:00Z',
      '2030-01-01T24:00:00Z',
      '2030-01-01T23:60:00Z',
      '2030-06-30T23:59:60Z',
      '2030-01-01T08:00:00+24:00',
      '2030-01-01T08:00:00.Z',
      '20300101T080000Z',
      '+002030-01-01T08:00:00Z',
      ' 2030-01-01T08:00:00Z',
      '2030-01-01T08:00:00Z\n',
      'tomorrow',
      '',
    ]) {
      expect({ text, instant: parseRfc3339DateTime(text) }).toEqual({ text, instant: undefined });
    }
  });

  it('IsRfc3339DateTime refuses anything else with the field named', async () => {
    class Offer {
      @IsRfc3339DateTime({ message: 'must be a date-time' })
      validUntil: string;
    }
    expect((await validateRecord(Offer, { validUntil: '2030-01-01' })).errors).toEqual([{ field: 'validUntil', message: 'must be a date-time' }]);
    expect((await validateRecord(Offer, { validUntil: 5 })).errors).toEqual([{ field: 'validUntil', message: 'must be a date-time' }]);
    expect((await validateRecord(Offer, { validUntil: '2030-01-01T00:00:00+08:00' })).errors).toEqual([]);
  });
});

describe('a body a DTO needs', () => {
  class Patch {
    @IsOptional()
    @IsString()
    title?: string;
  }

  it('is "(body) is required" when there is none (an empty body included: bodyParsers makes it undefined)', async () => {
    const pipe = new ApiValidationPipe();
    const refusal = await pipe.transform(undefined, { type: 'body', metatype: Patch }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refusal).toMatchObject({ details: [{ field: '(body)', message: 'is required' }] });
    await expect(pipe.transform({}, { type: 'body', metatype: Patch })).resolves.toBeInstanceOf(Patch);
  });
});
