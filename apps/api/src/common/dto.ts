import { applyDecorators } from '@nestjs/common';
import { ACCESSIBILITY_FEATURES, type AccessibilityFeature, CLOCK_TIME_PATTERN, TARGET_GROUPS, type TargetGroup, type WeeklyWindow } from '@huigong/domain';
import { MaxCodePoints, MinCodePoints, NOT_BLANK_PATTERN, NotBlank, OptionalNotNull } from '@huigong/platform';
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsDefined,
  IsEmail,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsNumber,
  IsObject,
  IsString,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';

/**
 * The document's pattern of text that must say something (names, titles, skills, reasons): a character that is
 * not white space. Such text is trimmed when stored, and `" "` was stored as "".
 */
export const NOT_BLANK = { pattern: NOT_BLANK_PATTERN.source } as const;

/**
 * Text of `min` to `max` characters, counted in code points as the document's minLength and maxLength are;
 * with `min` >= 1 it must not be blank either. Messages as given (the empty text is `empty`).
 */
export function textRules(options: { min: number; max: number; tooLong: string; empty?: string; blank?: string; each?: boolean }): PropertyDecorator[] {
  const each = options.each === true ? { each: true } : {};
  const rules: PropertyDecorator[] = [];
  if (options.min > 0) {
    rules.push(MinCodePoints(options.min, { ...each, message: options.empty ?? 'must not be empty' }));
    rules.push(NotBlank({ ...each, message: options.blank ?? 'must not be blank' }));
  }
  rules.push(MaxCodePoints(options.max, { ...each, message: options.tooLong }));
  return rules;
}

/** WGS84 coordinates: `{"lat": 31.27, "lng": 121.53}`. */
@ApiSchema({ name: 'Location', description: 'WGS84 coordinates.' })
export class LocationDto {
  @ApiProperty({ type: 'number', minimum: -90, maximum: 90, example: 31.2705 })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' })
  @Min(-90, { message: 'must be between -90 and 90' })
  @Max(90, { message: 'must be between -90 and 90' })
  lat: number;

  @ApiProperty({ type: 'number', minimum: -180, maximum: 180, example: 121.549 })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' })
  @Min(-180, { message: 'must be between -180 and 180' })
  @Max(180, { message: 'must be between -180 and 180' })
  lng: number;
}

const WINDOW_DESCRIPTION = 'A weekly window in local time (`APP_TIMEZONE`); `end` <= `start` means it ends the next day.';
const CLOCK_TIME = { type: 'string', pattern: CLOCK_TIME_PATTERN.source } as const;

/** `{"day": 1, "start": "13:00", "end": "14:00"}`; `end <= start` ends the next day. */
@ApiSchema({ name: 'Window', description: WINDOW_DESCRIPTION })
export class WindowDto {
  @ApiProperty({ type: 'integer', minimum: 1, maximum: 7, description: '1 = Monday ... 7 = Sunday', example: 1 })
  @IsInt({ message: 'must be a whole number from 1 (Monday) to 7 (Sunday)' })
  @Min(1, { message: 'must be a whole number from 1 (Monday) to 7 (Sunday)' })
  @Max(7, { message: 'must be a whole number from 1 (Monday) to 7 (Sunday)' })
  day: number;

  @ApiProperty({ ...CLOCK_TIME, description: 'HH:MM', example: '13:00' })
  @IsString({ message: 'must be a time "HH:MM"' })
  @Matches(CLOCK_TIME_PATTERN, { message: 'must be a time "HH:MM" from 00:00 to 23:59' })
  start: string;

  @ApiProperty({ ...CLOCK_TIME, description: 'HH:MM', example: '14:00' })
  @IsString({ message: 'must be a time "HH:MM"' })
  @Matches(CLOCK_TIME_PATTERN, { message: 'must be a time "HH:MM" from 00:00 to 23:59' })
  end: string;
}

const GROUP_LIST = TARGET_GROUPS.join(', ');
const FEATURE_LIST = ACCESSIBILITY_FEATURES.join(', ');

/** Decorators of a list of target groups. */
export function targetGroupRules(options: { min: number }): PropertyDecorator[] {
  const rules: PropertyDecorator[] = [
    IsArray({ message: 'must be a list of target groups' }),
    ArrayUnique({ message: 'must not repeat a group' }),
    ArrayMaxSize(TARGET_GROUPS.length),
    IsIn(TARGET_GROUPS as readonly TargetGroup[], { each: true, message: `must contain only: ${GROUP_LIST}` }),
  ];
  if (options.min > 0) rules.push(ArrayMinSize(options.min, { message: `must name at least ${options.min} target group` }));
  return rules;
}

export function accessibilityRules(): PropertyDecorator[] {
  return [
    IsArray({ message: 'must be a list' }),
    ArrayUnique({ message: 'must not repeat an entry' }),
    IsIn(ACCESSIBILITY_FEATURES as readonly AccessibilityFeature[], { each: true, message: `must contain only: ${FEATURE_LIST}` }),
  ];
}

export function skillRules(): PropertyDecorator[] {
  return [
    IsArray({ message: 'must be a list of skills' }),
    ArrayMaxSize(50, { message: 'must have at most 50 skills' }),
    IsString({ each: true, message: 'must contain only text' }),
    ...textRules({
      min: 1,
      max: 60,
      each: true,
      empty: 'must not contain empty skills',
      blank: 'must not contain blank skills',
      tooLong: 'must contain skills of at most 60 characters',
    }),
  ];
}

export function windowListRules(options: { min: number; max: number }): PropertyDecorator[] {
  const rules: PropertyDecorator[] = [
    IsArray({ message: 'must be a list of windows' }),
    // ValidateNested walks into a list inside the list and finds nothing wrong: `[[{...}]]` passed, and
    // came back as `[{}]`. Each window must be an object itself (same words as above, so said once).
    IsObject({ each: true, message: 'must be a list of windows' }),
    ArrayMaxSize(options.max, { message: `must have at most ${options.max} windows` }),
    ValidateNested({ each: true, message: 'must be an object' }),
    Type(() => WindowDto),
  ];
  if (options.min > 0) rules.push(ArrayMinSize(options.min, { message: `must have at least ${options.min} window` }));
  return rules;
}

/**
 * A field holding one object of `type`. class-validator's ValidateNested alone accepts a list there (it
 * validates each element, and `[]` has none): `location: []` passed validation and failed at the database
 * with a 500. So the value must be an object and not a list.
 */
export function nestedObjectRules(type: () => new () => object): PropertyDecorator[] {
  return [IsObjectNotList(), ValidateNested({ message: 'must be an object' }), Type(type)];
}

/** An object and not a list; null and absent are left to IsDefined or IsOptional, which say "is required". */
function IsObjectNotList(): PropertyDecorator {
  return ValidateBy({
    name: 'isObjectNotList',
    validator: {
      validate: (value: unknown) => value === null || value === undefined || (typeof value === 'object' && !Array.isArray(value)),
      defaultMessage: () => 'must be an object',
    },
  });
}

/** A required position: present, and a valid LocationDto. */
export function locationRules(): PropertyDecorator[] {
  return [IsDefined({ message: 'is required' }), ...nestedObjectRules(() => LocationDto)];
}

/** The schema of a list of target groups (the `TargetGroup` enum of the contract). */
export function TargetGroupsProperty(options: { required: boolean; min: number; description?: string }): PropertyDecorator {
  return ApiProperty({
    enum: [...TARGET_GROUPS],
    enumName: 'TargetGroup',
    isArray: true,
    required: options.required,
    uniqueItems: true,
    maxItems: TARGET_GROUPS.length,
    ...(options.min > 0 ? { minItems: options.min } : {}),
    ...(options.description === undefined ? {} : { description: options.description }),
  });
}

/** The schema of a list of accessibility features or needs (the `AccessibilityFeature` enum). */
export function AccessibilityProperty(options: { required: boolean; description?: string }): PropertyDecorator {
  return ApiProperty({
    enum: [...ACCESSIBILITY_FEATURES],
    enumName: 'AccessibilityFeature',
    isArray: true,
    required: options.required,
    uniqueItems: true,
    ...(options.description === undefined ? {} : { description: options.description }),
  });
}

export function SkillsProperty(options: { required: boolean; description?: string }): PropertyDecorator {
  return ApiProperty({
    type: 'string',
    isArray: true,
    required: options.required,
    maxItems: 50,
    minLength: 1,
    maxLength: 60,
    ...NOT_BLANK,
    example: ['delivery'],
    ...(options.description === undefined ? {} : { description: options.description }),
  });
}

export function WindowsProperty(options: { required: boolean; min: number; max: number; description?: string }): PropertyDecorator {
  return ApiProperty({
    type: () => WindowDto,
    isArray: true,
    required: options.required,
    maxItems: options.max,
    ...(options.min > 0 ? { minItems: options.min } : {}),
    ...(options.description === undefined ? {} : { description: options.description }),
  });
}

export function LocationProperty(options: { required: boolean; description?: string } = { required: true }): PropertyDecorator {
  return ApiProperty({
    type: () => LocationDto,
    required: options.required,
    ...(options.description === undefined ? {} : { description: options.description }),
  });
}

/**
 * A recipient's optional webhook URL (caseworkers, organizations): documented and checked alike for both.
 * The rules are listed in the order stacked decorators would apply them (bottom first).
 */
export function WebhookUrlField(): PropertyDecorator {
  return Rules([
    MaxCodePoints(2048, { message: 'must be at most 2048 characters' }),
    IsString({ message: 'must be an http or https URL' }),
    OptionalNotNull(),
    ApiPropertyOptional({
      type: 'string',
      format: 'uri',
      maxLength: 2048,
      description: 'Where notifications are delivered as Standard Webhooks; http(s), not a private or loopback address.',
      example: 'https://hooks.example.org/huigong',
    }),
  ]);
}

/** A recipient's optional email address (caseworkers, organizations), in the same order. */
export function EmailField(): PropertyDecorator {
  return Rules([
    MaxCodePoints(254, { message: 'must be at most 254 characters' }),
    IsEmail({}, { message: 'must be an email address' }),
    OptionalNotNull(),
    ApiPropertyOptional({
      type: 'string',
      format: 'email',
      maxLength: 254,
      description: 'Where notifications are also mailed, when the deployment has an SMTP server (SMTP_URL).',
      example: 'desk@union.example',
    }),
  ]);
}

/** Applies several property decorators as one. */
export function Rules(decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    for (const decorator of decorators) decorator(target, key);
  };
}

/**
 * A whole number in a query string: digits are read as a number, anything else (an empty `?offset=`, text)
 * is left as text for IsInt to refuse; `Type(() => Number)` read the empty text as 0.
 */
export function QueryInteger(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) => (typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value));
}

/** Validated windows as rows keep them: day, start and end only, nothing else a body carried (absent: none). */
export function storedWindows(list: readonly WindowDto[] | null | undefined): WeeklyWindow[] {
  return (list ?? []).map(({ day, start, end }) => ({ day, start, end }));
}

/** A decimal number in a query string (`?lat=31.27`): a number's text is read as one, anything else left for IsNumber to refuse. */
export function QueryNumber(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(value.trim()) ? Number(value) : value,
  );
}

/**
 * An optional whole number from `min` to `max` in a query string (`?limit=`, `?offset=`), documented. Always
 * bounded: a number past what PostgreSQL's bigint holds (`?offset=99999999999999999999999`) would fail there.
 */
export function QueryIntegerParam(options: { min: number; max: number; default: number; description: string }): PropertyDecorator {
  const message = `must be a whole number from ${options.min} to ${options.max}`;
  return applyDecorators(
    ApiPropertyOptional({ type: 'integer', minimum: options.min, maximum: options.max, default: options.default, description: options.description }),
    IsOptional(),
    QueryInteger(),
    IsInt({ message }),
    Min(options.min, { message }),
    Max(options.max, { message }),
  );
}
