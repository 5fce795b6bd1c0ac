/**
 * The follow-up of a match. Job matches move proposed -> contacted -> interested -> interview -> hired;
 * from any of the first four a caseworker may record `declined` (with a reason) or `no_response`. A hire
 * is final for PATCH; it may be reverted by its own action (recorded by mistake, or fallen through before
 * the first day): the match goes back to `interview`, and the position it took is free again.
 * `withdrawn` is set by the system only (offer closed, consent withdrawn).
 * Slot offers move proposed (offered) -> redeemed or expired.
 */
export const JOB_MATCH_STATUSES = ['proposed', 'contacted', 'interested', 'interview', 'hired', 'declined', 'no_response', 'withdrawn'] as const;
export type JobMatchStatus = (typeof JOB_MATCH_STATUSES)[number];

export const SLOT_OFFER_STATUSES = ['proposed', 'redeemed', 'expired', 'withdrawn'] as const;
export type SlotOfferStatus = (typeof SLOT_OFFER_STATUSES)[number];

export type MatchStatus = JobMatchStatus | SlotOfferStatus;

/** The stages of the follow-up funnel, in order: a match that reached one has passed those before it. */
export const FUNNEL_STAGES = ['proposed', 'contacted', 'interested', 'interview', 'hired'] as const satisfies readonly JobMatchStatus[];
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

/** The statuses a caseworker may set through the API. */
export const CASEWORKER_SETTABLE_STATUSES = [
  'contacted',
  'interested',
  'interview',
  'hired',
  'declined',
  'no_response',
] as const satisfies readonly JobMatchStatus[];
export type CaseworkerSettableStatus = (typeof CASEWORKER_SETTABLE_STATUSES)[number];

const FORWARD: Record<JobMatchStatus, readonly JobMatchStatus[]> = {
  proposed: ['contacted'],
  contacted: ['interested'],
  interested: ['interview'],
  interview: ['hired'],
  hired: [],
  declined: [],
  no_response: [],
  withdrawn: [],
};

/** Job-match statuses that hold a place on a shortlist and count against a person's cap. */
export const OPEN_JOB_MATCH_STATUSES = ['proposed', 'contacted', 'interested', 'interview'] as const satisfies readonly JobMatchStatus[];
const OPEN_JOB_STATUSES: ReadonlySet<JobMatchStatus> = new Set(OPEN_JOB_MATCH_STATUSES);

/** Slot-offer statuses that count against a slot's cap of open offers (2 x capacity). */
export const OPEN_SLOT_OFFER_STATUSES = ['proposed'] as const satisfies readonly SlotOfferStatus[];

/** Open matches count against caps and are withdrawn when the offer closes or the person leaves. */
export function isOpenMatchStatus(status: MatchStatus): boolean {
  return OPEN_JOB_STATUSES.has(status as JobMatchStatus);
}

/** Whether a caseworker may move a job match from `from` to `to`. */
export function canCaseworkerMoveJobMatch(from: JobMatchStatus, to: CaseworkerSettableStatus): boolean {
  if (to === 'declined' || to === 'no_response') return OPEN_JOB_STATUSES.has(from);
  return FORWARD[from].includes(to);
}

/** Where a reverted hire goes back to: the step before it, from which the caseworker goes on. */
export const REVERTED_HIRE_STATUS = 'interview' satisfies JobMatchStatus;

/** Whether a move takes or frees one of the opening's positions. */
export function changesHires(from: JobMatchStatus, to: JobMatchStatus): boolean {
  return (from === 'hired') !== (to === 'hired');
}
