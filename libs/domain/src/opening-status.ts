/**
 * An opening is `open` (the engine proposes people to it), `filled` (hires have taken every position: it
 * proposes no one until a hire is reverted or positions are added) or `closed` by its employer (for good).
 */
export const OPENING_STATUSES = ['open', 'filled', 'closed'] as const;
export type OpeningStatus = (typeof OPENING_STATUSES)[number];

/** The status of an opening with `hires` of its `positions` hired: a closed opening stays closed. */
export function openingStatusWithHires(status: OpeningStatus, hires: number, positions: number): OpeningStatus {
  if (status === 'closed') return 'closed';
  return hires >= positions ? 'filled' : 'open';
}

/**
 * Why an opening proposes no one, the reason its open matches are withdrawn with: `filled`, `closed`, or
 * `expired` (its validUntil has passed); null while it is open and valid.
 */
export function whyOpeningTakesNoOne(
  opening: { status: OpeningStatus; validUntil: Date | string | null },
  now: number,
): 'filled' | 'closed' | 'expired' | null {
  if (opening.status === 'closed' || opening.status === 'filled') return opening.status;
  if (opening.validUntil !== null && new Date(opening.validUntil).getTime() <= now) return 'expired';
  return null;
}

/**
 * Why a slot offers to no one, the reason its open offers are withdrawn with: `withdrawn` by its merchant, or
 * `expired` (its validUntil has passed); null while it is active and valid.
 */
export function whySlotTakesNoOne(slot: { status: 'active' | 'withdrawn'; validUntil: Date | string | null }, now: number): 'withdrawn' | 'expired' | null {
  if (slot.status === 'withdrawn') return 'withdrawn';
  if (slot.validUntil !== null && new Date(slot.validUntil).getTime() <= now) return 'expired';
  return null;
}
