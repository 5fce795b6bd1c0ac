/**
 * The brute-force reference: every person against every offer, the rules applied one by one, then the
 * caps. Slow on purpose and easy to read; the indexed engine must return exactly what this returns.
 */
import { DEFAULT_MATCHING_POLICY, type MatchingPolicy, shortlistSize, slotOfferLimit } from './policy';
import { type CandidateProfile, type OpeningOffer, type SlotOffer, allPass, checkOpening, checkSlot } from './rules';
import { type ScoredMatch, byScoreThenId, scoreOpeningMatch, scoreSlotMatch } from './score';

/** What is already decided about an opening when it is matched (again). */
export interface OpeningState {
  /** People who have (or had) a match with this opening: never proposed twice. */
  matchedCandidateIds: ReadonlySet<string>;
  /** Open matches the opening holds now. */
  openMatches: number;
}

/** What is already decided about a slot when it is matched (again). */
export interface SlotState {
  /** People holding an open offer of this slot. */
  offeredCandidateIds: ReadonlySet<string>;
  /** Open offers the slot holds now. */
  openOffers: number;
  /** When each person was last offered this slot (epoch ms): the longest-waiting come first. */
  lastOfferedAt: ReadonlyMap<string, number>;
}

/** What is already decided about people. */
export interface PeopleState {
  /** Open job matches a person holds now. */
  openJobMatches(candidateId: string): number;
}

/** The people to propose for an opening, best first, within its shortlist and every person's cap. */
export function referenceMatchOpening(
  people: readonly CandidateProfile[],
  opening: OpeningOffer,
  state: OpeningState,
  peopleState: PeopleState,
  now: number,
  policy: MatchingPolicy = DEFAULT_MATCHING_POLICY,
): ScoredMatch[] {
  const room = shortlistSize(opening.positions, policy) - state.openMatches;
  if (room <= 0) return [];
  return people
    .filter((person) => !state.matchedCandidateIds.has(person.id))
    .filter((person) => peopleState.openJobMatches(person.id) < policy.maxOpenJobMatchesPerPerson)
    .filter((person) => allPass(checkOpening(person, opening, policy)))
    .map((person) => scoreOpeningMatch(person, opening, now, policy))
    .sort(byScoreThenId)
    .slice(0, room);
}

/**
 * Rotation: people never offered this slot come first, then those offered longest ago; within each, best
 * score first. So when there are more riders than seats, the same riders are not always first.
 */
export function byRotationThenScore(lastOfferedAt: ReadonlyMap<string, number>) {
  return (a: ScoredMatch, b: ScoredMatch): number => {
    const whenA = lastOfferedAt.get(a.candidateId) ?? Number.NEGATIVE_INFINITY;
    const whenB = lastOfferedAt.get(b.candidateId) ?? Number.NEGATIVE_INFINITY;
    return whenA === whenB ? byScoreThenId(a, b) : whenA < whenB ? -1 : 1;
  };
}

/** The people to offer a slot to, within its open-offer limit, rotating among the eligible. */
export function referenceMatchSlot(
  people: readonly CandidateProfile[],
  slot: SlotOffer,
  state: SlotState,
  now: number,
  policy: MatchingPolicy = DEFAULT_MATCHING_POLICY,
): ScoredMatch[] {
  const room = slotOfferLimit(slot.capacity, policy) - state.openOffers;
  if (room <= 0) return [];
  return people
    .filter((person) => !state.offeredCandidateIds.has(person.id))
    .filter((person) => allPass(checkSlot(person, slot, policy)))
    .map((person) => scoreSlotMatch(person, slot, now, policy))
    .sort(byRotationThenScore(state.lastOfferedAt))
    .slice(0, room);
}

export interface OfferMatch {
  offerId: string;
  score: number;
  reasons: ScoredMatch['reasons'];
}

const byOfferScoreThenId = (a: OfferMatch, b: OfferMatch): number => b.score - a.score || (a.offerId < b.offerId ? -1 : a.offerId > b.offerId ? 1 : 0);

/** A new or changed person against the open openings: those with room, best first, up to the person's cap. */
export function referenceMatchCandidateToOpenings(
  person: CandidateProfile,
  openings: readonly OpeningOffer[],
  stateOf: (openingId: string) => OpeningState,
  openJobMatches: number,
  now: number,
  policy: MatchingPolicy = DEFAULT_MATCHING_POLICY,
): OfferMatch[] {
  const room = policy.maxOpenJobMatchesPerPerson - openJobMatches;
  if (room <= 0) return [];
  return openings
    .filter((opening) => {
      const state = stateOf(opening.id);
      return !state.matchedCandidateIds.has(person.id) && state.openMatches < shortlistSize(opening.positions, policy);
    })
    .filter((opening) => allPass(checkOpening(person, opening, policy)))
    .map((opening) => {
      const { score, reasons } = scoreOpeningMatch(person, opening, now, policy);
      return { offerId: opening.id, score, reasons };
    })
    .sort(byOfferScoreThenId)
    .slice(0, room);
}

/** A new or changed person against the active slots: every slot with room that the person fits. */
export function referenceMatchCandidateToSlots(
  person: CandidateProfile,
  slots: readonly SlotOffer[],
  stateOf: (slotId: string) => SlotState,
  now: number,
  policy: MatchingPolicy = DEFAULT_MATCHING_POLICY,
): OfferMatch[] {
  return slots
    .filter((slot) => {
      const state = stateOf(slot.id);
      return !state.offeredCandidateIds.has(person.id) && state.openOffers < slotOfferLimit(slot.capacity, policy);
    })
    .filter((slot) => allPass(checkSlot(person, slot, policy)))
    .map((slot) => {
      const { score, reasons } = scoreSlotMatch(person, slot, now, policy);
      return { offerId: slot.id, score, reasons };
    })
    .sort(byOfferScoreThenId);
}
