import { Type } from 'class-transformer';
import { IsArray, IsDefined, IsInt, IsNumber, IsString, Max, Min, ValidateNested } from 'class-validator';
import { MaxDecimalPlaces, decimalPlaces, validateRecord } from './validation';

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
