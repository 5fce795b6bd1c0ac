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

export function hoursMeet(a: Uint32Array, aOffset: number, b: Uint32Array): boolean {
  for (let word = 0; word < HOUR_WORDS; word++) if ((a[aOffset + word] & b[word]) !== 0) return true;
  return false;
}

/** Merged intervals as a flat Uint16Array [start, end, start, end, ...] (minutes fit in 16 bits). */
export function packIntervals(intervals: readonly WeekInterval[]): Uint16Array {
  const packed = new Uint16Array(intervals.length * 2);
  intervals.forEach(({ start, end }, index) => {
    packed[index * 2] = start;
    packed[index * 2 + 1] = end;
  });
  return packed;
}

/** Minutes that packed intervals and sorted disjoint intervals have in common. */
export function packedOverlap(packed: Uint16Array, other: readonly WeekInterval[]): number {
  let total = 0;
  let i = 0;
  let j = 0;
  while (i < packed.length && j < other.length) {
    const start = Math.max(packed[i], other[j].start);
    const end = Math.min(packed[i + 1], other[j].end);
    if (end > start) total += end - start;
    if (packed[i + 1] < other[j].end) i += 2;
    else j++;
  }
  return total;
}

/** Each window on its own, as week intervals (a window crossing the week's end is two pieces). */
export function windowPieces(windows: readonly WeeklyWindow[]): WeekInterval[][] {
  return windows.map((window) => weekIntervals([window]));
}
