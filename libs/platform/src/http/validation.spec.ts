import { Type } from 'class-transformer';
import { IsInt, IsString, Max, Min, ValidateNested } from 'class-validator';
import { validateRecord } from './validation';

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

describe('text the database cannot store', () => {
  it('names every field holding a NUL character, in nested objects and lists', async () => {
    const result = await validateRecord(Shape, { name: 'a\u0000b', points: [{ x: 1 }], tags: ['ok', 'b\u0000d'] });
    expect(result.errors).toEqual([
      { field: 'name', message: 'must not contain the NUL character' },
      { field: 'tags.1', message: 'must not contain the NUL character' },
    ]);
  });
});
