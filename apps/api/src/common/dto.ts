import { ACCESSIBILITY_FEATURES, type AccessibilityFeature, CLOCK_TIME_PATTERN, TARGET_GROUPS, type TargetGroup } from '@huigong/domain';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsDefined,
  ArrayUnique,
  IsArray,
  IsIn,
  IsInt,
  IsNumber,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

/** WGS84 coordinates: `{"lat": 31.27, "lng": 121.53}`. */
export class LocationDto {
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' })
  @Min(-90, { message: 'must be between -90 and 90' })
  @Max(90, { message: 'must be between -90 and 90' })
  lat: number;

  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' })
  @Min(-180, { message: 'must be between -180 and 180' })
  @Max(180, { message: 'must be between -180 and 180' })
  lng: number;
}

/** `{"day": 1, "start": "13:00", "end": "14:00"}`; `end <= start` ends the next day. */
export class WindowDto {
  @IsInt({ message: 'must be a whole number from 1 (Monday) to 7 (Sunday)' })
  @Min(1, { message: 'must be a whole number from 1 (Monday) to 7 (Sunday)' })
  @Max(7, { message: 'must be a whole number from 1 (Monday) to 7 (Sunday)' })
  day: number;

  @IsString({ message: 'must be a time "HH:MM"' })
  @Matches(CLOCK_TIME_PATTERN, { message: 'must be a time "HH:MM" from 00:00 to 23:59' })
  start: string;

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
    MinLength(1, { each: true, message: 'must not contain empty skills' }),
    MaxLength(60, { each: true, message: 'must contain skills of at most 60 characters' }),
  ];
}

export function windowListRules(options: { min: number; max: number }): PropertyDecorator[] {
  const rules: PropertyDecorator[] = [
    IsArray({ message: 'must be a list of windows' }),
    ArrayMaxSize(options.max, { message: `must have at most ${options.max} windows` }),
    ValidateNested({ each: true }),
    Type(() => WindowDto) as PropertyDecorator,
  ];
  if (options.min > 0) rules.push(ArrayMinSize(options.min, { message: `must have at least ${options.min} window` }));
  return rules;
}

/** A required position: present, and a valid LocationDto. */
export function locationRules(): PropertyDecorator[] {
  return [IsDefined({ message: 'is required' }), ValidateNested(), Type(() => LocationDto) as PropertyDecorator];
}

/** Applies several property decorators as one. */
export function Rules(decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => {
    for (const decorator of decorators) decorator(target, key);
  };
}
