import { DEFAULT_OFFER_BUDGET, decideOffer, isQuietMinute, localDayStart, personalBudget } from './budget';

const SHANGHAI = 'Asia/Shanghai';
/** A fixed clock: Shanghai local time on Tuesday 24 November 2026 (UTC+8, no daylight saving). */
const shanghai = (clock: string, day = 24) => new Date(`2026-11-${day}T${clock}:00+08:00`);
const decide = (clock: string, sentToday = 0, day = 24) => decideOffer({ sentToday, now: shanghai(clock, day), timeZone: SHANGHAI });

describe('offer budget of one worker', () => {
  it('sends an offer at noon to someone who has had none today', () => {
    expect(decide('12:00')).toEqual({ send: true });
    expect(decide('12:00', 2)).toEqual({ send: true });
  });

  it('holds an offer made at 22:30 until 07:00 the next morning, local time', () => {
    expect(decide('22:30')).toEqual({ send: false, reason: 'quiet_hours', retryAt: shanghai('07:00', 25) });
    expect(shanghai('07:00', 25).toISOString()).toBe('2026-11-24T23:00:00.000Z');
  });

  it('holds an offer made in the small hours until 07:00 the same morning', () => {
    expect(decide('03:15', 0, 25)).toEqual({ send: false, reason: 'quiet_hours', retryAt: shanghai('07:00', 25) });
    expect(decide('06:59', 0, 25)).toEqual({ send: false, reason: 'quiet_hours', retryAt: shanghai('07:00', 25) });
  });

  it('treats 22:00 as quiet and 07:00 and 21:59 as not', () => {
    expect(decide('22:00').send).toBe(false);
    expect(decide('07:00')).toEqual({ send: true });
    expect(decide('21:59')).toEqual({ send: true });
  });

  it('holds the fourth offer of the day until 07:00 tomorrow', () => {
    expect(decide('12:00', 3)).toEqual({ send: false, reason: 'daily_cap', retryAt: shanghai('07:00', 25) });
    expect(decide('21:59', 5)).toEqual({ send: false, reason: 'daily_cap', retryAt: shanghai('07:00', 25) });
  });

  it('gives quiet hours as the reason when they end on a new day, which ends the cap too', () => {
    expect(decide('23:30', 3)).toEqual({ send: false, reason: 'quiet_hours', retryAt: shanghai('07:00', 25) });
  });

  it('holds an offer over the cap in the early morning until tomorrow, not until 07:00 today', () => {
    expect(decide('05:00', 3, 25)).toEqual({ send: false, reason: 'daily_cap', retryAt: shanghai('07:00', 26) });
  });

  it("follows a deployment's own cap and quiet hours", () => {
    const siesta = { maxOffersPerDay: 5, quietHours: { start: '12:00', end: '14:00' } };
    expect(decideOffer({ sentToday: 0, now: shanghai('12:30'), timeZone: SHANGHAI, policy: siesta })).toEqual({
      send: false,
      reason: 'quiet_hours',
      retryAt: shanghai('14:00'),
    });
    expect(decideOffer({ sentToday: 4, now: shanghai('23:30'), timeZone: SHANGHAI, policy: siesta })).toEqual({ send: true });
    expect(decideOffer({ sentToday: 5, now: shanghai('10:00'), timeZone: SHANGHAI, policy: siesta })).toEqual({
      send: false,
      reason: 'daily_cap',
      retryAt: shanghai('00:00', 25),
    });
    const noQuiet = { maxOffersPerDay: 3, quietHours: null };
    expect(decideOffer({ sentToday: 0, now: shanghai('03:00'), timeZone: SHANGHAI, policy: noQuiet })).toEqual({ send: true });
  });

  it("reads the clock in the given time zone, not the server's", () => {
    // 14:30 UTC is 22:30 in Shanghai but the middle of the afternoon in London.
    const now = new Date('2026-11-24T14:30:00Z');
    expect(decideOffer({ sentToday: 0, now, timeZone: SHANGHAI }).send).toBe(false);
    expect(decideOffer({ sentToday: 0, now, timeZone: 'Europe/London' })).toEqual({ send: true });
  });

  it('ends quiet hours at 07:00 local time across a daylight saving change', () => {
    // New York springs forward on 8 March 2026: 23:00 EST, then 07:00 EDT (UTC-4) the next morning.
    expect(decideOffer({ sentToday: 0, now: new Date('2026-03-08T04:00:00Z'), timeZone: 'America/New_York' })).toEqual({
      send: false,
      reason: 'quiet_hours',
      retryAt: new Date('2026-03-08T11:00:00Z'),
    });
    // Berlin falls back on 25 October 2026: 23:00 CEST, then 07:00 CET (UTC+1).
    expect(decideOffer({ sentToday: 0, now: new Date('2026-10-24T21:00:00Z'), timeZone: 'Europe/Berlin' })).toEqual({
      send: false,
      reason: 'quiet_hours',
      retryAt: new Date('2026-10-25T06:00:00Z'),
    });
  });
});

describe('the local day and quiet hours', () => {
  it('starts the day at local midnight', () => {
    expect(localDayStart(shanghai('12:34'), SHANGHAI).toISOString()).toBe('2026-11-23T16:00:00.000Z');
    expect(localDayStart(shanghai('00:00'), SHANGHAI).toISOString()).toBe('2026-11-23T16:00:00.000Z');
    expect(localDayStart(new Date('2026-03-08T15:00:00Z'), 'America/New_York').toISOString()).toBe('2026-03-08T05:00:00.000Z');
  });

  it('lets quiet hours cross midnight', () => {
    const quiet = DEFAULT_OFFER_BUDGET.quietHours;
    expect([0, 6 * 60 + 59, 22 * 60, 23 * 60 + 59].map((minute) => isQuietMinute(minute, quiet))).toEqual([true, true, true, true]);
    expect([7 * 60, 12 * 60, 21 * 60 + 59].map((minute) => isQuietMinute(minute, quiet))).toEqual([false, false, false]);
    expect(isQuietMinute(3 * 60, { start: '07:00', end: '07:00' })).toBe(false);
  });
});

describe("a worker's own budget", () => {
  const deployment = { maxOffersPerDay: 3, quietHours: { start: '22:00', end: '07:00' } };

  it('is the deployment’s where the worker has no preference', () => {
    expect(personalBudget(deployment, {})).toEqual(deployment);
    expect(personalBudget(deployment, null)).toEqual(deployment);
  });

  it('takes the worker’s quiet hours (a night guard asleep by day), cap, or none at all', () => {
    expect(personalBudget(deployment, { quietHours: '08:00-16:00', dailyCap: 1 })).toEqual({
      maxOffersPerDay: 1,
      quietHours: { start: '08:00', end: '16:00' },
    });
    expect(personalBudget(deployment, { quietHours: 'off' }).quietHours).toBeNull();
  });

  it('holds a night guard’s offer at 10:00 Shanghai time until 16:00', () => {
    const decision = decideOffer({
      sentToday: 0,
      now: new Date('2026-12-01T02:00:00Z'),
      timeZone: 'Asia/Shanghai',
      policy: personalBudget(deployment, { quietHours: '08:00-16:00' }),
    });
    expect(decision).toEqual({ send: false, reason: 'quiet_hours', retryAt: new Date('2026-12-01T08:00:00Z') });
  });
});
