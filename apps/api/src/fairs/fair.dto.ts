import { IsRfc3339DateTime, MaxCodePoints, OptionalNotNull } from '@huigong/platform';
import type { TargetGroup } from '@huigong/domain';
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  Equals,
  IsArray,
  IsDefined,
  IsNumber,
  IsObject,
  IsString,
  IsUUID,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  LocationDto,
  LocationProperty,
  NOT_BLANK,
  Rules,
  TargetGroupsProperty,
  locationRules,
  nestedObjectRules,
  targetGroupRules,
  textRules,
} from '../common/dto';

/** At most so many employers a fair (the Baise fair had 331), and openings attached by one request. */
export const MAX_FAIR_EMPLOYERS = 2_000;
export const MAX_OPENINGS_ATTACHED = 1_000;
export const MAX_FAIR_AREAS = 200;

/** A phone as people write it: digits, spaces, dashes, dots, brackets and one leading plus. */
const VIEWER_PHONE_PATTERN = /^\+?[\d\s\-.()]{5,30}$/;

@ApiSchema({ name: 'FairArea', description: 'An area a fair draws from (a circle), and the caseworker who follows up the newcomers living in it.' })
export class FairAreaDto {
  @ApiProperty({ type: 'string', format: 'uuid' })
  @IsUUID('all', { message: 'must be a UUID' })
  caseworkerId: string;

  @LocationProperty({ required: true, description: 'The centre of the area.' })
  @Rules(locationRules())
  location: LocationDto;

  @ApiProperty({ type: 'number', minimum: 0.1, maximum: 500, example: 15 })
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number of km from 0.1 to 500' })
  @Min(0.1, { message: 'must be a number of km from 0.1 to 500' })
  @Max(500, { message: 'must be a number of km from 0.1 to 500' })
  radiusKm: number;
}

@ApiSchema({ name: 'Fair', description: 'A job fair: its time, its place, the employers taking part and who follows up the people it brings.' })
export class FairDto {
  @ApiProperty({ type: 'string', minLength: 1, maxLength: 200, ...NOT_BLANK, example: '工会帮就业 Baise union job fair' })
  @IsString({ message: 'must be text' })
  @Rules(textRules({ min: 1, max: 200, tooLong: 'must be at most 200 characters' }))
  name: string;

  @ApiProperty({ type: 'string', format: 'date-time', description: 'When the stream starts: RFC 3339 with an offset.', example: '2026-12-12T09:00:00+08:00' })
  @IsDefined({ message: 'is required' })
  @IsRfc3339DateTime({ message: 'must be an RFC 3339 date-time with an offset, such as 2026-12-12T09:00:00+08:00' })
  startsAt: string;

  @ApiProperty({
    type: 'string',
    format: 'date-time',
    description: 'When it ends (after `startsAt`). Intents are taken until 24 hours after.',
    example: '2026-12-12T17:00:00+08:00',
  })
  @IsDefined({ message: 'is required' })
  @IsRfc3339DateTime({ message: 'must be an RFC 3339 date-time with an offset, such as 2026-12-12T17:00:00+08:00' })
  endsAt: string;

  @LocationProperty({
    required: true,
    description: 'Where it is held: a newcomer who gives no place of their own is placed here until their caseworker completes their profile.',
  })
  @Rules(locationRules())
  location: LocationDto;

  @ApiPropertyOptional({ type: 'string', maxLength: 300, example: '百色市右江区 Youjiang district, Baise' })
  @OptionalNotNull()
  @IsString({ message: 'must be text' })
  @MaxCodePoints(300, { message: 'must be at most 300 characters' })
  address?: string;

  @TargetGroupsProperty({ required: false, min: 0, description: 'The groups the fair is for.' })
  @OptionalNotNull()
  @Rules(targetGroupRules({ min: 0 }))
  targetGroups?: TargetGroup[];

  @ApiProperty({ type: 'string', format: 'uuid', isArray: true, uniqueItems: true, maxItems: MAX_FAIR_EMPLOYERS, description: 'The employers taking part.' })
  @IsArray({ message: 'must be a list of organization ids' })
  @ArrayMaxSize(MAX_FAIR_EMPLOYERS, { message: `must have at most ${MAX_FAIR_EMPLOYERS} employers` })
  @ArrayUnique({ message: 'must not name an employer twice' })
  @IsUUID('all', { each: true, message: 'must be a list of UUIDs' })
  employerIds: string[];

  @ApiProperty({ type: 'string', format: 'uuid', description: 'Who follows up a newcomer living in none of the `areas`, or giving no place.' })
  @IsUUID('all', { message: 'must be a UUID' })
  defaultCaseworkerId: string;

  @ApiPropertyOptional({ type: () => FairAreaDto, isArray: true, maxItems: MAX_FAIR_AREAS })
  @OptionalNotNull()
  @IsArray({ message: 'must be a list of areas' })
  @IsObject({ each: true, message: 'must be a list of areas' })
  @ArrayMaxSize(MAX_FAIR_AREAS, { message: `must have at most ${MAX_FAIR_AREAS} areas` })
  @ValidateNested({ each: true, message: 'must be an object' })
  @Type(() => FairAreaDto)
  areas?: FairAreaDto[];
}

@ApiSchema({ name: 'FairOpeningsAttachment', description: 'Openings an employer brings to a fair.' })
export class AttachOpeningsDto {
  @ApiProperty({ type: 'string', format: 'uuid', isArray: true, minItems: 1, maxItems: MAX_OPENINGS_ATTACHED, uniqueItems: true })
  @IsArray({ message: 'must be a list of opening ids' })
  @ArrayMinSize(1, { message: 'must name at least one opening' })
  @ArrayMaxSize(MAX_OPENINGS_ATTACHED, { message: `must have at most ${MAX_OPENINGS_ATTACHED} openings` })
  @ArrayUnique({ message: 'must not name an opening twice' })
  @IsUUID('all', { each: true, message: 'must be a list of UUIDs' })
  openingIds: string[];
}

@ApiSchema({
  name: 'FairViewer',
  description:
    'Someone not registered yet, who tapped with their consent to be contacted about jobs: registered once, on the list of the caseworker of their area.',
})
export class FairViewerDto {
  @ApiProperty({ type: 'string', minLength: 1, maxLength: 100, ...NOT_BLANK, example: '黄师傅' })
  @IsString({ message: 'must be text' })
  @Rules(textRules({ min: 1, max: 100, tooLong: 'must be at most 100 characters' }))
  displayName: string;

  @ApiProperty({
    type: 'string',
    pattern: VIEWER_PHONE_PATTERN.source,
    example: '+86 138 0013 8000',
    description: 'A phone of 5 to 15 digits, the separators aside (and +86 before a mainland mobile number). The same phone is the same viewer.',
  })
  @IsString({ message: 'must be text' })
  @Matches(VIEWER_PHONE_PATTERN, { message: 'must be a phone number of 5 to 15 digits' })
  phone: string;

  @LocationProperty({ required: false, description: 'Where they live or work: it picks their caseworker (the fair’s areas).' })
  @OptionalNotNull()
  @Rules(nestedObjectRules(() => LocationDto))
  location?: LocationDto;

  @ApiProperty({ type: 'boolean', enum: [true], description: 'They consented, in the partner’s app, to be contacted about jobs: must be true.' })
  @Equals(true, { message: 'must be true: an intent is taken only with the viewer’s consent to be contacted about jobs' })
  consentJobs: true;
}

@ApiSchema({
  name: 'FairIntent',
  description:
    'A viewer tapped "I want this job" during the stream: a registered person, or a viewer with their phone. Exactly one of `candidateId` and `viewer`.',
})
export class FairIntentDto {
  @ApiProperty({ type: 'string', format: 'uuid', description: 'An opening attached to the fair.' })
  @IsUUID('all', { message: 'must be a UUID' })
  openingId: string;

  @ApiPropertyOptional({ type: 'string', format: 'uuid', description: 'A registered person (then no `viewer`).' })
  @OptionalNotNull()
  @IsUUID('all', { message: 'must be a UUID' })
  candidateId?: string;

  @ApiPropertyOptional({ type: () => FairViewerDto, description: 'Someone not registered (then no `candidateId`).' })
  @OptionalNotNull()
  @Rules(nestedObjectRules(() => FairViewerDto))
  viewer?: FairViewerDto;
}
