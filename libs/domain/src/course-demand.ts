/**
 * The course menu of a worker station (Minle county's micro-classrooms): workers order a topic with the
 * times they are free; once the open orders of a topic reach its threshold, the station hears of the
 * demand with the weekly windows that suit most of those who ordered, and schedules the course to them.
 */
import type { WeeklyWindow } from './weekly-window';
import { type SuitedWindow, windowsReachingMost } from './window-reach';

/** A station's default: the orders of a topic that make a course worth scheduling. */
export const DEFAULT_COURSE_THRESHOLD = 10;
/** A course session's default length, in minutes. */
export const DEFAULT_COURSE_SESSION_MINUTES = 90;

/**
 * The windows of `sessionMinutes` that suit most of the people who ordered, best first: each counts the
 * people whose free windows cover it whole (windowsReachingMost, `covered`), up to `count` distinct ones.
 */
export function bestCourseWindows(freeWindowsOfEach: readonly (readonly WeeklyWindow[])[], sessionMinutes: number, count = 3): SuitedWindow[] {
  return windowsReachingMost(freeWindowsOfEach, sessionMinutes, { count, rule: { covered: true } });
}

/** Whether the open orders of a topic have reached its threshold. */
export function demandReached(openOrders: number, threshold: number): boolean {
  return openOrders >= threshold;
}
