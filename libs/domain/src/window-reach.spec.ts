import fc from 'fast-check';
import { type WindowRule, idleCapacityAdvice, windowsReachingMost } from './window-reach';
import { MINUTES_PER_WEEK, type WeeklyWindow, overlapMinutes, spanPieces, weekIntervals } from './weekly-window';

/** The plain count: every window of the week against every person, as the rules say it. */
function bruteForce(windowsOfEach: WeeklyWindow[][], minutes: number, rule: WindowRule): number[] {
  const counts: number[] = [];
  for (let start = 0; start < MINUTES_PER_WEEK; start += 30) {
    const pieces = spanPieces({ start, end: start + minutes });
    counts.push(
      windowsOfEach.filter((windows) =>
        'covered' in rule
          ? overlapMinutes(weekIntervals(windows), pieces) === minutes
          : windows.some((window) => overlapMinutes(weekIntervals([window]), pieces) >= Math.min(rule.overlapAtLeast, minutes)),
      ).length,
    );
  }
  return counts;
}

const weekdays = (start: string, end: string): WeeklyWindow[] => [1, 2, 3, 4, 5].map((day) => ({ day, start, end }));

describe('the windows that reach the most people', () => {
  it('counts a person once a single break overlaps the window by the minutes asked (the slot rule)', () => {
    // Two short breaks side by side: together they cover 13:00-14:00, but neither overlaps it by 40 minutes.
    const split: WeeklyWindow[] = [
      { day: 1, start: '13:00', end: '13:30' },
      { day: 1, start: '13:30', end: '14:00' },
    ];
    expect(windowsReachingMost([split], 60, { count: 1, rule: { overlapAtLeast: 40 } })).toEqual([]);
    expect(windowsReachingMost([split], 60, { count: 1, rule: { covered: true } })).toEqual([{ window: { day: 1, start: '13:00', end: '14:00' }, suits: 1 }]);
  });

  it('advises a canteen by hand-countable breaks: the lunch hour of the riders, then others apart from it', () => {
    const riders = Array.from({ length: 5 }, () => weekdays('12:45', '14:15'));
    const guards = Array.from({ length: 2 }, () => [{ day: 6, start: '02:00', end: '03:00' }]);
    const advice = idleCapacityAdvice([...riders, ...guards]);
    // Monday 13:00-14:00 reaches all five riders; the same hour on other days too, so the hours tie at 5.
    expect(advice.busiestHours.slice(0, 2)).toEqual([
      { window: { day: 1, start: '13:00', end: '14:00' }, suits: 5 },
      { window: { day: 2, start: '13:00', end: '14:00' }, suits: 5 },
    ]);
    // 12:30-13:30 overlaps 12:45-14:15 by 45 minutes: five as well, the earliest of the ties first.
    expect(advice.suggestions).toEqual([
      { window: { day: 1, start: '12:30', end: '13:30' }, suits: 5 },
      { window: { day: 1, start: '13:30', end: '14:30' }, suits: 5 },
      { window: { day: 2, start: '12:30', end: '13:30' }, suits: 5 },
    ]);
  });
});

describe('the counting of windows', () => {
  const clock = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.constantFrom(0, 10, 15, 30, 45))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
  const window = fc.record({ day: fc.integer({ min: 1, max: 7 }), start: clock, end: clock });
  const people = fc.array(fc.array(window, { maxLength: 4 }), { maxLength: 12 });
  const rule = fc.oneof(
    fc.constant<WindowRule>({ covered: true }),
    fc.integer({ min: 1, max: 90 }).map((minutes): WindowRule => ({ overlapAtLeast: minutes })),
  );

  it('gives what a count of every window against every person gives, across midnight and the end of the week', () => {
    fc.assert(
      fc.property(people, fc.constantFrom(30, 60, 90, 120), rule, (windowsOfEach, minutes, chosen) => {
        const expected = bruteForce(windowsOfEach, minutes, chosen);
        const best = windowsReachingMost(windowsOfEach, minutes, { count: 336, rule: chosen });
        // Every window chosen has the count the plain way gives it; the first is the best there is.
        for (const { window, suits } of best) {
          const start = (window.day - 1) * 1440 + Number(window.start.slice(0, 2)) * 60 + Number(window.start.slice(3, 5));
          expect(suits).toBe(expected[start / 30]);
        }
        expect(best.at(0)?.suits ?? 0).toBe(Math.max(0, ...expected));
      }),
      { numRuns: 300 },
    );
  });
});
