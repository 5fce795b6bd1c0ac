import { type AccessibilityFeature, EMPLOYMENT_STATUSES, type Employment, type TargetGroup, mayContact } from '@huigong/domain';
import type { CandidateEntity } from '@huigong/persistence';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { AccessibilityProperty, LocationDto, LocationProperty, SkillsProperty, TargetGroupsProperty, WindowDto, WindowsProperty } from '../common/dto';
import { NoticePreferencesDto } from './candidate.dto';
import { consentsOf } from './candidate.mapping';

@ApiSchema({ name: 'Consents', description: 'What the person consents to now; the history is at GET /v1/candidates/:id/consents.' })
export class ConsentsView {
  @ApiProperty({ type: 'boolean', description: "May be contacted at all: for jobs, benefits, or both (the contract's `consent.contact`)." })
  contact: boolean;

  @ApiProperty({ type: 'boolean', description: 'Job openings may be proposed.' })
  jobs: boolean;

  @ApiProperty({ type: 'boolean', description: 'Benefit slots may be offered.' })
  benefits: boolean;

  @ApiProperty({ type: 'boolean', description: 'Disability, hardship and accessibility needs may be used in matching.' })
  sensitive: boolean;
}

/** The profile as its owning caseworker sees it. Never sent to employers or merchants. */
@ApiSchema({ name: 'CandidateProfile', description: 'A candidate as their own caseworker sees them.' })
export class CandidateView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  id: string;

  @ApiProperty({ type: 'string' })
  displayName: string;

  @ApiProperty({ type: 'string', nullable: true })
  externalRef: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  phone: string | null;

  @TargetGroupsProperty({ required: true, min: 1 })
  groups: TargetGroup[];

  @SkillsProperty({ required: true })
  skills: string[];

  @LocationProperty()
  location: LocationDto;

  @ApiProperty({ type: 'number', nullable: true })
  maxTravelKm: number | null;

  @WindowsProperty({ required: true, min: 0, max: 50 })
  availability: WindowDto[];

  @WindowsProperty({ required: true, min: 0, max: 50 })
  breaks: WindowDto[];

  @AccessibilityProperty({ required: true })
  accessibilityNeeds: AccessibilityFeature[];

  @ApiProperty({ type: () => ConsentsView })
  consent: ConsentsView;

  @ApiProperty({ enum: EMPLOYMENT_STATUSES, enumName: 'Employment', description: 'A hire makes the person employed; a reverted hire seeking again.' })
  employment: Employment;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'When the hire that made the person employed was recorded.' })
  employedSince: string | null;

  @ApiProperty({ type: 'boolean', description: 'Employed, and still proposed jobs.' })
  openToJobOffers: boolean;

  @ApiProperty({ type: () => NoticePreferencesDto, description: "The worker's own settings; each field absent is the deployment's." })
  notices: NoticePreferencesDto;

  @ApiProperty({
    type: 'boolean',
    description:
      'Registered by a job fair’s intent (a name, a phone, maybe a place): the engine proposes nothing to them until their caseworker completes the profile (any PATCH clears it). Their leads stand.',
  })
  profilePending: boolean;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updatedAt: string;
}

/** `consentContact` is not read: PostgreSQL derives it, and a row just saved may not hold it yet. */
export function candidateView(row: Omit<CandidateEntity, 'consentContact'>): CandidateView {
  return {
    id: row.id,
    displayName: row.displayName ?? '',
    externalRef: row.externalRef,
    phone: row.phone,
    groups: row.groups,
    skills: row.skills,
    location: { lat: row.lat ?? 0, lng: row.lng ?? 0 },
    maxTravelKm: row.maxTravelKm,
    availability: row.availability,
    breaks: row.breaks,
    accessibilityNeeds: row.accessibilityNeeds,
    consent: candidateConsents(row),
    employment: row.employment,
    employedSince: row.employedSince === null ? null : new Date(row.employedSince).toISOString(),
    openToJobOffers: row.openToJobOffers,
    notices: row.noticePreferences,
    profilePending: row.profilePending,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function candidateConsents(row: Pick<CandidateEntity, 'consentJobs' | 'consentBenefits' | 'consentSensitive'>): ConsentsView {
  const consents = consentsOf(row);
  return { contact: mayContact(consents), ...consents };
}
