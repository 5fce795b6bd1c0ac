import { plainToInstance } from 'class-transformer';
import { ValidateBy, ValidateIf, type ValidationOptions, validate } from 'class-validator';
import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldError } from './api-error';
import { validInstance } from './compiled-validator';
import { ValidationFailedException } from './api-exception.filter';
import { unsafeJsonFields } from './json-guard';

// Whether a valid body takes the fast path is asked by test/validation-fast-path.e2e-spec.ts.
export { validInstance };

/** Flattens class-validator's tree into one entry per bad field, with dotted paths: `shifts.0.start`. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const result: FieldError[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    let constraints = Object.entries(error.constraints ?? {});
    // ValidateNested's "not an object" is said only when no other rule of the field spoke: `location: null`
    // is "is required", `availability: 5` "must be a list of windows"; an element `availability.0: 5` keeps it.
    if (constraints.length > 1) constraints = constraints.filter(([constraint]) => constraint !== 'nestedValidation');
    // `null` where the field may not be null fails every rule of the field; one message says it all.
    if (error.value === null && constraints.some(([constraint]) => constraint === IS_NOT_NULL)) {
      result.push({ field, message: 'must not be null' });
      continue;
    }
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
    refuseUnsafeInput(value, metadata);
    // A body that is certainly valid skips class-transformer and class-validator, and gets the instance they
    // would have made (compiled-validator.ts); anything else goes their way, which words every refusal.
    if (metadata.type === 'body' && isDtoClass(metadata.metatype)) {
      const instance = validInstance(metadata.metatype, value as object);
      if (instance !== undefined) return instance;
    }
    return super.transform(value, metadata);
  }

  /**
   * The same, without the fast path: class-transformer and class-validator decide every body. What `transform`
   * is held to, answer for answer (test/validation-fast-path.e2e-spec.ts).
   */
  async transformWithClassValidator(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    refuseUnsafeInput(value, metadata);
    return super.transform(value, metadata);
  }
}

/** Refusals said before any DTO rule: no body, a body that is not an object, unsafe JSON in a body or a query. */
function refuseUnsafeInput(value: unknown, metadata: ArgumentMetadata): void {
  const isDto = isDtoClass(metadata.metatype);
  // No body at all (none sent, or `Content-Length: 0`: see bodyParsers).
  if (metadata.type === 'body' && isDto && value === undefined) {
    throw new ValidationFailedException([{ field: '(body)', message: 'is required' }], 'The body is required: a JSON object.');
  }
  if (metadata.type === 'body' && isDto && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new ValidationFailedException([{ field: '(body)', message: 'must be a JSON object' }], 'The body must be a JSON object.');
  }
  // Bodies were checked as they were parsed (bodyParsers); queries meet the same guard here, before
  // class-transformer would drop a `__proto__` or `constructor` parameter without a word.
  if (metadata.type === 'body' || metadata.type === 'query') {
    const unsafe = unsafeJsonFields(value, metadata.type === 'body' ? '(body)' : '(query)');
    if (unsafe.length > 0) throw new ValidationFailedException(unsafe);
  }
}

function isDtoClass(type: unknown): type is new () => object {
  return typeof type === 'function' && !isPrimitiveType(type);
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

type RecordVerdict<T> = { value: T; errors: [] } | { value: undefined; errors: FieldError[] };

/**
 * Validates one plain object against a DTO class with the same rules as request bodies; used where one
 * request carries many records (bulk import). Returns the instance, or the bad fields.
 */
export async function validateRecord<T extends object>(dto: new () => T, plain: unknown): Promise<RecordVerdict<T>> {
  const refused = refusedRecord(plain);
  if (refused !== undefined) return { value: undefined, errors: refused };
  // A valid record (most of them) skips class-transformer and class-validator: see compiled-validator.ts.
  const instance = validInstance(dto, plain as object);
  if (instance !== undefined) return { value: instance, errors: [] };
  return classValidatorVerdict(dto, plain as object);
}

/**
 * The same, without the fast path: class-transformer and class-validator decide every record. What
 * `validateRecord` is held to, answer for answer (test/validation-fast-path.e2e-spec.ts).
 */
export async function validateRecordWithClassValidator<T extends object>(dto: new () => T, plain: unknown): Promise<RecordVerdict<T>> {
  const refused = refusedRecord(plain);
  if (refused !== undefined) return { value: undefined, errors: refused };
  return classValidatorVerdict(dto, plain as object);
}

function refusedRecord(plain: unknown): FieldError[] | undefined {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) return [{ field: '(record)', message: 'must be a JSON object' }];
  // Too deep, not well-formed Unicode, NUL, `__proto__`: refused before class-transformer walks it.
  const unsafe = unsafeJsonFields(plain, '(record)');
  return unsafe.length > 0 ? unsafe : undefined;
}

async function classValidatorVerdict<T extends object>(dto: new () => T, plain: object): Promise<RecordVerdict<T>> {
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

const IS_NOT_NULL = 'isNotNull';

/**
 * A field that may be absent but not `null` (unless the document makes it nullable, which @IsOptional is
 * for): absent skips the field's rules, `null` is "must not be null". class-validator's @IsOptional lets
 * `null` through as if the field were absent, so `{"radiusKm": null}` was accepted as the default.
 */
export function OptionalNotNull(): PropertyDecorator {
  return (target, key) => {
    ValidateIf((_object: object, value: unknown) => value !== undefined)(target, key);
    ValidateBy({ name: IS_NOT_NULL, validator: { validate: (value: unknown) => value !== null, defaultMessage: () => 'must not be null' } })(target, key);
  };
}

/**
 * How many code points a text has: what JSON Schema's minLength and maxLength count. (class-validator's
 * MinLength and MaxLength count with validator.js, which leaves out U+FE0E and U+FE0F: `"a\ufe0f"` x 101,
 * 202 code points, passed a maximum of 200, and the 4-code-point `"🏳️‍🌈"` failed a minimum of 4.) Counting
 * stops past `limit`.
 */
export function codePointCount(text: string, limit = Infinity): number {
  let count = 0;
  // A surrogate pair is one code point (codePointAt reads it whole); a lone surrogate counts alone.
  for (let index = 0; index < text.length && count <= limit; count++) index += (text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
  return count;
}

/** Text of at least `min` code points (JSON Schema's minLength). Non-text is left to @IsString. */
export function MinCodePoints(min: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'minCodePoints',
      constraints: [min],
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || codePointCount(value, min) >= min,
        defaultMessage: () => `must be at least ${min} characters`,
      },
    },
    options,
  );
}

/** Text of at most `max` code points (JSON Schema's maxLength). Non-text is left to @IsString. */
export function MaxCodePoints(max: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'maxCodePoints',
      constraints: [max],
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || codePointCount(value, max) <= max,
        defaultMessage: () => `must be at most ${max} characters`,
      },
    },
    options,
  );
}

/**
 * Text with a character that is not white space: the document's `pattern` of text that must say something.
 * JavaScript's `\s` is exactly what `trim()` removes (spaces, tabs, line breaks, U+2028, U+2029, U+FEFF, the
 * Unicode spaces), so text that passes is never trimmed to nothing.
 */
export const NOT_BLANK_PATTERN = /\S/;

/**
 * Text that is not white space only (`" "`, `"\t"`, `"\u2028\u2029"`, `"\ufeff"`): names, titles and skills
 * are trimmed when stored, and such text was stored as "". The empty text is left to the length rule, which
 * says "must not be empty"; non-text to @IsString.
 */
export function NotBlank(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'notBlank',
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || value === '' || NOT_BLANK_PATTERN.test(value),
        defaultMessage: () => 'must not be blank',
      },
    },
    options,
  );
}

/**
 * RFC 3339 `date-time` (what the document's `format: date-time` means): a date, a time and an offset,
 * `2030-01-01T08:00:00+08:00`, `2030-01-01T00:00:00.5Z`. "T" and "Z" in either case, and a space for the "T"
 * (RFC 3339 allows it, and so does the document's validator). Not an ISO 8601 date alone, nor a time without
 * an offset (which would be read in the server's time zone), nor a day the month does not have. A leap
 * second (`23:59:60`) is refused: JavaScript's Date cannot hold one.
 */
const RFC_3339_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** The instant of an RFC 3339 date-time (ms since the epoch), or undefined when the text is not one. */
export function parseRfc3339DateTime(text: string): number | undefined {
  const match = RFC_3339_DATE_TIME.exec(text);
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number);
  const offsetHours = Number(match.at(10) ?? 0);
  const offsetMinutes = Number(match.at(11) ?? 0);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) return undefined;
  const instant = Date.parse(text);
  // Date.parse reads every form above; a disagreement would be a form it reads otherwise: refused rather than guessed.
  return Number.isFinite(instant) ? instant : undefined;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** An RFC 3339 date-time (see parseRfc3339DateTime). */
export function IsRfc3339DateTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRfc3339DateTime',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseRfc3339DateTime(value) !== undefined,
        defaultMessage: () => 'must be an RFC 3339 date-time with an offset, such as 2030-01-01T08:00:00+08:00',
      },
    },
    options,
  );
}
