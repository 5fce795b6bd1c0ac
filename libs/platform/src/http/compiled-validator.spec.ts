import { Exclude, Expose, Transform, Type, plainToInstance } from 'class-transformer';
import {
  Allow,
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsDefined,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
  ValidateNested,
  validate,
} from 'class-validator';
import fc from 'fast-check';
import { validInstance } from './compiled-validator';
import { difference } from '../../../../test/support/structural-difference';
import {
  IsRfc3339DateTime,
  MaxCodePoints,
  MaxDecimalPlaces,
  MinCodePoints,
  NotBlank,
  OptionalNotNull,
  validateRecord,
  validateRecordWithClassValidator,
} from './validation';

/**
 * The fast path against class-transformer + class-validator themselves, on classes with every kind of rule the
 * API's DTOs use (and some they do not): whenever it answers, the instance is the one plainToInstance makes and
 * validate() finds nothing wrong with it. test/validation-fast-path.e2e-spec.ts does the same for the API's DTOs
 * with bodies generated from the OpenAPI document.
 */

const OPTIONS = { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true, validationError: { target: false, value: true } };

class Spot {
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' })
  @Min(-90, { message: 'must be between -90 and 90' })
  @Max(90, { message: 'must be between -90 and 90' })
  lat: number;

  @IsNumber({ allowNaN: false, allowInfinity: false })
  @MaxDecimalPlaces(2)
  lng: number;
}

class Slot {
  @IsInt()
  @Min(1)
  @Max(7)
  day: number;

  @IsString()
  @Matches(/^([01]\d|2[0-3]):[0-5]\d$/)
  start: string;
}

class Consent {
  @IsBoolean()
  contact: boolean;
}

const ObjectNotList = () =>
  ValidateBy({ name: 'isObjectNotList', validator: { validate: (value: unknown) => value == null || (typeof value === 'object' && !Array.isArray(value)) } });

class Person {
  @IsString()
  @MinCodePoints(1)
  @NotBlank()
  @MaxCodePoints(8)
  name: string;

  @IsOptional()
  @IsString()
  @Matches(/^\+?[0-9][0-9 -]{4,19}$/)
  phone?: string | null;

  @IsArray()
  @ArrayUnique()
  @ArrayMinSize(1)
  @ArrayMaxSize(3)
  @IsIn(['rider', 'veteran', 'disabled'], { each: true })
  groups: string[];

  @OptionalNotNull()
  @IsArray()
  @IsString({ each: true })
  @MaxCodePoints(5, { each: true })
  skills?: string[];

  @IsDefined()
  @ObjectNotList()
  @ValidateNested()
  @Type(() => Spot)
  spot: Spot;

  @OptionalNotNull()
  @IsArray()
  @IsObject({ each: true })
  @ArrayMaxSize(3)
  @ValidateNested({ each: true })
  @Type(() => Slot)
  slots?: Slot[];

  @IsDefined()
  @ObjectNotList()
  @ValidateNested()
  @Type(() => Consent)
  consent: Consent;

  @IsOptional()
  @IsRfc3339DateTime()
  until?: string | null;

  /** A condition that reads another field (and one of the field's own). */
  @ValidateIf((person: Person) => person.name !== 'skip')
  @IsOptional()
  @IsInt()
  level?: number;

  @Allow()
  note?: unknown;
}

/** A field made optional in a subclass, as PartialType makes a PATCH body: a condition of the subclass's own. */
class PersonPatch extends Person {}
ValidateIf((_patch: object, value: unknown) => value !== undefined)(PersonPatch.prototype, 'name');

/** Values a field of Person may meet: right ones, then near misses. */
const fieldValues: Record<string, [unknown[], unknown[]]> = {
  name: [
    ['Zhang', 'skip', 'x'.repeat(8), '😀😀'],
    ['', ' ', 'x'.repeat(9), 5, null, ['Zhang']],
  ],
  phone: [
    ['+86 138 0013', null],
    ['12', 5, ''],
  ],
  groups: [
    [['rider'], ['rider', 'veteran']],
    [[], ['rider', 'rider'], ['nurse'], 'rider', [['rider']], null, [null], ['rider', 'veteran', 'disabled', 'x']],
  ],
  skills: [
    [[], ['weld']],
    [['welding'], [1], null, 'weld', [['weld']], [{}]],
  ],
  spot: [
    [
      { lat: 1, lng: 2.25 },
      { lng: -3, lat: 90 },
    ],
    [{ lat: 91, lng: 0 }, { lat: 1, lng: 1e-7 }, { lat: 1 }, { lat: 1, lng: 2, x: 1 }, [], [{ lat: 1, lng: 2 }], null, 5, {}],
  ],
  slots: [
    [
      [],
      [{ day: 1, start: '08:00' }],
      [
        { start: '23:59', day: 7 },
        { day: 2, start: '00:00' },
      ],
    ],
    [
      [{ day: 8, start: '08:00' }],
      [{ day: 1, start: '8:00' }],
      [[{ day: 1, start: '08:00' }]],
      [1],
      [null],
      [{ day: 1, start: '08:00', end: 'x' }],
      { day: 1, start: '08:00' },
      null,
    ],
  ],
  consent: [
    [{ contact: true }, { contact: false }],
    [{ contact: 'yes' }, {}, [], null, true],
  ],
  until: [
    ['2030-01-01T00:00:00Z', null],
    ['2030-01-01', 5],
  ],
  level: [
    [1, -4],
    [1.5, '1', null],
  ],
  note: [
    ['anything', null, 7],
    [{ deep: [1] }, [[1]]],
  ],
  extra: [[], [1, 'x', null]],
};

/**
 * Objects of plain data, as JSON.parse makes them: each field absent, a right value, a near miss, or any JSON
 * at all; mostly right, so that about half the objects are valid.
 */
const personLike: fc.Arbitrary<Record<string, unknown>> = fc
  .record(
    Object.fromEntries(
      Object.entries(fieldValues).map(([field, [right, wrong]]) => [
        field,
        fc.oneof(
          { weight: 2, arbitrary: fc.constant(undefined) },
          { weight: right.length === 0 ? 0 : 30, arbitrary: right.length === 0 ? fc.constant(undefined) : fc.constantFrom(...right) },
          { weight: 1, arbitrary: fc.constantFrom(...wrong) },
          { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
        ),
      ]),
    ),
  )
  .map((record) => JSON.parse(JSON.stringify(record)) as Record<string, unknown>);

/** Whether plainToInstance only copies primitives and lists of them, but for the fields with @Type. */
function onlyPlainCopies(plain: Record<string, unknown>): boolean {
  const isObject = (value: unknown) => value !== null && typeof value === 'object';
  return Object.entries(plain).every(
    ([field, value]) => ['spot', 'slots', 'consent'].includes(field) || !isObject(value) || (Array.isArray(value) && !value.some(isObject)),
  );
}

async function classValidatorFinds(dto: new () => object, plain: object): Promise<{ instance: object; valid: boolean }> {
  const instance = plainToInstance(dto, plain, { enableImplicitConversion: false });
  return { instance, valid: (await validate(instance, OPTIONS)).length === 0 };
}

describe('the fast path of DTO validation', () => {
  it.each([
    ['Person', Person],
    ['PersonPatch', PersonPatch],
  ])('answers only for what class-validator accepts, with the instance plainToInstance makes (%s)', async (_name, dto) => {
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(personLike, async (plain) => {
        const fast = validInstance(dto, plain);
        const { instance, valid } = await classValidatorFinds(dto, plain);
        // Refusals are its to pass on; what class-validator accepts, it accepts too, unless a field without
        // @Type holds an object or a list of them (such as `note`, or `level` when its rules are off).
        if (valid && onlyPlainCopies(plain)) expect(fast).toBeDefined();
        if (fast === undefined) return;
        answered++;
        expect(valid).toBe(true);
        expect(difference(fast, instance)).toBeUndefined();
      }),
      { numRuns: 3000 },
    );
    expect(answered).toBeGreaterThan(50);
  });

  it('makes nested instances of the @Type classes, in the order of the keys', () => {
    const plain = { consent: { contact: true }, name: 'Zhang', groups: ['rider'], spot: { lng: 2, lat: 1 }, slots: [{ day: 1, start: '08:00' }] };
    const fast = validInstance(Person, plain);
    expect(fast).toBeInstanceOf(Person);
    expect(fast?.spot).toBeInstanceOf(Spot);
    expect(fast?.slots?.[0]).toBeInstanceOf(Slot);
    expect(fast?.consent).toBeInstanceOf(Consent);
    // Copies, as plainToInstance makes them: the input is not handed on.
    expect(fast?.groups).not.toBe(plain.groups);
    expect(difference(fast, plainToInstance(Person, plain))).toBeUndefined();
  });

  it('is not sure of a body with an unknown key, a list in a list, or anything that is not plain data', () => {
    const person = { name: 'Zhang', groups: ['rider'], spot: { lat: 1, lng: 2 }, consent: { contact: true } };
    expect(validInstance(Person, { ...person, level: 1.5 })).toBeUndefined();
    expect(validInstance(Person, { ...person, name: 'skip', level: 1.5 })).toBeDefined();
    expect(validInstance(Person, person)).toBeDefined();
    expect(validInstance(Person, { ...person, extra: 1 })).toBeUndefined();
    expect(validInstance(Person, { ...person, note: [[1]] })).toBeUndefined();
    expect(validInstance(Person, { ...person, note: {} })).toBeUndefined();
    expect(validInstance(Person, { ...person, spot: Object.assign(Object.create(null) as object, { lat: 1, lng: 2 }) })).toBeUndefined();
    expect(validInstance(Person, { ...person, until: undefined })).toBeUndefined();
  });

  it('has no fast path for a class whose plainToInstance does more than copy, or whose rules it does not follow', async () => {
    class Trimmed {
      @IsString()
      @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
      name: string;
    }
    class Renamed {
      @IsString()
      @Expose({ name: 'full_name' })
      name: string;
    }
    @Exclude()
    class Hidden {
      @IsString()
      name: string;
    }
    class Converted {
      @IsString()
      @Type(() => String)
      name: string;
    }
    class Awaited {
      @ValidateBy({ name: 'slowly', async: true, validator: { validate: (value: unknown) => Promise.resolve(typeof value === 'string') } })
      name: string;
    }
    class Ruleless {
      name: string;
    }
    for (const dto of [Trimmed, Renamed, Hidden, Awaited, Ruleless, Converted] as (new () => object)[]) {
      expect(validInstance(dto, { name: 'Zhang' })).toBeUndefined();
      // validateRecord answers all the same, the old way.
      expect(await validateRecord(dto, { name: ' Zhang ' })).toEqual(await validateRecordWithClassValidator(dto, { name: ' Zhang ' }));
    }
  });

  it('refuses with class-validator a class that declares a field without rules (an own key of every instance)', async () => {
    class HalfRuled {
      @IsString()
      name: string;

      nickname?: string;
    }
    expect(Object.keys(new HalfRuled())).toContain('nickname');
    expect(validInstance(HalfRuled, { name: 'Zhang' })).toBeUndefined();
    expect(await validateRecord(HalfRuled, { name: 'Zhang' })).toEqual({ value: undefined, errors: [{ field: 'nickname', message: 'is not allowed' }] });
  });

  it('is not sure when a rule answers anything but true, or throws', () => {
    class Truthy {
      @ValidateBy({ name: 'truthy', validator: { validate: () => 1 as unknown as boolean } })
      name: string;
    }
    class Throwing {
      @ValidateBy({
        name: 'throwing',
        validator: {
          validate: () => {
            throw new Error('no');
          },
        },
      })
      name: string;
    }
    expect(validInstance(Truthy, { name: 'x' })).toBeUndefined();
    expect(validInstance(Throwing, { name: 'x' })).toBeUndefined();
  });
});

describe('validateRecord with the fast path', () => {
  it('gives what it gave without it: the same errors, or an instance of the same structure', async () => {
    await fc.assert(
      fc.asyncProperty(personLike, async (plain) => {
        const fast = await validateRecord(Person, plain);
        const slow = await validateRecordWithClassValidator(Person, plain);
        expect(fast.errors).toEqual(slow.errors);
        expect(difference(fast.value, slow.value)).toBeUndefined();
      }),
      { numRuns: 1000 },
    );
  });
});
