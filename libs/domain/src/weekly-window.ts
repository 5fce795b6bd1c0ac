/**
 * A weekly window such as "Monday 13:00-14:00", in local time of the deployment's time zone.
 * `end <= start` means the window ends the next day: Sunday 22:00-06:00 ends Monday 06:00.
 */
export interface WeeklyWindow {
  /** 1 = Monday ... 7 = Sunday (ISO 8601). */
  day: number;
  /** "HH:MM", 00:00 to 23:59. */
  start: string;
  end: string;
}

export const MINUTES_PER_DAY = 24 * 60;
export const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

export const CLOCK_TIME_PATTERN = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Minutes since midnight of an "HH:MM" clock time. */
export function clockMinutes(clock: string): number {
  if (!CLOCK_TIME_PATTERN.test(clock)) throw new RangeError(`not a clock time: ${clock}`);
  return Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));
}

/** A half-open interval [start, end) in minutes since Monday 00:00; end may pass the week's end. */
export interface WeekInterval {
  start: number;
  end: number;
}

/** The window as minutes of the week; a window that crosses midnight ends the next day. */
export function toWeekInterval(window: WeeklyWindow): WeekInterval {
  const start = (window.day - 1) * MINUTES_PER_DAY + clockMinutes(window.start);
  let length = clockMinutes(window.end) - clockMinutes(window.start);
  if (length <= 0) length += MINUTES_PER_DAY;
  return { start, end: start + length };
}

/** Length of the window in minutes (1 to 1440). */
export function windowMinutes(window: WeeklyWindow): number {
  const { start, end } = toWeekInterval(window);
  return end - start;
}

/**
 * The windows as disjoint, sorted intervals within one week [0, MINUTES_PER_WEEK): a window that runs
 * past Sunday midnight wraps to Monday morning, and overlapping windows are merged.
 */
export function weekIntervals(windows: readonly WeeklyWindow[]): WeekInterval[] {
  const pieces: WeekInterval[] = [];
  for (const window of windows) {
    const { start, end } = toWeekInterval(window);
    if (end <= MINUTES_PER_WEEK) pieces.push({ start, end });
    else pieces.push({ start, end: MINUTES_PER_WEEK }, { start: 0, end: end - MINUTES_PER_WEEK });
  }
  return mergedInPlace(pieces);
}

/**
 * A span of the week that starts within it and may run past its end (a stay from Saturday to Tuesday), as
 * pieces within [0, MINUTES_PER_WEEK): the part past Sunday midnight wraps to Monday; a week or more is all of it.
 */
export function spanPieces({ start, end }: WeekInterval): WeekInterval[] {
  if (end - start >= MINUTES_PER_WEEK) return [{ start: 0, end: MINUTES_PER_WEEK }];
  if (end <= MINUTES_PER_WEEK) return [{ start, end }];
  return [
    { start: 0, end: end - MINUTES_PER_WEEK },
    { start, end: MINUTES_PER_WEEK },
  ];
}

/** Intervals within one week as disjoint, sorted intervals: overlapping and touching ones merged. */
export function unionOfIntervals(intervals: readonly WeekInterval[]): WeekInterval[] {
  return mergedInPlace(intervals.map(({ start, end }) => ({ start, end })));
}

/** Sorts pieces of the week (its own array, objects it may change) and merges those that meet. */
function mergedInPlace(pieces: WeekInterval[]): WeekInterval[] {
  pieces.sort((a, b) => a.start - b.start);
  const merged: WeekInterval[] = [];
  for (const piece of pieces) {
    const last = merged.at(-1);
    if (last !== undefined && piece.start <= last.end) last.end = Math.max(last.end, piece.end);
    else merged.push(piece);
  }
  return merged;
}

/** Minutes that two sets of disjoint sorted week intervals have in common. */
export function overlapMinutes(a: readonly WeekInterval[], b: readonly WeekInterval[]): number {
  let total = 0;
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const start = Math.max(a[i].start, b[j].start);
    const end = Math.min(a[i].end, b[j].end);
    if (end > start) total += end - start;
    if (a[i].end < b[j].end) i++;
    else j++;
  }
  return total;
}

export function totalMinutes(intervals: readonly WeekInterval[]): number {
  return intervals.reduce((sum, interval) => sum + interval.end - interval.start, 0);
}
