import { MINUTES_PER_WEEK, type WeekInterval, type WeeklyWindow, weekIntervals } from '@huigong/domain';

/** The 168 hours of the week as 6 words of bits: a cheap test of whether two schedules can meet at all. */
export const HOUR_WORDS = 6;

export function hourBits(intervals: readonly WeekInterval[], into = new Uint32Array(HOUR_WORDS), offset = 0): Uint32Array {
  for (const { start, end } of intervals) {
    const last = Math.min(Math.ceil(end / 60), MINUTES_PER_WEEK / 60) - 1;
    for (let hour = Math.floor(start / 60); hour <= last; hour++) into[offset + (hour >>> 5)] |= 1 << (hour & 31);
  }
  return into;
}

/** Each window on its own, as week intervals (a window crossing the week's end is two pieces). */
export function windowPieces(windows: readonly WeeklyWindow[]): WeekInterval[][] {
  return windows.map((window) => weekIntervals([window]));
}
