import { openSpan, walkingMinutes } from './service-point';

const SHANGHAI = 'Asia/Shanghai';
/** A Shanghai wall-clock time (UTC+8, no daylight saving) as an instant. 2026-11-30 is a Monday. */
const local = (date: string, time: string) => new Date(`${date}T${time}:00+08:00`);

describe('service points', () => {
  const weekdayLunch = [1, 2, 3, 4, 5].map((day) => ({ day, start: '11:00', end: '14:00' }));

  it('is open during a window, until its end', () => {
    expect(openSpan(weekdayLunch, local('2026-11-30', '12:30'), SHANGHAI)).toEqual({
      openNow: true,
      start: local('2026-11-30', '11:00'),
      end: local('2026-11-30', '14:00'),
    });
  });

  it('opens next at the nearest window ahead, across the weekend', () => {
    expect(openSpan(weekdayLunch, local('2026-11-30', '15:00'), SHANGHAI)).toEqual({
      openNow: false,
      start: local('2026-12-01', '11:00'),
      end: local('2026-12-01', '14:00'),
    });
    // Saturday: next is Monday.
    expect(openSpan(weekdayLunch, local('2026-12-05', '12:00'), SHANGHAI)?.start).toEqual(local('2026-12-07', '11:00'));
  });

  it('reads a night that runs past Sunday midnight as one span', () => {
    const sundayNight = [{ day: 7, start: '22:00', end: '06:00' }];
    expect(openSpan(sundayNight, local('2026-11-30', '02:00'), SHANGHAI)).toEqual({
      openNow: true,
      start: local('2026-11-29', '22:00'),
      end: local('2026-11-30', '06:00'),
    });
  });

  it('is always open with windows round the clock, and never without windows', () => {
    const always = [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '00:00' }));
    expect(openSpan(always, local('2026-12-02', '03:00'), SHANGHAI)?.openNow).toBe(true);
    expect(openSpan([], local('2026-12-02', '03:00'), SHANGHAI)).toBeNull();
  });

  it('walks 1.3 times the straight line at 80 m a minute', () => {
    expect(walkingMinutes(0.8)).toBe(13);
    expect(walkingMinutes(0)).toBe(0);
  });
});
