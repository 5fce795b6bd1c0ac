import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { type ArgumentMetadata, ValidationPipe, type ValidationError } from '@nestjs/common';
import { type FieldError } from './api-error';
import { ValidationFailedException } from './api-exception.filter';

/** Flattens class-validator's tree into one entry per bad field, with dotted paths: `shifts.0.start`. */
export function fieldErrors(errors: ValidationError[], parent = ''): FieldError[] {
  const result: FieldError[] = [];
  for (const error of errors) {
    const field = parent === '' ? error.property : `${parent}.${error.property}`;
    const constraints = Object.entries(error.constraints ?? {});
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
    const withNul = nulCharacterFields(value);
    if (withNul.length > 0) throw new ValidationFailedException(withNul);
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
  const withNul = nulCharacterFields(plain);
  if (withNul.length > 0) return { value: undefined, errors: withNul };
  const instance = plainToInstance(dto, plain, { enableImplicitConversion: false });
  const errors = await validate(instance, DTO_VALIDATION_OPTIONS);
  return errors.length === 0 ? { value: instance, errors: [] } : { value: undefined, errors: fieldErrors(errors) };
}

/**
 * Text with a NUL character cannot be stored in PostgreSQL (text, text[] or jsonb): name every such field
 * as a bad value instead of failing at the database.
 */
export function nulCharacterFields(value: unknown, path = ''): FieldError[] {
  if (typeof value === 'string') return value.includes('\u0000') ? [{ field: path || '(body)', message: 'must not contain the NUL character' }] : [];
  if (typeof value !== 'object' || value === null) return [];
  const found: FieldError[] = [];
  for (const [key, inner] of Object.entries(value)) {
    const field = path === '' ? key : `${path}.${key}`;
    if (key.includes('\u0000')) found.push({ field, message: 'must not contain the NUL character' });
    else found.push(...nulCharacterFields(inner, field));
  }
  return found;
}
