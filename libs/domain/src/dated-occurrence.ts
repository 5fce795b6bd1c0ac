/**
 * Dated occurrences of a slot, beside or instead of its weekly windows: a course on 5 December
 * 19:00-20:30 (a session), or a rest base's stay from 5 December 14:00 to 8 December 12:00 (three nights).
 *
 * A session is met like a weekly window: one of the person's breaks overlaps it by the policy's minutes,
 * on its weekday and hours. A stay (the occurrences of a `lodging` slot) is offered whole: the person's
 * breaks cover all of it, from check-in to check-out, and it holds a bed on each of its nights (the local
 * midnights inside it). Like the weekly windows, the local time is the deployment's (`APP_TIMEZONE`) and
 * written for zones without daylight saving (Asia/Shanghai).
 */
import type { SlotKind } from './organization';
import { minuteOfWeek } from './time-zone';
import { MINUTES_PER_DAY, type WeekInterval, type WeeklyWindow } from './weekly-window';

/** An occurrence on a date, as instants (RFC 3339 in the API, ISO 8601 in UTC in the rows). */
export interface DatedOccurrence {
  startsAt: string;
  endsAt: string;
}

/** At most so many dated occurrences per slot. */
export const MAX_DATED_OCCURRENCES = 100;
/** A stay is at most two weeks. */
export const MAX_STAY_NIGHTS = 14;

/** The occurrences of a lodging slot are stays; those of any other kind are sessions. */
export function occurrencesAreStays(kind: SlotKind): boolean {
  return kind === 'lodging';
}

const MINUTE_MS = 60_000;

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** The local midnight that begins the day of `instant` (a zone without daylight saving). */
function localMidnightBefore(instant: Date, timeZone: string): number {
  const minuteOfDay = minuteOfWeek(instant, timeZone) % MINUTES_PER_DAY;
  return Math.floor(instant.getTime() / MINUTE_MS) * MINUTE_MS - minuteOfDay * MINUTE_MS;
}

/** The nights of a stay: the local midnights strictly inside it, as instants. */
export function stayNights(startsAt: Date, endsAt: Date, timeZone: string): Date[] {
  const nights: Date[] = [];
  const day = MINUTES_PER_DAY * MINUTE_MS;
  for (let midnight = localMidnightBefore(startsAt, timeZone) + day; midnight < endsAt.getTime(); midnight += day) nights.push(new Date(midnight));
  return nights;
}

/** Why an occurrence cannot be one of a slot of this kind, in words for the field's error; null: it can. */
export function datedOccurrenceProblem(occurrence: DatedOccurrence, kind: SlotKind, timeZone: string): string | null {
  const startsAt = new Date(occurrence.startsAt);
  const endsAt = new Date(occurrence.endsAt);
  if (startsAt.getTime() % MINUTE_MS !== 0 || endsAt.getTime() % MINUTE_MS !== 0) return 'must start and end on a whole minute';
  if (endsAt <= startsAt) return 'must end after it starts';
  if (occurrencesAreStays(kind)) {
    const nights = stayNights(startsAt, endsAt, timeZone).length;
    if (nights === 0) return 'must include a night (a stay of a lodging slot runs past a local midnight)';
    if (nights > MAX_STAY_NIGHTS) return `must be at most ${MAX_STAY_NIGHTS} nights`;
    return null;
  }
  if (endsAt.getTime() - startsAt.getTime() > MINUTES_PER_DAY * MINUTE_MS) return 'must be at most 24 hours (only a lodging slot has stays of several days)';
  return null;
}

/** A session's place in the local week, as a weekly window (it is met as one). */
export function sessionWindow(startsAt: Date, endsAt: Date, timeZone: string): WeeklyWindow {
  const start = minuteOfWeek(startsAt, timeZone);
  const end = (start + Math.round((endsAt.getTime() - startsAt.getTime()) / MINUTE_MS)) % MINUTES_PER_DAY;
  const clock = (minute: number) => `${pad(Math.floor((minute % MINUTES_PER_DAY) / 60))}:${pad(minute % 60)}`;
  return { day: Math.floor(start / MINUTES_PER_DAY) + 1, start: clock(start), end: clock(end) };
}

/** A stay's place in the local week: from its check-in, as many minutes as it lasts (it may run past Sunday). */
export function staySpan(startsAt: Date, endsAt: Date, timeZone: string): WeekInterval {
  const start = minuteOfWeek(startsAt, timeZone);
  return { start, end: start + Math.round((endsAt.getTime() - startsAt.getTime()) / MINUTE_MS) };
}

/**
 * Whether an occurrence may still be offered at `now`: a session until it ends (as a weekly window's
 * running occurrence is), a stay until check-in.
 */
export function stillOffered(occurrence: { startsAt: Date; endsAt: Date }, stay: boolean, now: Date): boolean {
  return stay ? occurrence.startsAt > now : occurrence.endsAt > now;
}

/**
 * Until when a slot can be offered to anyone because of its dates: null when it has weekly windows (they
 * come back every week) or no dated occurrences; else the last moment one of them is still offered.
 */
export function datedOffersUntil(kind: SlotKind, weeklyWindows: readonly WeeklyWindow[], occurrences: readonly DatedOccurrence[]): Date | null {
  if (weeklyWindows.length > 0 || occurrences.length === 0) return null;
  const stay = occurrencesAreStays(kind);
  return new Date(Math.max(...occurrences.map((occurrence) => new Date(stay ? occurrence.startsAt : occurrence.endsAt).getTime())));
}

/** An occurrence as a person reads it, in local time: "2026-12-05 19:00" to "2026-12-05 20:30", 0 nights. */
export interface LocalOccurrence {
  startDate: string;
  start: string;
  endDate: string;
  end: string;
  nights: number;
}

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

function localParts(instant: Date, timeZone: string): { date: string; clock: string } {
  let format = dateFormatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    dateFormatters.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(instant).map((part) => [part.type, part.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, clock: `${parts.hour}:${parts.minute}` };
}

export function localOccurrence(startsAt: Date, endsAt: Date, stay: boolean, timeZone: string): LocalOccurrence {
  const start = localParts(startsAt, timeZone);
  const end = localParts(endsAt, timeZone);
  return { startDate: start.date, start: start.clock, endDate: end.date, end: end.clock, nights: stay ? stayNights(startsAt, endsAt, timeZone).length : 0 };
}

/** A problem of a slot's times, for the field that holds it. */
export interface SlotTimesProblem {
  field: string;
  message: string;
}

/**
 * What is wrong with a slot's times as they would be stored: it needs weekly windows or dated occurrences;
 * each occurrence must suit the kind (`datedOccurrenceProblem`), and those sent now must not be over.
 * `sent`: whether the occurrences come from the request (else they are the stored ones, judged against a
 * new kind: the problem is then the kind's); `missingField`: the field to name when there are no times.
 */
export function slotTimesProblems(
  kind: SlotKind,
  weeklyWindows: readonly WeeklyWindow[],
  occurrences: readonly DatedOccurrence[],
  options: { sent: boolean; timeZone: string; now: Date; missingField: 'windows' | 'occurrences' },
): SlotTimesProblem[] {
  if (weeklyWindows.length === 0 && occurrences.length === 0) {
    return [{ field: options.missingField, message: 'is required: a slot has weekly windows, dated occurrences, or both' }];
  }
  const problems: SlotTimesProblem[] = [];
  occurrences.forEach((occurrence, index) => {
    const field = options.sent ? `occurrences.${index}` : 'kind';
    const problem = datedOccurrenceProblem(occurrence, kind, options.timeZone);
    if (problem !== null) problems.push({ field, message: options.sent ? problem : `does not suit the stored occurrence ${index}: it ${problem}` });
    else if (options.sent && new Date(occurrence.endsAt) <= options.now) problems.push({ field, message: 'must end in the future' });
  });
  return problems;
}
