import { DEFAULT_RETRY_POLICY, backoffCeilingMs, classifyOutcome, nextStep, parseRetryAfter, retryDelayMs } from './retry-schedule';

const now = new Date('2026-11-24T04:00:00Z');
const always = (value: number) => () => value;
const HOUR = 3600_000;

/** A seeded generator (mulberry32), so that the spread of totals is the same on every run. */
function seeded(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function totalWaitMs(random: () => number): number {
  let total = 0;
  for (let attempt = 2; attempt <= DEFAULT_RETRY_POLICY.maxAttempts; attempt++) total += retryDelayMs(attempt, { random });
  return total;
}

describe('retry schedule', () => {
  it('sends the first attempt at once and backs off from about 10 s to a cap of 6 h', () => {
    const ceilings = Array.from({ length: 15 }, (_, i) => backoffCeilingMs(i + 1) / 1000);
    expect(ceilings).toEqual([0, 10, 30, 90, 270, 810, 2430, 7290, 21600, 21600, 21600, 21600, 21600, 21600, 21600]);
  });

  it('spreads the retries over about a day: 22.5 h on average, never more than 45 h', () => {
    expect(totalWaitMs(always(0.5)) / HOUR).toBeCloseTo(22.5, 1);
    expect(totalWaitMs(always(1 - Number.EPSILON)) / 1000).toBeCloseTo(162_130, -1);
    const random = seeded(4);
    const totals = Array.from({ length: 2000 }, () => totalWaitMs(random) / HOUR).sort((a, b) => a - b);
    expect(totals[100]).toBeGreaterThan(13); // 5th percentile
    expect(totals[1900]).toBeLessThan(32); // 95th percentile
  });

  it('draws each wait anywhere between 0 and the ceiling (full jitter)', () => {
    expect(retryDelayMs(5, { random: always(0) })).toBe(0);
    expect(retryDelayMs(5, { random: always(0.5) })).toBe(135_000);
    expect(retryDelayMs(15, { random: always(0.25) })).toBe(1.5 * HOUR);
  });

  it('waits as long as Retry-After asks when that is longer, up to 6 h', () => {
    expect(retryDelayMs(2, { random: always(0.5), retryAfterSeconds: 120 })).toBe(120_000);
    expect(retryDelayMs(12, { random: always(0.5), retryAfterSeconds: 120 })).toBe(3 * HOUR);
    expect(retryDelayMs(2, { random: always(0.5), retryAfterSeconds: 7 * 24 * 3600 })).toBe(6 * HOUR);
  });

  it('refuses attempts outside 1..15', () => {
    expect(() => backoffCeilingMs(0)).toThrow(RangeError);
    expect(() => retryDelayMs(16)).toThrow(RangeError);
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Tue, 24 Nov 2026 04:10:00 GMT', now)).toBe(600);
    expect(parseRetryAfter('Tuesday, 24-Nov-26 04:10:00 GMT', now)).toBe(600);
    expect(parseRetryAfter('Tue Nov 24 04:10:00 2026', now)).toBe(600);
  });

  it('reads a date in the past as no wait, and nonsense as nothing', () => {
    expect(parseRetryAfter('Tue, 24 Nov 2026 03:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter('2026-11-24', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
    expect(parseRetryAfter('', now)).toBeNull();
  });
});

describe("what an attempt's outcome means", () => {
  it.each([
    [{ status: 200 }, 'delivered'],
    [{ status: 204 }, 'delivered'],
    [{ status: 410 }, 'disable'],
    [{ status: 429 }, 'retry'],
    [{ status: 500 }, 'retry'],
    [{ status: 502 }, 'retry'],
    [{ status: 503 }, 'retry'],
    [{ status: 408 }, 'retry'],
    [{ status: 301 }, 'retry'],
    [{ error: 'ECONNREFUSED' }, 'retry'],
    [{ error: 'timeout after 10000 ms' }, 'retry'],
    [{ status: 400 }, 'dead'],
    [{ status: 401 }, 'dead'],
    [{ status: 403 }, 'dead'],
    [{ status: 404 }, 'dead'],
    [{ status: 422 }, 'dead'],
  ] as const)('%j -> %s', (outcome, expected) => {
    expect(classifyOutcome(outcome)).toBe(expected);
  });
});

describe('the step after an attempt', () => {
  const random = always(0.5);

  it('tries a 500 again as the next attempt', () => {
    expect(nextStep(1, { status: 500 }, now, { random })).toEqual({ action: 'retry', attempt: 2, delayMs: 5_000 });
  });

  it('honours Retry-After on 429 and 503, and not on a 500', () => {
    expect(nextStep(1, { status: 429, retryAfter: '60' }, now, { random })).toEqual({ action: 'retry', attempt: 2, delayMs: 60_000 });
    expect(nextStep(1, { status: 503, retryAfter: 'Tue, 24 Nov 2026 05:00:00 GMT' }, now, { random })).toEqual({ action: 'retry', attempt: 2, delayMs: HOUR });
    expect(nextStep(1, { status: 500, retryAfter: '60' }, now, { random })).toEqual({ action: 'retry', attempt: 2, delayMs: 5_000 });
  });

  it('gives up after the 15th attempt, and at once on a rejection', () => {
    expect(nextStep(15, { status: 503 }, now, { random })).toEqual({ action: 'dead', reason: 'attempts_exhausted' });
    expect(nextStep(15, { error: 'ECONNRESET' }, now, { random })).toEqual({ action: 'dead', reason: 'attempts_exhausted' });
    expect(nextStep(3, { status: 400 }, now, { random })).toEqual({ action: 'dead', reason: 'rejected' });
  });

  it('switches the endpoint off on 410 and is done on 2xx', () => {
    expect(nextStep(4, { status: 410 }, now, { random })).toEqual({ action: 'disable_endpoint' });
    expect(nextStep(4, { status: 202 }, now, { random })).toEqual({ action: 'delivered' });
  });
});
