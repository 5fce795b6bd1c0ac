import { type AccessibilityFeature, SLOT_KINDS, type SlotKind, type TargetGroup } from '@huigong/domain';
import { PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { LocationDto, Rules, locationRules, WindowDto, accessibilityRules, targetGroupRules, windowListRules } from '../common/dto';
import { IsFutureInstant } from '../common/offer-dto';

export class SlotOfferTermsDto {
  @IsOptional()
  @IsInt({ message: 'must be a whole number from 1 to 100' })
  @Min(1, { message: 'must be a whole number from 1 to 100' })
  @Max(100, { message: 'must be a whole number from 1 to 100' })
  discountPercent?: number;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 }, { message: 'must be an amount with at most 2 decimals' })
  @Min(0, { message: 'must not be negative' })
  @Max(1_000_000, { message: 'must be at most 1000000' })
  price?: number;

  @IsOptional()
  @IsString({ message: 'must be text' })
  @MaxLength(500, { message: 'must be at most 500 characters' })
  description?: string;
}

export class SlotDto {
  @IsString({ message: 'must be text' })
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(200, { message: 'must be at most 200 characters' })
  title: string;

  @IsIn(SLOT_KINDS, { message: `must be one of: ${SLOT_KINDS.join(', ')}` })
  kind: SlotKind;

  @Rules(targetGroupRules({ min: 1 }))
  eligibleGroups: TargetGroup[];

  @Rules(windowListRules({ min: 1, max: 50 }))
  windows: WindowDto[];

  /** Seats per occurrence of a window. */
  @IsInt({ message: 'must be a whole number of at least 1' })
  @Min(1, { message: 'must be a whole number of at least 1' })
  @Max(100_000, { message: 'must be at most 100000' })
  capacity: number;

  @IsDefined({ message: 'is required' })
  @ValidateNested()
  @Type(() => SlotOfferTermsDto)
  offer: SlotOfferTermsDto;

  @Rules(locationRules())
  location: LocationDto;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' })
  @Min(0.1, { message: 'must be between 0.1 and 50' })
  @Max(50, { message: 'must be between 0.1 and 50' })
  radiusKm?: number;

  @IsOptional()
  @Rules(accessibilityRules())
  accessibilityFeatures?: AccessibilityFeature[];

  @IsOptional()
  @IsFutureInstant()
  validUntil?: string | null;
}

export class UpdateSlotDto extends PartialType(SlotDto, { skipNullProperties: false }) {}

export class RedemptionDto {
  @IsString({ message: 'must be the code the worker shows' })
  @MinLength(4, { message: 'must be the code the worker shows' })
  @MaxLength(64, { message: 'must be the code the worker shows' })
  code: string;
}
