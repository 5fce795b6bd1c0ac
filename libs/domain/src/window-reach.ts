/**
 * Which weekly windows would reach the most people, from the times each of them is free: the windows a
 * station should schedule a course in (those who ordered, their free time covering it whole), and the
 * windows a merchant's idle capacity would reach (people near, a break overlapping it as the matching rule
 * asks). Counts only: nobody is named.
 */
import { MINUTES_PER_DAY, MINUTES_PER_WEEK, type WeeklyWindow, toWeekInterval, unionOfIntervals, weekIntervals } from './weekly-window';

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

/**
 * For each start of the week, every STEP_MINUTES: how many people a window of `minutes` from it suits.
 * Each person marks the starts their windows allow (a range per window, not a test per start), once per
 * start however many of their windows allow it, so the cost grows with the people and their windows, not
 * with people x starts: 10,000 people within reach of a point are counted in a few milliseconds.
 */
function reachByStart(windowsOfEach: readonly (readonly WeeklyWindow[])[], minutes: number, rule: WindowRule): { start: number; suits: number }[] {
  const steps = MINUTES_PER_WEEK / STEP_MINUTES;
  const counts = new Int32Array(steps);
  const markedBy = new Int32Array(steps);
  let person = 0;
  for (const windows of windowsOfEach) {
    person++;
    for (const [lo, hi] of 'covered' in rule ? coveredStarts(windows, minutes) : overlapStarts(windows, minutes, Math.min(rule.overlapAtLeast, minutes))) {
      for (let step = Math.max(0, Math.ceil(lo / STEP_MINUTES)); step < steps && step * STEP_MINUTES <= hi; step++) {
        if (markedBy[step] === person) continue;
        markedBy[step] = person;
        counts[step]++;
      }
    }
  }
  return Array.from(counts, (suits, step) => ({ start: step * STEP_MINUTES, suits }));
}

/** The starts (minute ranges, ends included) of windows of `minutes` that one of these windows overlaps by `needed`. */
function overlapStarts(windows: readonly WeeklyWindow[], minutes: number, needed: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (const window of windows) {
    const { start, end } = toWeekInterval(window);
    if (end - start < needed) continue;
    // The window as it falls in the week before and after too: a start near Sunday night meets Monday's.
    for (const shift of [-MINUTES_PER_WEEK, 0, MINUTES_PER_WEEK]) ranges.push([start + shift - minutes + needed, end + shift - needed]);
  }
  return ranges;
}

/** The starts (minute ranges, ends included) of windows of `minutes` that these windows, together, cover whole. */
function coveredStarts(windows: readonly WeeklyWindow[], minutes: number): [number, number][] {
  const week = weekIntervals(windows);
  // Two weeks end to end, so that a window running past Sunday midnight is covered by Monday's pieces too.
  const twoWeeks = unionOfIntervals([...week, ...week.map(({ start, end }) => ({ start: start + MINUTES_PER_WEEK, end: end + MINUTES_PER_WEEK }))]);
  return twoWeeks.filter(({ start, end }) => end - start >= minutes).map(({ start, end }): [number, number] => [start, end - minutes]);
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
  return mostOf(reachByStart(windowsOfEach, minutes, options.rule), minutes, options.count);
}

/** The best `count` windows of `minutes` apart, from the reach of each start. */
function mostOf(reach: readonly { start: number; suits: number }[], minutes: number, count: number): SuitedWindow[] {
  const scored = reach.filter((entry) => entry.suits > 0).sort((a, b) => b.suits - a.suits || a.start - b.start);
  const chosen: { start: number; suits: number }[] = [];
  for (const candidate of scored) {
    if (chosen.length === count) break;
    if (chosen.some((one) => meet(one.start, candidate.start, minutes))) continue;
    chosen.push(candidate);
  }
  return chosen.map(({ start, suits }) => ({ window: windowAt(start, minutes), suits }));
}

/** The whole hours of the week with how many people each suits: the busiest first, up to `count`. */
function busiestOf(reach: readonly { start: number; suits: number }[], count: number): SuitedWindow[] {
  return reach
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
  // One count of hour-long windows from every half hour serves both answers.
  const reach = reachByStart(breaksOfEach, 60, { overlapAtLeast: minOverlapMinutes });
  return { busiestHours: busiestOf(reach, 5), suggestions: mostOf(reach, 60, 3) };
}
