import { type ConsentInput, type Consents, consentsGiven } from '@huigong/domain';
import type { CandidateEntity, NewCandidateRow } from '@huigong/persistence';
import type { FieldError } from '@huigong/platform';
import type { CandidateDto, NoticePreferencesDto, UpdateCandidateDto } from './candidate.dto';
import { storedWindows } from '../common/dto';

const skills = (list: readonly string[] | null | undefined): string[] => [...new Set((list ?? []).map((skill) => skill.trim()))];

/** The preferences given, without the fields left out. */
function noticePreferences(notices: NoticePreferencesDto | undefined): CandidateEntity['noticePreferences'] {
  const { quietHours, dailyCap, language, channel } = notices ?? {};
  return {
    ...(quietHours === undefined ? {} : { quietHours }),
    ...(dailyCap === undefined ? {} : { dailyCap }),
    ...(language === undefined ? {} : { language }),
    ...(channel === undefined ? {} : { channel }),
  };
}

/** The person's consents now, as their row holds them. */
export function consentsOf(row: Pick<CandidateEntity, 'consentJobs' | 'consentBenefits' | 'consentSensitive'>): Consents {
  return { jobs: row.consentJobs, benefits: row.consentBenefits, sensitive: row.consentSensitive };
}

/** The consents after a request's `consent` (from `current`: NO_CONSENTS for a new person), or the field that contradicts the others. */
export function consentsAfter(current: Consents, consent: ConsentInput): Consents | FieldError {
  const next = consentsGiven(current, consent);
  return 'field' in next ? { field: `consent.${next.field}`, message: next.message } : next;
}

/** The columns of a new candidate, with the consents they give (consentsAfter(NO_CONSENTS, input.consent)). */
export function newCandidateRow(id: string, caseworkerId: string, input: CandidateDto, consents: Consents): NewCandidateRow {
  return {
    id,
    caseworkerId,
    status: 'active',
    displayName: input.displayName.trim(),
    externalRef: input.externalRef ?? null,
    phone: input.phone ?? null,
    groups: input.groups,
    skills: skills(input.skills),
    lat: input.location.lat,
    lng: input.location.lng,
    maxTravelKm: input.maxTravelKm ?? null,
    availability: storedWindows(input.availability),
    breaks: storedWindows(input.breaks),
    accessibilityNeeds: input.accessibilityNeeds ?? [],
    consentJobs: consents.jobs,
    consentBenefits: consents.benefits,
    consentSensitive: consents.sensitive,
    consentHow: input.consent.method ?? 'not_stated',
    openToJobOffers: input.openToJobOffers ?? false,
    noticePreferences: noticePreferences(input.notices),
    revision: 1,
  };
}

/** Applies a PATCH: present fields replace, `null` clears an optional field; `consents`: the consents after it (consentsAfter). */
export function applyCandidatePatch(row: CandidateEntity, patch: UpdateCandidateDto, consents: Consents): void {
  // Their caseworker has seen to the profile: a job fair's newcomer is matched from now on.
  row.profilePending = false;
  if (patch.displayName !== undefined) row.displayName = patch.displayName.trim();
  if (patch.externalRef !== undefined) row.externalRef = patch.externalRef;
  if (patch.phone !== undefined) row.phone = patch.phone;
  if (patch.groups !== undefined) row.groups = patch.groups;
  if (patch.skills !== undefined) row.skills = skills(patch.skills);
  if (patch.location !== undefined) {
    row.lat = patch.location.lat;
    row.lng = patch.location.lng;
  }
  if (patch.maxTravelKm !== undefined) row.maxTravelKm = patch.maxTravelKm;
  if (patch.availability !== undefined) row.availability = storedWindows(patch.availability);
  if (patch.breaks !== undefined) row.breaks = storedWindows(patch.breaks);
  if (patch.accessibilityNeeds !== undefined) row.accessibilityNeeds = patch.accessibilityNeeds ?? [];
  row.consentJobs = consents.jobs;
  row.consentBenefits = consents.benefits;
  row.consentSensitive = consents.sensitive;
  if (patch.openToJobOffers !== undefined) row.openToJobOffers = patch.openToJobOffers;
  if (patch.notices !== undefined) row.noticePreferences = noticePreferences(patch.notices);
  row.revision += 1;
}
