import { RateLimiter, rateLimitTracker } from './rate-limit';

describe('the rate limit', () => {
  it('counts a request against the key it authenticated with, or else against its address', () => {
    const caseworker = { role: 'caseworker' as const, keyId: '6f1c2b9e-0000-4000-8000-000000000001', caseworkerId: 'c1' };
    expect(rateLimitTracker({ principal: caseworker, ip: '10.0.0.1' })).toBe(`key:${caseworker.keyId}`);
    expect(rateLimitTracker({ principal: caseworker, ip: '10.0.0.2' })).toBe(rateLimitTracker({ principal: caseworker, ip: '10.0.0.1' }));
    expect(rateLimitTracker({ ip: '10.0.0.1' })).toBe('ip:10.0.0.1');
  });

  it('allows the limit in a minute, refuses the next with the seconds left, and opens a new window after', () => {
    let now = 1_000_000;
    const limiter = new RateLimiter(3, () => now);
    expect(limiter.hit('a')).toEqual({ allowed: true, remaining: 2, resetSeconds: 60 });
    now += 20_000;
    expect(limiter.hit('a')).toMatchObject({ allowed: true, remaining: 1 });
    expect(limiter.hit('a')).toMatchObject({ allowed: true, remaining: 0 });
    expect(limiter.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 40 });
    expect(limiter.hit('b')).toMatchObject({ allowed: true, remaining: 2 });
    now += 40_000;
    expect(limiter.hit('a')).toMatchObject({ allowed: true, remaining: 2 });
  });
});
