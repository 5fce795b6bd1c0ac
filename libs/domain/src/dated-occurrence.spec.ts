import { datedOccurrenceProblem, datedOffersUntil, localOccurrence, sessionWindow, slotTimesProblems, staySpan, stayNights } from './dated-occurrence';

const TZ = 'Asia/Shanghai';
const at = (local: string) => new Date(`${local}+08:00`);

describe('dated occurrences', () => {
  it('counts the nights of a stay as the local midnights inside it', () => {
    const nights = stayNights(at('2026-12-05T14:00:00'), at('2026-12-08T12:00:00'), TZ);
    expect(nights).toEqual([at('2026-12-06T00:00:00'), at('2026-12-07T00:00:00'), at('2026-12-08T00:00:00')]);
    // Check-in at midnight itself: that midnight is not inside the stay.
    expect(stayNights(at('2026-12-05T00:00:00'), at('2026-12-06T10:00:00'), TZ)).toHaveLength(1);
    expect(stayNights(at('2026-12-05T09:00:00'), at('2026-12-05T18:00:00'), TZ)).toEqual([]);
  });

  it('places a session in the local week as a weekly window, and a stay as a span from its check-in', () => {
    // 5 December 2026 is a Saturday.
    expect(sessionWindow(at('2026-12-05T19:00:00'), at('2026-12-05T20:30:00'), TZ)).toEqual({ day: 6, start: '19:00', end: '20:30' });
    expect(sessionWindow(at('2026-12-06T22:00:00'), at('2026-12-07T06:00:00'), TZ)).toEqual({ day: 7, start: '22:00', end: '06:00' });
    // Saturday 14:00 is minute 5 x 1440 + 840 of the week; three nights and 22 hours later runs past Sunday.
    expect(staySpan(at('2026-12-05T14:00:00'), at('2026-12-08T12:00:00'), TZ)).toEqual({ start: 8040, end: 8040 + 70 * 60 });
  });

  it('refuses occurrences that do not suit the kind', () => {
    const course = { startsAt: at('2026-12-05T19:00:00').toISOString(), endsAt: at('2026-12-05T20:30:00').toISOString() };
    const stay = { startsAt: at('2026-12-05T14:00:00').toISOString(), endsAt: at('2026-12-08T12:00:00').toISOString() };
    expect(datedOccurrenceProblem(course, 'course', TZ)).toBeNull();
    expect(datedOccurrenceProblem(stay, 'lodging', TZ)).toBeNull();
    expect(datedOccurrenceProblem(stay, 'course', TZ)).toMatch(/at most 24 hours/);
    expect(datedOccurrenceProblem(course, 'lodging', TZ)).toMatch(/must include a night/);
    expect(datedOccurrenceProblem({ startsAt: course.endsAt, endsAt: course.startsAt }, 'course', TZ)).toBe('must end after it starts');
    expect(datedOccurrenceProblem({ ...course, startsAt: '2026-12-05T11:00:30.000Z' }, 'course', TZ)).toBe('must start and end on a whole minute');
    const long = { startsAt: stay.startsAt, endsAt: at('2026-12-25T12:00:00').toISOString() };
    expect(datedOccurrenceProblem(long, 'lodging', TZ)).toBe('must be at most 14 nights');
  });

  it('names the field of each problem, and asks for windows or occurrences', () => {
    const now = at('2026-12-01T09:00:00');
    const past = { startsAt: at('2026-11-20T19:00:00').toISOString(), endsAt: at('2026-11-20T20:00:00').toISOString() };
    const fine = { startsAt: at('2026-12-05T19:00:00').toISOString(), endsAt: at('2026-12-05T20:30:00').toISOString() };
    expect(slotTimesProblems('course', [], [], { sent: true, timeZone: TZ, now, missingField: 'windows' })).toEqual([
      { field: 'windows', message: 'is required: a slot has weekly windows, dated occurrences, or both' },
    ]);
    expect(slotTimesProblems('course', [], [fine, past], { sent: true, timeZone: TZ, now, missingField: 'windows' })).toEqual([
      { field: 'occurrences.1', message: 'must end in the future' },
    ]);
    // Stored occurrences judged against a new kind: the kind is what is wrong.
    expect(slotTimesProblems('lodging', [], [fine], { sent: false, timeZone: TZ, now, missingField: 'windows' })[0].field).toBe('kind');
  });

  it('lapses a slot of dated occurrences only: a session once it ends, a stay once it begins', () => {
    const a = { startsAt: at('2026-12-05T14:00:00').toISOString(), endsAt: at('2026-12-08T12:00:00').toISOString() };
    const b = { startsAt: at('2026-12-12T14:00:00').toISOString(), endsAt: at('2026-12-14T12:00:00').toISOString() };
    expect(datedOffersUntil('lodging', [], [a, b])).toEqual(at('2026-12-12T14:00:00'));
    expect(datedOffersUntil('course', [], [a, b])).toEqual(at('2026-12-14T12:00:00'));
    expect(datedOffersUntil('course', [{ day: 1, start: '12:00', end: '13:00' }], [a])).toBeNull();
  });

  it('reads an occurrence in local time, with its nights', () => {
    expect(localOccurrence(at('2026-12-05T14:00:00'), at('2026-12-08T12:00:00'), true, TZ)).toEqual({
      startDate: '2026-12-05',
      start: '14:00',
      endDate: '2026-12-08',
      end: '12:00',
      nights: 3,
    });
  });
});
