/**
 * Which proposals no longer fit, after an offer or a person changed: the matcher withdraws them (on the
 * locked rows, where a match a caseworker moved meanwhile keeps its new status) and gives the places to
 * the next in line. Plain rules over what the caller read.
 */
import type { MatchingPolicy } from './policy';
import { type CandidateProfile, type OpeningOffer, type SlotOffer, allPass, checkOpening, checkSlot } from './rules';

/** A changed offer, as the engine sees it now. */
export type ChangedOffer = { kind: 'opening'; offer: OpeningOffer } | { kind: 'slot'; offer: SlotOffer };

/**
 * The proposals of a changed offer that no longer fit it: their person is no longer matchable (`null`:
 * erased, without consent or gone) or fails one of the offer's rules now. Returns their match ids.
 */
export function misfitsOfOffer(
  changed: ChangedOffer,
  proposals: readonly { matchId: string; person: CandidateProfile | null }[],
  policy: MatchingPolicy,
): string[] {
  const fits = (person: CandidateProfile): boolean =>
    allPass(changed.kind === 'opening' ? checkOpening(person, changed.offer, policy) : checkSlot(person, changed.offer, policy));
  return proposals.filter(({ person }) => person === null || !fits(person)).map(({ matchId }) => matchId);
}

/** The offers a matcher knows now, by id (its engine's copies). */
export interface KnownOffers {
  opening(id: string): OpeningOffer | undefined;
  slot(id: string): SlotOffer | undefined;
}

/** A proposal of a changed person that no longer fits, and why it is withdrawn. */
export interface PersonMisfit {
  matchId: string;
  /** `consent_withdrawn`: the person no longer consents to the purpose (jobs, or benefits); else `no_longer_fits`. */
  reason: 'consent_withdrawn' | 'no_longer_fits';
}

/**
 * The proposals of a changed person that no longer fit them: those of an offer whose rules they fail now.
 * An offer this matcher does not know (closed, lapsed, or not heard of yet) is left alone: its own event
 * withdraws or re-checks its proposals.
 */
export function misfitsOfPerson(
  person: CandidateProfile,
  proposals: readonly { id: string; openingId: string | null; slotId: string | null }[],
  known: KnownOffers,
  policy: MatchingPolicy,
  /** The person as a slot judges them, where it differs (a course they ordered: with the order's windows). */
  asSlotSees: (slotId: string) => CandidateProfile = () => person,
): PersonMisfit[] {
  return proposals.flatMap((proposal): PersonMisfit[] => {
    const opening = proposal.openingId === null ? undefined : known.opening(proposal.openingId);
    const slot = opening !== undefined || proposal.slotId === null ? undefined : known.slot(proposal.slotId);
    const checks = opening !== undefined ? checkOpening(person, opening, policy) : slot !== undefined ? checkSlot(asSlotSees(slot.id), slot, policy) : [];
    const failed = checks.filter((check) => !check.pass);
    if (failed.length === 0) return [];
    return [{ matchId: proposal.id, reason: failed.some((check) => check.rule === 'consent') ? 'consent_withdrawn' : 'no_longer_fits' }];
  });
}
