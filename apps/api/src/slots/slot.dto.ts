import { type AccessibilityFeature, MAX_DATED_OCCURRENCES, SLOT_KINDS, type SlotKind, type TargetGroup } from '@huigong/domain';
import { ApiProperty, ApiPropertyOptional, ApiSchema, OmitType, PartialType } from '@nestjs/swagger';
import { IsRfc3339DateTime, MaxCodePoints, MaxDecimalPlaces, MinCodePoints, OptionalNotNull } from '@huigong/platform';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsDefined, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, IsUUID, Max, Min, ValidateNested } from 'class-validator';
import {
  AccessibilityProperty,
  NOT_BLANK,
  LocationDto,
  LocationProperty,
  Rules,
  TargetGroupsProperty,
  WindowDto,
  WindowsProperty,
  accessibilityRules,
  locationRules,
  nestedObjectRules,
  targetGroupRules,
  textRules,
  windowListRules,
} from '../common/dto';
import { IsFutureInstant } from '../common/offer-dto';

/** How far from a slot people are offered it, unless it says. */
export const DEFAULT_SLOT_RADIUS_KM = 3;

@ApiSchema({ name: 'DatedOccurrence', description: 'An occurrence on a date: a session, or a stay of a lodging slot.' })
export class DatedOccurrenceDto {
  @ApiProperty({
    type: 'string',
    format: 'date-time',
    description: 'When it starts (check-in of a stay): RFC 3339 with an offset.',
    example: '2026-12-05T19:00:00+08:00',
  })
  @IsDefined({ message: 'is required' })
  @IsRfc3339DateTime({ message: 'must be an RFC 3339 date-time with an offset, such as 2026-12-05T19:00:00+08:00' })
  startsAt: string;

  @ApiProperty({ type: 'string', format: 'date-time', description: 'When it ends (check-out of a stay).', example: '2026-12-05T20:30:00+08:00' })
  @IsDefined({ message: 'is required' })
  @IsRfc3339DateTime({ message: 'must be an RFC 3339 date-time with an offset, such as 2026-12-05T20:30:00+08:00' })
  endsAt: string;
}

/** A list of dated occurrences, each an object. */
function occurrenceListRules(): PropertyDecorator[] {
  return [
    IsArray({ message: 'must be a list of occurrences' }),
    IsObject({ each: true, message: 'must be a list of occurrences' }),
    ArrayMaxSize(MAX_DATED_OCCURRENCES, { message: `must have at most ${MAX_DATED_OCCURRENCES} occurrences` }),
    ValidateNested({ each: true, message: 'must be an object' }),
    Type(() => DatedOccurrenceDto),
  ];
}

@ApiSchema({ name: 'SlotOfferTerms', description: 'What the worker gets.' })
export class SlotOfferTermsDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, example: 30 })
  @OptionalNotNull()
  @IsInt({ message: 'must be a whole number from 1 to 100' })
  @Min(1, { message: 'must be a whole number from 1 to 100' })
  @Max(100, { message: 'must be a whole number from 1 to 100' })
  discountPercent?: number;

  @ApiPropertyOptional({ type: 'number', minimum: 0, maximum: 1_000_000, description: 'A price, with at most 2 decimals.', example: 12.5 })
  @OptionalNotNull()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be an amount with at most 2 decimals' })
  @MaxDecimalPlaces(2, { message: 'must be an amount with at most 2 decimals' })
  @Min(0, { message: 'must not be negative' })
  @Max(1_000_000, { message: 'must be at most 1000000' })
  price?: number;

  @ApiPropertyOptional({ type: 'string', maxLength: 500, example: 'Dishes 30% off' })
  @OptionalNotNull()
  @IsString({ message: 'must be text' })
  @MaxCodePoints(500, { message: 'must be at most 500 characters' })
  description?: string;
}

@ApiSchema({ name: 'Slot', description: 'Off-peak capacity of a merchant (the `Slot` of the contract).' })
export class SlotDto {
  @ApiProperty({ type: 'string', minLength: 1, maxLength: 200, ...NOT_BLANK, example: 'Rider special lunch' })
  @IsString({ message: 'must be text' })
  @Rules(textRules({ min: 1, max: 200, tooLong: 'must be at most 200 characters' }))
  title: string;

  @ApiProperty({ enum: [...SLOT_KINDS], enumName: 'SlotKind' })
  @IsIn(SLOT_KINDS, { message: `must be one of: ${SLOT_KINDS.join(', ')}` })
  kind: SlotKind;

  @TargetGroupsProperty({ required: true, min: 1, description: 'Who may be offered the slot.' })
  @Rules(targetGroupRules({ min: 1 }))
  eligibleGroups: TargetGroup[];

  @WindowsProperty({
    required: false,
    min: 1,
    max: 50,
    description: 'When the slot is open, every week. Required unless the slot has dated `occurrences` (it may have both).',
  })
  @OptionalNotNull()
  @Rules(windowListRules({ min: 1, max: 50 }))
  windows?: WindowDto[];

  @ApiPropertyOptional({
    type: () => DatedOccurrenceDto,
    isArray: true,
    maxItems: MAX_DATED_OCCURRENCES,
    description:
      'Occurrences on dates, besides or instead of `windows`: a course on 5 December 19:00-20:30 (a session: at most 24 hours, met like a window: ' +
      'a break overlaps it by 30 minutes), or, for a `lodging` slot, stays from check-in to check-out (at least one night, at most 14), ' +
      'offered whole to people whose breaks cover all of it; `capacity` is then beds per night. Each starts and ends on a whole minute and ends in the future. ' +
      'In a PATCH the list replaces the one stored; `[]` clears it (the slot keeps its `windows`).',
  })
  @OptionalNotNull()
  @Rules(occurrenceListRules())
  occurrences?: DatedOccurrenceDto[];

  /** Seats per occurrence of a window; beds per night of a stay. */
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: 100_000,
    description: 'Seats per occurrence (of a window, or dated); for stays, beds per night. At most 2 x capacity offers are open at once.',
    example: 40,
  })
  @IsInt({ message: 'must be a whole number of at least 1' })
  @Min(1, { message: 'must be a whole number of at least 1' })
  @Max(100_000, { message: 'must be at most 100000' })
  capacity: number;

  @ApiProperty({ type: () => SlotOfferTermsDto })
  @IsDefined({ message: 'is required' })
  @Rules(nestedObjectRules(() => SlotOfferTermsDto))
  offer: SlotOfferTermsDto;

  @LocationProperty({ required: true, description: 'Where the slot is.' })
  @Rules(locationRules())
  location: LocationDto;

  @ApiPropertyOptional({ type: 'number', minimum: 0.1, maximum: 50, default: 3, description: 'How far from `location` people are offered the slot.' })
  @OptionalNotNull()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' })
  @Min(0.1, { message: 'must be between 0.1 and 50' })
  @Max(50, { message: 'must be between 0.1 and 50' })
  radiusKm?: number;

  @AccessibilityProperty({ required: false, description: 'What the place offers; a person matches only if every one of their needs is here.' })
  @OptionalNotNull()
  @Rules(accessibilityRules())
  accessibilityFeatures?: AccessibilityFeature[];

  @ApiPropertyOptional({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'A future instant after which no one is offered the slot; `null` in a PATCH clears it.',
  })
  @IsOptional()
  @IsFutureInstant()
  validUntil?: string | null;

  @ApiPropertyOptional({
    type: 'string',
    format: 'uuid',
    description:
      "A course scheduled for a demand of the caller's course menu (`GET /v1/course-demands/:id`): those who ordered it are offered it first, by the windows they gave, then others who fit. Once per demand; not in a PATCH.",
  })
  @OptionalNotNull()
  @IsUUID('all', { message: 'must be a UUID' })
  courseDemandId?: string;
}

@ApiSchema({ name: 'SlotPatch', description: 'Any subset of the fields of `Slot`.' })
export class UpdateSlotDto extends PartialType(OmitType(SlotDto, ['courseDemandId'] as const), { skipNullProperties: false }) {}

@ApiSchema({ name: 'Redemption' })
export class RedemptionDto {
  @ApiProperty({ type: 'string', minLength: 4, maxLength: 64, description: 'The code the worker shows (case does not matter).', example: 'K7M2Q9XD' })
  @IsString({ message: 'must be the code the worker shows' })
  @MinCodePoints(4, { message: 'must be the code the worker shows' })
  @MaxCodePoints(64, { message: 'must be the code the worker shows' })
  code: string;
}
