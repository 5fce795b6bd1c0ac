import { distanceKmBetween, overlapMinutes, totalMinutes, weekIntervals } from '@huigong/domain';
import { CandidateIndex, groupMask, needMask } from './candidate-index';
import { OfferIndex } from './offer-index';
import { DEFAULT_MATCHING_POLICY, type MatchingPolicy, shortlistSize, slotOfferLimit } from './policy';
import { type OfferMatch, type OpeningState, type PeopleState, type SlotState, byRotationThenScore } from './reference';
import { type CandidateProfile, type OpeningOffer, type SlotOffer, allPass, checkOpening, checkSlot } from './rules';
import { type MatchFigures, type ScoredMatch, byScoreThenId, scoreOpeningFigures, scoreOpeningMatch, scoreSlotFigures, scoreSlotMatch } from './score';
import { HOUR_WORDS, hourBits, hoursMeet, packedOverlap, windowPieces } from './week-bits';

const byOfferScoreThenId = (a: OfferMatch, b: OfferMatch): number =>
  b.score - a.score || (a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0);

/**
 * The matching engine of one matcher process: the people, the open openings and the active slots in
 * memory, indexed by place. Its answers are exactly those of the brute-force reference (`reference.ts`),
 * checked by property tests; it is only faster.
 */
export class MatchingEngine {
  readonly people = new CandidateIndex();
  readonly openings = new OfferIndex<OpeningOffer>();
  readonly slots = new OfferIndex<SlotOffer>();

  constructor(readonly policy: MatchingPolicy = DEFAULT_MATCHING_POLICY) {}

  /** The people to propose for an opening, best first, within its shortlist and every person's cap. */
  matchOpening(opening: OpeningOffer, state: OpeningState, peopleState: PeopleState, now: number): ScoredMatch[] {
    const policy = this.policy;
    const room = shortlistSize(opening.positions, policy) - state.openMatches;
    if (room <= 0 || !opening.accepting) return [];
    const index = this.people;
    const wanted = groupMask(opening.targetGroups);
    const offered = needMask(opening.accessibilityFeatures);
    const shifts = weekIntervals(opening.shifts);
    const shiftMinutes = totalMinutes(shifts);
    if (shiftMinutes === 0) return [];
    const shiftHours = hourBits(shifts);
    const needsOverlap = policy.minScheduleCoverage > 0;
    const { lat, lng } = opening.location;
    const radiusKm = opening.radiusKm;
    const found: ScoredMatch[] = [];
    index.forEachNear(lat, lng, radiusKm, (slot) => {
      if (index.consent[slot] === 0) return;
      if (wanted !== 0 && (index.groupBits[slot] & wanted) === 0) return;
      if ((index.needBits[slot] & ~offered) !== 0) return;
      if (needsOverlap && !hoursMeet(index.availabilityHours, slot * HOUR_WORDS, shiftHours)) return;
      const limitKm = Math.min(radiusKm, index.maxTravel[slot]);
      const km = distanceKmBetween(index.lat[slot], index.lng[slot], lat, lng);
      if (km > limitKm) return;
      const person = index.person(slot);
      const coverage = packedOverlap(person.availability, shifts) / shiftMinutes;
      if (coverage < policy.minScheduleCoverage) return;
      if (state.matchedCandidateIds.has(person.id)) return;
      if (peopleState.openJobMatches(person.id) >= policy.maxOpenJobMatchesPerPerson) return;
      found.push(scoreOpeningFigures(this.figures(person, km, limitKm), coverage, opening, now, policy));
    });
    return found.sort(byScoreThenId).slice(0, room);
  }

  /** The people to offer a slot to, within its open-offer limit, rotating among the eligible. */
  matchSlot(slotOffer: SlotOffer, state: SlotState, now: number): ScoredMatch[] {
    const policy = this.policy;
    const room = slotOfferLimit(slotOffer.capacity, policy) - state.openOffers;
    if (room <= 0 || !slotOffer.accepting) return [];
    const index = this.people;
    const wanted = groupMask(slotOffer.eligibleGroups);
    const offered = needMask(slotOffer.accessibilityFeatures);
    const windows = windowPieces(slotOffer.windows);
    const windowHours = hourBits(windows.flat());
    const needsOverlap = policy.minBreakOverlapMinutes > 0;
    const { lat, lng } = slotOffer.location;
    const found: ScoredMatch[] = [];
    index.forEachNear(lat, lng, slotOffer.radiusKm, (slot) => {
      if (index.consent[slot] === 0) return;
      if ((index.groupBits[slot] & wanted) === 0) return;
      if ((index.needBits[slot] & ~offered) !== 0) return;
      if (needsOverlap && !hoursMeet(index.breakHours, slot * HOUR_WORDS, windowHours)) return;
      const limitKm = Math.min(slotOffer.radiusKm, index.maxTravel[slot]);
      const km = distanceKmBetween(index.lat[slot], index.lng[slot], lat, lng);
      if (km > limitKm) return;
      const person = index.person(slot);
      let best = 0;
      for (const pieces of person.breaks) for (const window of windows) best = Math.max(best, overlapMinutes(pieces, window));
      if (best < policy.minBreakOverlapMinutes) return;
      if (state.offeredCandidateIds.has(person.id)) return;
      found.push(scoreSlotFigures(this.figures(person, km, limitKm), best, slotOffer, now, policy));
    });
    return found.sort(byRotationThenScore(state.lastOfferedAt)).slice(0, room);
  }

  /** A new or changed person against the open openings within reach: best first, up to the person's cap. */
  matchCandidateToOpenings(person: CandidateProfile, stateOf: (openingId: string) => OpeningState, openJobMatches: number, now: number): OfferMatch[] {
    const room = this.policy.maxOpenJobMatchesPerPerson - openJobMatches;
    if (room <= 0 || !person.consentContact) return [];
    const found: OfferMatch[] = [];
    this.openings.forEachReaching(person.location.lat, person.location.lng, person.maxTravelKm ?? Number.POSITIVE_INFINITY, (opening) => {
      if (!allPass(checkOpening(person, opening, this.policy))) return;
      const state = stateOf(opening.id);
      if (state.matchedCandidateIds.has(person.id) || state.openMatches >= shortlistSize(opening.positions, this.policy)) return;
      const { score, reasons } = scoreOpeningMatch(person, opening, now, this.policy);
      found.push({ offerId: opening.id, score, reasons });
    });
    return found.sort(byOfferScoreThenId).slice(0, room);
  }

  /** A new or changed person against the active slots within reach. */
  matchCandidateToSlots(person: CandidateProfile, stateOf: (slotId: string) => SlotState, now: number): OfferMatch[] {
    if (!person.consentContact) return [];
    const found: OfferMatch[] = [];
    this.slots.forEachReaching(person.location.lat, person.location.lng, person.maxTravelKm ?? Number.POSITIVE_INFINITY, (slotOffer) => {
      if (!allPass(checkSlot(person, slotOffer, this.policy))) return;
      const state = stateOf(slotOffer.id);
      if (state.offeredCandidateIds.has(person.id) || state.openOffers >= slotOfferLimit(slotOffer.capacity, this.policy)) return;
      const { score, reasons } = scoreSlotMatch(person, slotOffer, now, this.policy);
      found.push({ offerId: slotOffer.id, score, reasons });
    });
    return found.sort(byOfferScoreThenId);
  }

  private figures(person: { id: string; groups: MatchFigures['groups']; skills: MatchFigures['skills']; waitingSince: number }, km: number, limitKm: number): MatchFigures {
    return { candidateId: person.id, groups: person.groups, skills: person.skills, waitingSince: person.waitingSince, km, limitKm };
  }
}
