import { minuteOfWeek, nextOccurrenceEnd } from './time-zone';

describe('weekly windows in the deployment time zone', () => {
  // Tuesday 24 November 2026, 12:00 in Shanghai = 04:00 UTC.
  const tuesdayNoonShanghai = new Date('2026-11-24T04:00:00Z');

  it('reads the minute of the local week', () => {
    expect(minuteOfWeek(tuesdayNoonShanghai, 'Asia/Shanghai')).toBe(1440 + 12 * 60);
    expect(minuteOfWeek(tuesdayNoonShanghai, 'UTC')).toBe(1440 + 4 * 60);
  });

  it("ends a lunch offer at the end of today's window when it is still to come", () => {
    expect(nextOccurrenceEnd({ day: 2, start: '13:00', end: '14:00' }, tuesdayNoonShanghai, 'Asia/Shanghai').toISOString()).toBe('2026-11-24T06:00:00.000Z');
  });

  it("rolls over to next week when this week's window is over", () => {
    expect(nextOccurrenceEnd({ day: 1, start: '13:00', end: '14:00' }, tuesdayNoonShanghai, 'Asia/Shanghai').toISOString()).toBe('2026-11-30T06:00:00.000Z');
  });

  it('ends a Sunday night shift on Monday morning', () => {
    expect(nextOccurrenceEnd({ day: 7, start: '22:00', end: '06:00' }, tuesdayNoonShanghai, 'Asia/Shanghai').toISOString()).toBe('2026-11-29T22:00:00.000Z');
  });

  it('ends the running Sunday night shift this Monday morning, not next week', () => {
    const mondayThreeAmShanghai = new Date('2026-11-29T19:00:00Z');
    expect(nextOccurrenceEnd({ day: 7, start: '22:00', end: '06:00' }, mondayThreeAmShanghai, 'Asia/Shanghai').toISOString()).toBe('2026-11-29T22:00:00.000Z');
  });
});
