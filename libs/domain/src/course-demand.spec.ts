import { bestCourseWindows } from './course-demand';
import type { WeeklyWindow } from './weekly-window';

const evenings = (day: number, start: string, end: string): WeeklyWindow[] => [{ day, start, end }];

describe('the windows that suit most of those who ordered a course', () => {
  it('counts, for each window, the people whose free time covers it whole, and gives the best three apart', () => {
    const orders = [
      ...Array.from({ length: 6 }, () => evenings(3, '18:30', '21:30')),
      ...Array.from({ length: 3 }, () => evenings(6, '09:00', '12:00')),
      evenings(3, '19:00', '20:00'), // too short for a 90-minute session: suits no window
    ];
    const best = bestCourseWindows(orders, 90);
    expect(best[0]).toEqual({ window: { day: 3, start: '18:30', end: '20:00' }, suits: 6 });
    // The next choices do not meet the first: Wednesday 20:00-21:30, then Saturday morning.
    expect(best[1]).toEqual({ window: { day: 3, start: '20:00', end: '21:30' }, suits: 6 });
    expect(best[2]).toEqual({ window: { day: 6, start: '09:00', end: '10:30' }, suits: 3 });
  });

  it('covers a session across midnight and the end of the week, and gives none when nothing suits anyone', () => {
    // Free Sunday 23:00 to Monday 01:00: the one two-hour session that fits runs past the week's end.
    const nightShiftOff: WeeklyWindow[] = [{ day: 7, start: '23:00', end: '01:00' }];
    expect(bestCourseWindows([nightShiftOff], 120)).toEqual([{ window: { day: 7, start: '23:00', end: '01:00' }, suits: 1 }]);
    expect(bestCourseWindows([evenings(1, '12:00', '12:30')], 90)).toEqual([]);
  });
});
