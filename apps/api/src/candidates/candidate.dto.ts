import type { AccessibilityFeature, TargetGroup } from '@huigong/domain';
import { PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsDefined, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested } from 'class-validator';
import { LocationDto, Rules, locationRules, WindowDto, accessibilityRules, skillRules, targetGroupRules, windowListRules } from '../common/dto';

export class ConsentDto {
  @IsBoolean({ message: 'must be true or false' })
  contact: boolean;
}

/** A person registered by a caseworker. */
export class CandidateDto {
  @IsString({ message: 'must be text' })
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(200, { message: 'must be at most 200 characters' })
  displayName: string;

  @IsOptional()
  @IsString({ message: 'must be text' })
  @MaxLength(100, { message: 'must be at most 100 characters' })
  externalRef?: string | null;

  @IsOptional()
  @IsString({ message: 'must be text' })
  @Matches(/^\+?[0-9][0-9 -]{4,19}$/, { message: 'must be a phone number of 5 to 20 digits, spaces or dashes' })
  phone?: string | null;

  @Rules(targetGroupRules({ min: 1 }))
  groups: TargetGroup[];

  @IsOptional()
  @Rules(skillRules())
  skills?: string[];

  @Rules(locationRules())
  location: LocationDto;

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' })
  @Min(0.1, { message: 'must be between 0.1 and 500' })
  @Max(500, { message: 'must be between 0.1 and 500' })
  maxTravelKm?: number | null;

  /** When the person can work (job matching). */
  @IsOptional()
  @Rules(windowListRules({ min: 0, max: 50 }))
  availability?: WindowDto[];

  /** When the person is free to use an offer near where they are (slot matching). */
  @IsOptional()
  @Rules(windowListRules({ min: 0, max: 50 }))
  breaks?: WindowDto[];

  @IsOptional()
  @Rules(accessibilityRules())
  accessibilityNeeds?: AccessibilityFeature[];

  @IsDefined({ message: 'is required' })
  @ValidateNested()
  @Type(() => ConsentDto)
  consent: ConsentDto;
}

/** PATCH: any subset of the fields; `null` is refused for a field the profile must have. */
export class UpdateCandidateDto extends PartialType(CandidateDto, { skipNullProperties: false }) {}
