import type { AccessibilityFeature, TargetGroup } from '@huigong/domain';
import { PartialType } from '@nestjs/swagger';
import { IsInt, IsNumber, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { LocationDto, Rules, locationRules, WindowDto, accessibilityRules, skillRules, targetGroupRules, windowListRules } from '../common/dto';
import { IsFutureInstant } from '../common/offer-dto';

export class OpeningDto {
  @IsString({ message: 'must be text' })
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(200, { message: 'must be at most 200 characters' })
  title: string;

  @IsOptional()
  @Rules(skillRules())
  skills?: string[];

  /** Empty or absent: open to everyone. */
  @IsOptional()
  @Rules(targetGroupRules({ min: 0 }))
  targetGroups?: TargetGroup[];

  @Rules(locationRules())
  location: LocationDto;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' })
  @Min(0.1, { message: 'must be between 0.1 and 200' })
  @Max(200, { message: 'must be between 0.1 and 200' })
  radiusKm?: number;

  @Rules(windowListRules({ min: 1, max: 50 }))
  shifts: WindowDto[];

  @IsOptional()
  @Rules(accessibilityRules())
  accessibilityFeatures?: AccessibilityFeature[];

  @IsInt({ message: 'must be a whole number from 1 to 10000' })
  @Min(1, { message: 'must be a whole number from 1 to 10000' })
  @Max(10000, { message: 'must be a whole number from 1 to 10000' })
  positions: number;

  @IsOptional()
  @IsFutureInstant()
  validUntil?: string | null;
}

export class UpdateOpeningDto extends PartialType(OpeningDto, { skipNullProperties: false }) {}
