import { plainToInstance } from 'class-transformer';
import { ValidateBy, type ValidationOptions, validate } from 'class-validator';
import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldError } from './api-error';
import { ValidationFailedException } from './api-exception.filter';
import { unsafeJsonFields } from './json-guard';

/** Flattens class-validator's tree into one entry per bad field, with dotted paths: `shifts.0.start`. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const result: FieldError[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    let constraints = Object.entries(error.constraints ?? {});
    // ValidateNested's "not an object" is said only when no other rule of the field spoke: `location: null`
    // is "is required", `availability: 5` "must be a list of windows"; an element `availability.0: 5` keeps it.
    if (constraints.length > 1) constraints = constraints.filter(([constraint]) => constraint !== 'nestedValidation');
    if (constraints.length > 0 && error.value === undefined && !('whitelistValidation' in (error.constraints ?? {}))) {
      // A missing field fails every rule; one message says it all.
      result.push({ field, message: 'is required' });
      continue;
    }
    const seen = new Set<string>();
    for (const [constraint, message] of constraints) {
      const text = constraint === 'whitelistValidation' ? 'is not allowed' : stripPropertyName(message, error.property);
      if (seen.has(text)) continue;
      seen.add(text);
      result.push({ field, message: text });
    }
    if (error.children !== undefined && error.children.length > 0) result.push(...fieldErrors(error.children, field));
  }
  return result;
}

/** class-validator writes "lat must not be greater than 90"; the field is named in `field` already. */
function stripPropertyName(message: string, property: string): string {
  return message.startsWith(`${property} `) ? message.slice(property.length + 1) : message;
}

/**
 * Validates every body and query against its DTO: unknown fields refused, values never echoed back
 * (they may be personal data), every bad field named.
 */
export class ApiValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      forbidUnknownValues: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: true },
      stopAtFirstError: false,
      exceptionFactory: (errors) => new ValidationFailedException(fieldErrors(errors)),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const isDto = typeof metadata.metatype === 'function' && !isPrimitiveType(metadata.metatype);
    if (metadata.type === 'body' && isDto && (typeof value !== 'object' || value === null || Array.isArray(value))) {
      throw new ValidationFailedException([{ field: '(body)', message: 'must be a JSON object' }], 'The body must be a JSON object.');
    }
    // Bodies were checked as they were parsed (bodyParsers); queries meet the same guard here, before
    // class-transformer would drop a `__proto__` or `constructor` parameter without a word.
    if (metadata.type === 'body' || metadata.type === 'query') {
      const unsafe = unsafeJsonFields(value, metadata.type === 'body' ? '(body)' : '(query)');
      if (unsafe.length > 0) throw new ValidationFailedException(unsafe);
    }
    return super.transform(value, metadata);
  }
}

function isPrimitiveType(type: unknown): boolean {
  return [String, Number, Boolean, Array, Object].includes(type as never);
}

const DTO_VALIDATION_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: true },
} as const;

/**
 * Validates one plain object against a DTO class with the same rules as request bodies; used where one
 * request carries many records (bulk import). Returns the instance, or the bad fields.
 */
export async function validateRecord<T extends object>(
  dto: new () => T,
  plain: unknown,
): Promise<{ value: T; errors: [] } | { value: undefined; errors: FieldError[] }> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return { value: undefined, errors: [{ field: '(record)', message: 'must be a JSON object' }] };
  }
  // Too deep, not well-formed Unicode, NUL, `__proto__`: refused before class-transformer walks it.
  const unsafe = unsafeJsonFields(plain, '(record)');
  if (unsafe.length > 0) return { value: undefined, errors: unsafe };
  const instance = plainToInstance(dto, plain, { enableImplicitConversion: false });
  const errors = await validate(instance, DTO_VALIDATION_OPTIONS);
  return errors.length === 0 ? { value: instance, errors: [] } : { value: undefined, errors: fieldErrors(errors) };
}

/**
 * How many decimal places a finite number has as JavaScript writes it (the shortest text that reads back
 * as the same number): 12.5 has 1, 1e-7 has 7, 1.5e-7 has 8, 1e21 has 0. NaN and the infinities are no
 * amount at all: `Infinity`, which every limit refuses.
 */
export function decimalPlaces(value: number): number {
  if (!Number.isFinite(value)) return Infinity;
  const match = /^-?\d+(?:\.(\d+))?(?:e([+-]\d+))?$/.exec(String(value));
  if (match === null) return Infinity;
  // A group that took no part in the match is undefined, which `at` says and indexing does not.
  const fraction = match.at(1)?.length ?? 0;
  const exponentText = match.at(2);
  const exponent = exponentText === undefined ? 0 : Number(exponentText);
  return Math.max(0, fraction - exponent);
}

/**
 * A number with at most `places` decimals, whatever its notation. (class-validator's `maxDecimalPlaces`
 * splits `String(value)` at the dot and throws a TypeError on `1e-7`, which has none.) Non-numbers are left
 * to `@IsNumber`.
 */
export function MaxDecimalPlaces(places: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxDecimalPlaces',
      constraints: [places],
      validator: {
        validate: (value: unknown) => typeof value !== 'number' || decimalPlaces(value) <= places,
        defaultMessage: () => `must have at most ${places} decimals`,
      },
    },
    options,
  );
}
