/**
 * Which weekly windows would reach the most people, from the times each of them is free: the windows a
 * station should schedule a course in (those who ordered, their free time covering it whole), and the
 * windows a merchant's idle capacity would reach (people near, a break overlapping it as the matching rule
 * asks). Counts only: nobody is named.
 */
import { MINUTES_PER_DAY, MINUTES_PER_WEEK, type WeekInterval, type WeeklyWindow, overlapMinutes, spanPieces, weekIntervals } from './weekly-window';

/** Windows are tried from every half hour of the week. */
const STEP_MINUTES = 30;

/** A window of the week and how many people it suits. */
export interface SuitedWindow {
  window: WeeklyWindow;
  suits: number;
}

/**
 * How a window suits a person: `covered`, their free windows (together) cover all of it; or `overlapAtLeast`
 * minutes, one of their windows alone overlaps it that long (the slot rule of API v1: a break of 30 minutes).
 */
export type WindowRule = { covered: true } | { overlapAtLeast: number };

const clock = (minute: number) => `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;

/** The weekly window of `minutes` that starts at minute `start` of the week. */
function windowAt(start: number, minutes: number): WeeklyWindow {
  const day = Math.floor(start / MINUTES_PER_DAY) + 1;
  return { day, start: clock(start % MINUTES_PER_DAY), end: clock((start + minutes) % MINUTES_PER_DAY) };
}

/** Whether two spans of the week meet, on the week's circle. */
function meet(a: number, b: number, minutes: number): boolean {
  const gap = Math.abs(a - b) % MINUTES_PER_WEEK;
  return Math.min(gap, MINUTES_PER_WEEK - gap) < minutes;
}

/** For each start of the week, every STEP_MINUTES: how many people a window of `minutes` from it suits. */
function reachByStart(windowsOfEach: readonly (readonly WeeklyWindow[])[], minutes: number, rule: WindowRule): { start: number; suits: number }[] {
  // Each person's windows: merged (to be covered together), or one by one (one must overlap enough).
  const people: WeekInterval[][][] = windowsOfEach.map((windows) =>
    'covered' in rule ? [weekIntervals(windows)] : windows.map((window) => weekIntervals([window])),
  );
  const needed = 'covered' in rule ? minutes : Math.min(rule.overlapAtLeast, minutes);
  const reach: { start: number; suits: number }[] = [];
  for (let start = 0; start < MINUTES_PER_WEEK; start += STEP_MINUTES) {
    const pieces = spanPieces({ start, end: start + minutes });
    let suits = 0;
    for (const windows of people) if (windows.some((free) => overlapMinutes(free, pieces) >= needed)) suits++;
    reach.push({ start, suits });
  }
  return reach;
}

/**
 * The windows of `minutes` that suit the most people, best first, up to `count`: a window that meets one
 * already chosen is skipped, so the choices are distinct; windows that suit nobody are left out; ties go to
 * the earlier in the week (from Monday 00:00).
 */
export function windowsReachingMost(
  windowsOfEach: readonly (readonly WeeklyWindow[])[],
  minutes: number,
  options: { count: number; rule: WindowRule },
): SuitedWindow[] {
  const scored = reachByStart(windowsOfEach, minutes, options.rule).filter((entry) => entry.suits > 0);
  scored.sort((a, b) => b.suits - a.suits || a.start - b.start);
  const chosen: { start: number; suits: number }[] = [];
  for (const candidate of scored) {
    if (chosen.length === options.count) break;
    if (chosen.some((one) => meet(one.start, candidate.start, minutes))) continue;
    chosen.push(candidate);
  }
  return chosen.map(({ start, suits }) => ({ window: windowAt(start, minutes), suits }));
}

/** The whole hours of the week (168) with how many people each suits, by the rule: the busiest first, up to `count`. */
export function busiestHours(windowsOfEach: readonly (readonly WeeklyWindow[])[], rule: WindowRule, count: number): SuitedWindow[] {
  return reachByStart(windowsOfEach, 60, rule)
    .filter((entry) => entry.start % 60 === 0 && entry.suits > 0)
    .sort((a, b) => b.suits - a.suits || a.start - b.start)
    .slice(0, count)
    .map(({ start, suits }) => ({ window: windowAt(start, 60), suits }));
}

/** What a merchant is told of the people within reach of a service point: counts per window, never who. */
export interface IdleCapacityAdvice {
  /** The whole hours of the week in which most of them are on a break (a break overlapping the hour by 30 minutes), up to 5. */
  busiestHours: SuitedWindow[];
  /** Two or three hour-long windows, apart, that would reach the most of them by the slot rule; `suits`: how many. */
  suggestions: SuitedWindow[];
}

/**
 * Advice on idle capacity from the breaks of the people within reach: the slot rule of API v1 (a break
 * overlapping the window by `minOverlapMinutes`) applied to every hour-long window of the week.
 */
export function idleCapacityAdvice(breaksOfEach: readonly (readonly WeeklyWindow[])[], minOverlapMinutes = 30): IdleCapacityAdvice {
  const rule: WindowRule = { overlapAtLeast: minOverlapMinutes };
  return { busiestHours: busiestHours(breaksOfEach, rule, 5), suggestions: windowsReachingMost(breaksOfEach, 60, { count: 3, rule }) };
}
