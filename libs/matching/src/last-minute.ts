/**
 * The standby pool's rules (issue 13, item 5): which occurrences of a slot are offered at the last minute,
 * and how a person on standby is judged for one. Plain TypeScript.
 *
 * A worker on standby for a service point said they are ready to come at short notice: for a last-minute
 * offer their standby takes the place of the break rule (their profile is judged with the occurrence itself
 * as their one break), and every other rule of a slot holds as always: consent to benefit offers, a group
 * in common, the slot's radius and their own travel limit, their accessibility needs.
 */
import { type WeeklyWindow, nextOccurrenceEnd, sessionWindow, windowMinutes } from '@huigong/domain';
import type { CandidateProfile, SlotOffer } from './rules';

/** How long before an occurrence starts its free seats go to those on standby. */
export const LAST_MINUTE_LEAD_MINUTES = 30;

/** An occurrence of a slot about to start: its instants, and its weekday and hours (the break it asks for). */
export interface LastMinuteOccurrence {
  startsAt: Date;
  endsAt: Date;
  window: WeeklyWindow;
}

/**
 * The occurrences of a slot that start after `now` and at most `leadMinutes` later, soonest first: the next
 * occurrence of each weekly window, and the dated sessions (stays are booked ahead, never last-minute).
 * `timeZone`: the zone the windows are written in. The instants are those a regular offer of the same
 * occurrence records (the end of the window's next occurrence), so the seats of one occurrence are counted
 * together, whoever was offered them.
 */
export function lastMinuteOccurrences(
  slot: Pick<SlotOffer, 'windows' | 'occurrences'>,
  now: number,
  timeZone: string,
  leadMinutes: number = LAST_MINUTE_LEAD_MINUTES,
): LastMinuteOccurrence[] {
  const latest = now + leadMinutes * 60_000;
  const due: LastMinuteOccurrence[] = [];
  const seen = new Set<string>();
  const consider = (startsAt: number, endsAt: number, window: WeeklyWindow) => {
    const key = `${startsAt} ${endsAt}`;
    if (startsAt <= now || startsAt > latest || seen.has(key)) return;
    seen.add(key);
    due.push({ startsAt: new Date(startsAt), endsAt: new Date(endsAt), window });
  };
  for (const window of slot.windows) {
    const endsAt = nextOccurrenceEnd(window, new Date(now), timeZone).getTime();
    consider(endsAt - windowMinutes(window) * 60_000, endsAt, window);
  }
  for (const occurrence of slot.occurrences ?? []) {
    if (occurrence.window !== undefined) consider(occurrence.startsAt, occurrence.endsAt, occurrence.window);
  }
  return due.sort((a, b) => a.startsAt.getTime() - b.startsAt.getTime() || a.endsAt.getTime() - b.endsAt.getTime());
}

/** A person on standby as judged for one occurrence: the occurrence is their break; everything else is theirs. */
export function onStandbyFor(profile: CandidateProfile, occurrence: Pick<LastMinuteOccurrence, 'window'>): CandidateProfile {
  return { ...profile, breaks: [occurrence.window] };
}

/**
 * A person holding a last-minute offer, as the slot judges them when either changes (misfitsOfOffer,
 * misfitsOfPerson): with the offer's occurrence as their break, as when it was made. The offer no longer fits
 * when the slot no longer has that occurrence, or the person fails another rule (consent, place, groups, needs).
 */
export function asOfferedLastMinute(profile: CandidateProfile, occurrence: { startsAt: Date; endsAt: Date }, timeZone: string): CandidateProfile {
  return onStandbyFor(profile, { window: sessionWindow(occurrence.startsAt, occurrence.endsAt, timeZone) });
}
