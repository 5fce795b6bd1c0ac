/**
 * Caseworker digests. A job fair posting hundreds of openings within minutes would otherwise ring a
 * caseworker's webhook hundreds of times. Once a caseworker has had `afterLists` candidate lists within the
 * last `windowMinutes`, each further list still lands in the inbox at once, but its webhook delivery is
 * folded into one `candidate_digest` per window, sent when the window ends.
 */
export interface DigestPolicy {
  afterLists: number;
  windowMinutes: number;
}

/** The fixed window (aligned to the epoch, so every notifier agrees) that `now` falls in. */
export function digestWindow(now: Date, windowMinutes: number): { start: Date; end: Date } {
  const size = windowMinutes * 60_000;
  const start = Math.floor(now.getTime() / size) * size;
  return { start: new Date(start), end: new Date(start + size) };
}

/** Whether a new candidate list goes into the digest, given how many the caseworker had in the last window. */
export function goesIntoDigest(listsInLastWindow: number, policy: DigestPolicy | null): boolean {
  return policy !== null && listsInLastWindow >= policy.afterLists;
}
