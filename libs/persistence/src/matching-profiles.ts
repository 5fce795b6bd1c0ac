import { type WeeklyWindow, occurrencesAreStays, sessionWindow, staySpan, stillOffered, takesJobProposals, usableInMatching } from '@huigong/domain';
import type { CandidateProfile, OpeningOffer, SlotOccurrence, SlotOffer } from '@huigong/matching';
import type { CandidateEntity } from './entities/candidate.entity';
import type { OpeningEntity } from './entities/opening.entity';
import type { SlotEntity } from './entities/slot.entity';

/*
 * Rows as the matching engine sees them. One copy, so that explain (API) and the matcher judge a person
 * and an offer on exactly the same terms.
 */

const stillValid = (validUntil: Date | string | null, now: number): boolean => validUntil === null || new Date(validUntil).getTime() > now;

/**
 * A person as the engine sees them; waiting time counts from registration. Without consent to the use of
 * sensitive data, the sensitive groups and the accessibility needs are left out here, before any rule or
 * score sees them.
 */
export function candidateProfile(
  row: Pick<
    CandidateEntity,
    | 'id'
    | 'groups'
    | 'skills'
    | 'lat'
    | 'lng'
    | 'maxTravelKm'
    | 'availability'
    | 'breaks'
    | 'accessibilityNeeds'
    | 'consentJobs'
    | 'consentBenefits'
    | 'consentSensitive'
    | 'employment'
    | 'openToJobOffers'
    | 'createdAt'
  >,
): CandidateProfile {
  const { groups, accessibilityNeeds } = usableInMatching(row.groups, row.accessibilityNeeds, row.consentSensitive);
  return {
    id: row.id,
    groups,
    skills: row.skills,
    location: { lat: row.lat as number, lng: row.lng as number },
    maxTravelKm: row.maxTravelKm,
    availability: row.availability,
    breaks: row.breaks,
    accessibilityNeeds,
    consentJobs: row.consentJobs,
    consentBenefits: row.consentBenefits,
    takesJobProposals: takesJobProposals(row.employment, row.openToJobOffers),
    waitingSince: new Date(row.createdAt).getTime(),
  };
}

export function openingOffer(row: OpeningEntity, now: number): OpeningOffer {
  return {
    id: row.id,
    accepting: row.status === 'open' && stillValid(row.validUntil, now),
    targetGroups: row.targetGroups,
    skills: row.skills,
    location: { lat: row.lat, lng: row.lng },
    radiusKm: row.radiusKm,
    shifts: row.shifts,
    accessibilityFeatures: row.accessibilityFeatures,
    positions: row.positions,
  };
}

/** The columns of a slot that what the engine sees of it is made from (slotOffer). */
export type SlotOfferRow = Pick<
  SlotEntity,
  | 'id'
  | 'status'
  | 'kind'
  | 'eligibleGroups'
  | 'lat'
  | 'lng'
  | 'radiusKm'
  | 'windows'
  | 'occurrences'
  | 'datedOffersUntil'
  | 'accessibilityFeatures'
  | 'capacity'
  | 'validUntil'
>;

/**
 * A slot as the engine sees it at `now`: its weekly windows, and its dated occurrences that may still be
 * offered (sessions until they end, stays until check-in), placed in the local week of `timeZone`.
 */
export function slotOffer(row: SlotOfferRow & Partial<Pick<SlotEntity, 'courseDemandId'>>, now: number, timeZone: string): SlotOffer {
  const stays = occurrencesAreStays(row.kind);
  const occurrences: SlotOccurrence[] = [];
  for (const occurrence of row.occurrences) {
    const startsAt = new Date(occurrence.startsAt);
    const endsAt = new Date(occurrence.endsAt);
    if (!stillOffered({ startsAt, endsAt }, stays, new Date(now))) continue;
    occurrences.push({
      startsAt: startsAt.getTime(),
      endsAt: endsAt.getTime(),
      ...(stays ? { stay: staySpan(startsAt, endsAt, timeZone) } : { window: sessionWindow(startsAt, endsAt, timeZone) }),
    });
  }
  return {
    id: row.id,
    accepting: row.status === 'active' && stillValid(row.validUntil, now) && stillValid(row.datedOffersUntil, now),
    eligibleGroups: row.eligibleGroups,
    location: { lat: row.lat, lng: row.lng },
    radiusKm: row.radiusKm,
    windows: row.windows,
    ...(occurrences.length > 0 ? { occurrences } : {}),
    accessibilityFeatures: row.accessibilityFeatures,
    capacity: row.capacity,
    ...(row.courseDemandId === undefined || row.courseDemandId === null ? {} : { courseDemandId: row.courseDemandId }),
  };
}

/**
 * A person as a course scheduled for their order judges them: free at the times of their breaks and at
 * those they gave with the order (libs/domain's course-demand.ts).
 */
export function withOrderWindows(profile: CandidateProfile, orderWindows: readonly WeeklyWindow[] | undefined): CandidateProfile {
  return orderWindows === undefined || orderWindows.length === 0 ? profile : { ...profile, breaks: [...profile.breaks, ...orderWindows] };
}

/** Whether a person may hold matches at all: registered, not erased, consenting to be contacted. */
export function mayHoldMatches(row: CandidateEntity | null): row is CandidateEntity {
  return row !== null && row.status === 'active' && row.consentContact;
}

/**
 * Whether the engine may propose to a person: they may hold matches, have a place, and their profile is not
 * waiting for their caseworker (a job fair's newcomer, `profilePending`: their leads stand meanwhile).
 */
export function isMatchable(row: CandidateEntity | null): row is CandidateEntity {
  return mayHoldMatches(row) && row.lat !== null && row.lng !== null && !row.profilePending;
}
