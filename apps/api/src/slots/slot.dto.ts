import { type AccessibilityFeature, SLOT_KINDS, type SlotKind, type TargetGroup } from '@huigong/domain';
import { ApiProperty, ApiPropertyOptional, ApiSchema, PartialType } from '@nestjs/swagger';
import { MaxCodePoints, MaxDecimalPlaces, MinCodePoints, OptionalNotNull } from '@huigong/platform';
import { IsDefined, IsIn, IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
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

  @WindowsProperty({ required: true, min: 1, max: 50, description: 'When the slot is open, every week.' })
  @Rules(windowListRules({ min: 1, max: 50 }))
  windows: WindowDto[];

  /** Seats per occurrence of a window. */
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: 100_000,
    description: 'Seats per occurrence of a window; at most 2 x capacity offers are open at once.',
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
}

@ApiSchema({ name: 'SlotPatch', description: 'Any subset of the fields of `Slot`.' })
export class UpdateSlotDto extends PartialType(SlotDto, { skipNullProperties: false }) {}

@ApiSchema({ name: 'Redemption' })
export class RedemptionDto {
  @ApiProperty({ type: 'string', minLength: 4, maxLength: 64, description: 'The code the worker shows (case does not matter).', example: 'K7M2Q9XD' })
  @IsString({ message: 'must be the code the worker shows' })
  @MinCodePoints(4, { message: 'must be the code the worker shows' })
  @MaxCodePoints(64, { message: 'must be the code the worker shows' })
  code: string;
}
