import type { TargetGroup } from '@huigong/domain';

/**
 * Every figure that decides a match, with the defaults of API v1. A deployment may change them; the
 * engine and the reference both read them from here.
 */
export interface MatchingPolicy {
  /** Share of an opening's weekly shift minutes a person's availability must cover. */
  minScheduleCoverage: number;
  /** Minutes one break must overlap one slot window. */
  minBreakOverlapMinutes: number;
  /** An opening's shortlist holds max(min, perPosition x positions) people, at most max. */
  shortlist: { min: number; perPosition: number; max: number };
  /** Open job matches one person may hold at once. */
  maxOpenJobMatchesPerPerson: number;
  /** Open offers of a slot, per seat of one occurrence. */
  slotOffersPerSeat: number;
  /** Weights of the score's parts; they add up to 1. */
  weights: { skills: number; schedule: number; distance: number; waiting: number; priority: number };
  /** How much each group is favoured, 0 to 1 (the union's priority groups come first). */
  groupPriority: Record<TargetGroup, number>;
  /** Days of waiting that earn the full waiting part of the score. */
  waitingDaysForFullScore: number;
  /**
   * No-shows (slot offers left to expire while their occurrence had seats): a person with `behindAfter` or
   * more within `days` goes behind the others in a slot's rotation, never out of it.
   */
  noShows: { behindAfter: number; days: number };
}

export const DEFAULT_GROUP_PRIORITY: Record<TargetGroup, number> = {
  disabled: 1,
  hardship: 1,
  laid_off: 0.9,
  veteran: 0.8,
  reassignment: 0.8,
  rural_migrant: 0.7,
  flexible: 0.5,
  new_form: 0.5,
  rider: 0.5,
  courier: 0.5,
  security_guard: 0.5,
  sanitation: 0.5,
  union_member: 0.2,
};

export const DEFAULT_MATCHING_POLICY: MatchingPolicy = {
  minScheduleCoverage: 0.5,
  minBreakOverlapMinutes: 30,
  shortlist: { min: 10, perPosition: 3, max: 200 },
  maxOpenJobMatchesPerPerson: 6,
  slotOffersPerSeat: 2,
  weights: { skills: 0.3, schedule: 0.2, distance: 0.2, waiting: 0.15, priority: 0.15 },
  groupPriority: DEFAULT_GROUP_PRIORITY,
  waitingDaysForFullScore: 90,
  noShows: { behindAfter: 3, days: 30 },
};

/** How many people an opening's shortlist holds. */
export function shortlistSize(positions: number, policy: MatchingPolicy = DEFAULT_MATCHING_POLICY): number {
  return Math.min(policy.shortlist.max, Math.max(policy.shortlist.min, policy.shortlist.perPosition * positions));
}

/** How many open offers a slot may have at once. */
export function slotOfferLimit(capacity: number, policy: MatchingPolicy = DEFAULT_MATCHING_POLICY): number {
  return policy.slotOffersPerSeat * capacity;
}

/**
 * The people a slot is offered to, from those ranked by rotation (`ranked`, best first, possibly more than
 * `room`): people with repeated no-shows (`behind`) go after all the others, each part keeping its order,
 * and the first `room` are taken. Nobody is left out while there is room.
 */
export function inRotation<T extends { candidateId: string }>(ranked: readonly T[], behind: ReadonlySet<string>, room: number): T[] {
  if (behind.size === 0) return ranked.slice(0, room);
  const first = ranked.filter((match) => !behind.has(match.candidateId));
  const after = ranked.filter((match) => behind.has(match.candidateId));
  return [...first, ...after].slice(0, room);
}
