/**
 * The course menu of a worker station (Minle county's micro-classrooms): workers order a topic with the
 * times they are free; once the open orders of a topic reach its threshold, the station hears of the
 * demand with the weekly windows that suit most of those who ordered, and schedules the course to them.
 */
import { MINUTES_PER_DAY, MINUTES_PER_WEEK, type WeeklyWindow, overlapMinutes, spanPieces, weekIntervals } from './weekly-window';

/** A station's default: the orders of a topic that make a course worth scheduling. */
export const DEFAULT_COURSE_THRESHOLD = 10;
/** A course session's default length, in minutes. */
export const DEFAULT_COURSE_SESSION_MINUTES = 90;
/** Windows are tried from every half hour of the week. */
const STEP_MINUTES = 30;

/** A window of the week and how many of those who ordered it suits (their free windows cover it whole). */
export interface SuitedWindow {
  window: WeeklyWindow;
  suits: number;
}

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
 * The windows of `sessionMinutes` that suit most of the people who ordered, best first: each counts the
 * people whose free windows cover it whole; a window that meets one already chosen is skipped, so the
 * station gets distinct choices; windows that suit nobody are left out; ties go to the earlier in the week.
 */
export function bestCourseWindows(freeWindowsOfEach: readonly (readonly WeeklyWindow[])[], sessionMinutes: number, count = 3): SuitedWindow[] {
  const people = freeWindowsOfEach.map((windows) => weekIntervals(windows));
  const scored: { start: number; suits: number }[] = [];
  for (let start = 0; start < MINUTES_PER_WEEK; start += STEP_MINUTES) {
    const pieces = spanPieces({ start, end: start + sessionMinutes });
    let suits = 0;
    for (const free of people) if (overlapMinutes(free, pieces) === sessionMinutes) suits++;
    if (suits > 0) scored.push({ start, suits });
  }
  scored.sort((a, b) => b.suits - a.suits || a.start - b.start);
  const chosen: { start: number; suits: number }[] = [];
  for (const candidate of scored) {
    if (chosen.length === count) break;
    if (chosen.some((one) => meet(one.start, candidate.start, sessionMinutes))) continue;
    chosen.push(candidate);
  }
  return chosen.map(({ start, suits }) => ({ window: windowAt(start, sessionMinutes), suits }));
}

/** Whether the open orders of a topic have reached its threshold. */
export function demandReached(openOrders: number, threshold: number): boolean {
  return openOrders >= threshold;
}
