import { MINUTES_PER_WEEK, type WeeklyWindow, weekIntervals } from './weekly-window';
import { minuteOfWeek } from './time-zone';

/**
 * A place where members get a standing benefit and where offers (slots) are used: the seed's "benefit
 * service points" (canteens, a restaurant, barbers, a hotel, repair shops), Minle's worker stations,
 * Hainan's rest-and-recuperation bases.
 */
export const SERVICE_POINT_KINDS = ['canteen', 'restaurant', 'barber', 'hotel', 'repair', 'station', 'rest_base', 'other'] as const;
export type ServicePointKind = (typeof SERVICE_POINT_KINDS)[number];

/** The standing member benefit a point shows: none when it was not given, or given blank. */
export function memberBenefitShown(text: string | null): string | null {
  return text === null || text.trim() === '' ? null : text;
}

/** Streets are not straight lines: a walk is this much longer than the distance as the crow flies. */
export const WALKING_DETOUR = 1.3;
/** An unhurried walk, in metres a minute (4.8 km/h). */
export const WALKING_METRES_PER_MINUTE = 80;

/** Minutes on foot for a straight-line distance, rounded up to a whole minute. */
export function walkingMinutes(km: number): number {
  return Math.ceil((km * 1000 * WALKING_DETOUR) / WALKING_METRES_PER_MINUTE);
}

/** Open now (the running occurrence) or next: the minutes from now to its start and its end. */
export interface OpenSpan {
  openNow: boolean;
  /** When the running or next occurrence started or starts, and when it ends. */
  start: Date;
  end: Date;
}

/**
 * The running or next opening of weekly windows at `now`, in the deployment's time zone (windows merged:
 * 09:00-12:00 and 12:00-18:00 are one span); null when there are no windows. Written for zones without
 * daylight saving, as nextOccurrenceEnd.
 */
export function openSpan(windows: readonly WeeklyWindow[], now: Date, timeZone: string): OpenSpan | null {
  const intervals = weekIntervals(windows);
  if (intervals.length === 0) return null;
  const current = minuteOfWeek(now, timeZone);
  const startOfMinute = Math.floor(now.getTime() / 60_000) * 60_000;
  const at = (minutesFromNow: number) => new Date(startOfMinute + minutesFromNow * 60_000);
  // A span that runs past Sunday midnight is two intervals (to the week's end, from Monday 00:00): joined here.
  const spans = intervals.map(({ start, end }) => ({ start, end }));
  const first = spans[0];
  const last = spans[spans.length - 1];
  if (spans.length > 1 && first.start === 0 && last.end === MINUTES_PER_WEEK) {
    spans.shift();
    last.end = MINUTES_PER_WEEK + first.end;
  }
  if (spans.length === 1 && spans[0].start === 0 && spans[0].end >= MINUTES_PER_WEEK) {
    return { openNow: true, start: at(-current), end: at(MINUTES_PER_WEEK - current) };
  }
  let best: OpenSpan | null = null;
  let bestAhead = Number.POSITIVE_INFINITY;
  for (const { start, end } of spans) {
    // The span as seen from now: running (start behind, end ahead) or ahead on the week's circle.
    for (const shift of [-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK]) {
      const from = start + shift - current;
      const to = end + shift - current;
      if (to <= 0) continue;
      if (from <= 0) return { openNow: true, start: at(from), end: at(to) };
      if (from < bestAhead) {
        bestAhead = from;
        best = { openNow: false, start: at(from), end: at(to) };
      }
    }
  }
  return best;
}
