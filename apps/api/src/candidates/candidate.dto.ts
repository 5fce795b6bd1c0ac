import { type AccessibilityFeature, CONSENT_METHODS, type ConsentMethod, type TargetGroup } from '@huigong/domain';
import { ApiProperty, ApiPropertyOptional, ApiSchema, OmitType, PartialType } from '@nestjs/swagger';
import { MaxCodePoints, OptionalNotNull } from '@huigong/platform';
import { IsBoolean, IsDefined, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
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
  nestedObjectRules,
  skillRules,
  targetGroupRules,
  textRules,
  windowListRules,
} from '../common/dto';

const PHONE_PATTERN = /^\+?[0-9][0-9 -]{4,19}$/;

const PURPOSES_DESCRIPTION =
  'On its own, `contact` gives (or withdraws) every purpose, as v1 meant it; a purpose named beside it says more. `contact: false` with `jobs` or `benefits` given, or `contact: true` with both false, is refused.';

/** The purposes and how they were given, beside the contract's `contact`. */
class ConsentPurposesDto {
  @ApiPropertyOptional({ type: 'boolean', description: 'Job openings may be proposed to the person.' })
  @OptionalNotNull()
  @IsBoolean({ message: 'must be true or false' })
  jobs?: boolean;

  @ApiPropertyOptional({ type: 'boolean', description: 'Benefit slots (meals, haircuts, stays, courses) may be offered to the person.' })
  @OptionalNotNull()
  @IsBoolean({ message: 'must be true or false' })
  benefits?: boolean;

  @ApiPropertyOptional({
    type: 'boolean',
    description: 'Their disability, hardship and accessibility needs may be used in matching; without it they are not used at all.',
  })
  @OptionalNotNull()
  @IsBoolean({ message: 'must be true or false' })
  sensitive?: boolean;

  @ApiPropertyOptional({
    enum: CONSENT_METHODS,
    enumName: 'ConsentMethod',
    description: 'How the person gave (or withdrew) the consents of this request; kept in the history.',
  })
  @OptionalNotNull()
  @IsIn([...CONSENT_METHODS], { message: `must be one of: ${CONSENT_METHODS.join(', ')}` })
  method?: ConsentMethod;
}

@ApiSchema({ name: 'Consent', description: `What the person consents to. ${PURPOSES_DESCRIPTION}` })
export class ConsentDto extends ConsentPurposesDto {
  @ApiProperty({
    type: 'boolean',
    description: 'Whether the person agreed to be contacted about matches (for jobs, benefits, or both); without it they are never matched.',
  })
  @IsBoolean({ message: 'must be true or false' })
  contact: boolean;
}

@ApiSchema({
  name: 'ConsentPatch',
  description: `A change of consent: the purposes named change, the others stay. ${PURPOSES_DESCRIPTION}`,
})
export class ConsentPatchDto extends ConsentPurposesDto {
  @ApiPropertyOptional({ type: 'boolean', description: 'The shortcut: every purpose not named beside it.' })
  @OptionalNotNull()
  @IsBoolean({ message: 'must be true or false' })
  contact?: boolean;
}

const QUIET_HOURS = /^(off|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$/;

/** What a worker is sent, and when: each field absent is the deployment's setting. */
@ApiSchema({ name: 'NoticePreferences', description: "A worker's own budget for offers; each field absent is the deployment's." })
export class NoticePreferencesDto {
  @ApiPropertyOptional({
    type: 'string',
    pattern: QUIET_HOURS.source,
    example: '08:00-16:00',
    description: 'Local hours when no offer is sent ("HH:MM-HH:MM"; across midnight when the end is earlier), or "off" for none.',
  })
  @OptionalNotNull()
  @IsString({ message: 'must be text' })
  @Matches(QUIET_HOURS, { message: 'must be "HH:MM-HH:MM" or "off"' })
  quietHours?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 20, description: 'Offers sent per local day at most.' })
  @OptionalNotNull()
  @IsInt({ message: 'must be a whole number from 1 to 20' })
  @Min(1, { message: 'must be a whole number from 1 to 20' })
  @Max(20, { message: 'must be a whole number from 1 to 20' })
  dailyCap?: number;

  @ApiPropertyOptional({ enum: ['zh-CN', 'en'], description: 'The language of the texts sent to the worker.' })
  @OptionalNotNull()
  @IsIn(['zh-CN', 'en'], { message: 'must be one of: zh-CN, en' })
  language?: 'zh-CN' | 'en';

  @ApiPropertyOptional({
    enum: ['app', 'sms'],
    description: "How the worker gateway reaches the worker: the union app's push, or a text message (told to the gateway as `recipient.channel`).",
  })
  @OptionalNotNull()
  @IsIn(['app', 'sms'], { message: 'must be one of: app, sms' })
  channel?: 'app' | 'sms';
}

/** A person registered by a caseworker. */
@ApiSchema({ name: 'Candidate', description: 'A person registered by a caseworker (the `Candidate` of the contract).' })
export class CandidateDto {
  @ApiProperty({ type: 'string', minLength: 1, maxLength: 200, ...NOT_BLANK, example: 'Zhang Wei' })
  @IsString({ message: 'must be text' })
  @Rules(textRules({ min: 1, max: 200, tooLong: 'must be at most 200 characters' }))
  displayName: string;

  @ApiPropertyOptional({ type: 'string', maxLength: 100, nullable: true, description: "The caseworker's own reference.", example: 'YP-0001' })
  @IsOptional()
  @IsString({ message: 'must be text' })
  @MaxCodePoints(100, { message: 'must be at most 100 characters' })
  externalRef?: string | null;

  @ApiPropertyOptional({ type: 'string', pattern: PHONE_PATTERN.source, nullable: true, example: '+86 138 0013 8000' })
  @IsOptional()
  @IsString({ message: 'must be text' })
  @Matches(PHONE_PATTERN, { message: 'must be a phone number of 5 to 20 digits, spaces or dashes' })
  phone?: string | null;

  @TargetGroupsProperty({ required: true, min: 1, description: 'At least one. `hardship` and `disabled` are sensitive: never sent to employers or merchants.' })
  @Rules(targetGroupRules({ min: 1 }))
  groups: TargetGroup[];

  @SkillsProperty({ required: false })
  @OptionalNotNull()
  @Rules(skillRules())
  skills?: string[];

  @LocationProperty({ required: true, description: 'Where the person is (home or usual place of work).' })
  @Rules(locationRules())
  location: LocationDto;

  @ApiPropertyOptional({
    type: 'number',
    minimum: 0.1,
    maximum: 500,
    nullable: true,
    description: 'How far the person will travel; absent: no limit of their own.',
  })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number' })
  @Min(0.1, { message: 'must be between 0.1 and 500' })
  @Max(500, { message: 'must be between 0.1 and 500' })
  maxTravelKm?: number | null;

  /** When the person can work (job matching). */
  @WindowsProperty({ required: false, min: 0, max: 50, description: 'When the person can work (job matching).' })
  @OptionalNotNull()
  @Rules(windowListRules({ min: 0, max: 50 }))
  availability?: WindowDto[];

  /** When the person is free to use an offer near where they are (slot matching). */
  @WindowsProperty({ required: false, min: 0, max: 50, description: 'When the person is free to use an offer near where they are (slot matching).' })
  @OptionalNotNull()
  @Rules(windowListRules({ min: 0, max: 50 }))
  breaks?: WindowDto[];

  @AccessibilityProperty({ required: false, description: 'Sensitive: never sent to employers or merchants.' })
  @OptionalNotNull()
  @Rules(accessibilityRules())
  accessibilityNeeds?: AccessibilityFeature[];

  @ApiProperty({ type: () => ConsentDto })
  @IsDefined({ message: 'is required' })
  @Rules(nestedObjectRules(() => ConsentDto))
  consent: ConsentDto;

  @ApiPropertyOptional({
    type: 'boolean',
    default: false,
    description: 'Once hired (`employment: "employed"`) no more jobs are proposed to the person, unless this is true; benefit slots come either way.',
  })
  @OptionalNotNull()
  @IsBoolean({ message: 'must be true or false' })
  openToJobOffers?: boolean;

  @ApiPropertyOptional({
    type: () => NoticePreferencesDto,
    description: "The worker's own quiet hours, daily cap, language and channel; a PATCH replaces them whole.",
  })
  @OptionalNotNull()
  @Rules(nestedObjectRules(() => NoticePreferencesDto))
  notices?: NoticePreferencesDto;
}

/** PATCH: any subset of the fields; `null` clears `externalRef`, `phone` or `maxTravelKm`, and is refused elsewhere. */
@ApiSchema({
  name: 'CandidatePatch',
  description: 'Any subset of the fields of `Candidate`; `null` clears `externalRef`, `phone` or `maxTravelKm` (the fields that may be null).',
})
export class UpdateCandidateDto extends PartialType(OmitType(CandidateDto, ['consent'] as const), { skipNullProperties: false }) {
  @ApiPropertyOptional({ type: () => ConsentPatchDto })
  @OptionalNotNull()
  @Rules(nestedObjectRules(() => ConsentPatchDto))
  consent?: ConsentPatchDto;
}
