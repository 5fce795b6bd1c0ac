import { idleCapacityAdvice, windowsReachingMost } from './window-reach';
import type { WeeklyWindow } from './weekly-window';

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
