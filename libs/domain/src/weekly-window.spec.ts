import { MINUTES_PER_WEEK, overlapMinutes, toWeekInterval, totalMinutes, weekIntervals, windowMinutes } from './weekly-window';

describe('weekly windows', () => {
  it('places a window in minutes of the week, Monday first', () => {
    expect(toWeekInterval({ day: 1, start: '13:00', end: '14:00' })).toEqual({ start: 780, end: 840 });
    expect(toWeekInterval({ day: 7, start: '00:00', end: '01:00' })).toEqual({ start: 6 * 1440, end: 6 * 1440 + 60 });
  });

  it('ends a window the next day when end <= start', () => {
    expect(windowMinutes({ day: 3, start: '22:00', end: '06:00' })).toBe(480);
    expect(windowMinutes({ day: 3, start: '09:00', end: '09:00' })).toBe(1440);
  });

  it('wraps Sunday 22:00-06:00 into Monday morning', () => {
    expect(weekIntervals([{ day: 7, start: '22:00', end: '06:00' }])).toEqual([
      { start: 0, end: 360 },
      { start: MINUTES_PER_WEEK - 120, end: MINUTES_PER_WEEK },
    ]);
  });

  it('merges overlapping windows so that minutes are not counted twice', () => {
    const merged = weekIntervals([
      { day: 1, start: '08:00', end: '12:00' },
      { day: 1, start: '11:00', end: '14:00' },
    ]);
    expect(merged).toEqual([{ start: 480, end: 840 }]);
    expect(totalMinutes(merged)).toBe(360);
  });

  it('finds the overlap of a night guard and a Monday-morning canteen slot across the week end', () => {
    const guardBreaks = weekIntervals([{ day: 7, start: '22:00', end: '06:00' }]);
    const slot = weekIntervals([{ day: 1, start: '05:00', end: '07:00' }]);
    expect(overlapMinutes(guardBreaks, slot)).toBe(60);
  });
});
