import type { AccessibilityFeature, TargetGroup } from '@huigong/domain';
import { ApiProperty, ApiPropertyOptional, ApiSchema, PartialType } from '@nestjs/swagger';
import { OptionalNotNull } from '@huigong/platform';
import { IsInt, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import {
  AccessibilityProperty,
  NOT_BLANK,
  LocationDto,
  LocationProperty,
  Rules,
  SkillsProperty,
  TargetGroupsProperty,
  WindowDto,
  WindowsProperty,
  accessibilityRules,
  locationRules,
  skillRules,
  targetGroupRules,
  textRules,
  windowListRules,
} from '../common/dto';
import { IsFutureInstant } from '../common/offer-dto';

@ApiSchema({ name: 'Opening', description: 'A job opening of an employer (the `Opening` of the contract).' })
export class OpeningDto {
  @ApiProperty({ type: 'string', minLength: 1, maxLength: 200, ...NOT_BLANK, example: 'Assembly line operator' })
  @IsString({ message: 'must be text' })
  @Rules(textRules({ min: 1, max: 200, tooLong: 'must be at most 200 characters' }))
  title: string;

  @SkillsProperty({ required: false, description: 'Skills wanted: they raise the score of the people who have them.' })
  @OptionalNotNull()
  @Rules(skillRules())
  skills?: string[];

  /** Empty or absent: open to everyone. */
  @TargetGroupsProperty({ required: false, min: 0, description: 'Empty or absent: open to everyone.' })
  @OptionalNotNull()
  @Rules(targetGroupRules({ min: 0 }))
  targetGroups?: TargetGroup[];

  @LocationProperty({ required: true, description: 'Where the work is.' })
  @Rules(locationRules())
  location: LocationDto;

  @ApiPropertyOptional({ type: 'number', minimum: 0.1, maximum: 200, default: 10, description: 'How far from `location` people are sought.' })
  @OptionalNotNull()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' })
  @Min(0.1, { message: 'must be between 0.1 and 200' })
  @Max(200, { message: 'must be between 0.1 and 200' })
  radiusKm?: number;

  @WindowsProperty({ required: true, min: 1, max: 50, description: 'The weekly shifts; a person must be available for at least half of their minutes.' })
  @Rules(windowListRules({ min: 1, max: 50 }))
  shifts: WindowDto[];

  @AccessibilityProperty({ required: false, description: 'What the workplace offers; a person matches only if every one of their needs is here.' })
  @OptionalNotNull()
  @Rules(accessibilityRules())
  accessibilityFeatures?: AccessibilityFeature[];

  @ApiProperty({
    type: 'integer',
    minimum: 1,
    maximum: 10000,
    description: 'How many people are hired; the shortlist holds max(10, 3 x positions), at most 200.',
    example: 20,
  })
  @IsInt({ message: 'must be a whole number from 1 to 10000' })
  @Min(1, { message: 'must be a whole number from 1 to 10000' })
  @Max(10000, { message: 'must be a whole number from 1 to 10000' })
  positions: number;

  @ApiPropertyOptional({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'A future instant after which no one is matched; `null` in a PATCH clears it.',
  })
  @IsOptional()
  @IsFutureInstant()
  validUntil?: string | null;
}

@ApiSchema({ name: 'OpeningPatch', description: 'Any subset of the fields of `Opening`.' })
export class UpdateOpeningDto extends PartialType(OpeningDto, { skipNullProperties: false }) {}
