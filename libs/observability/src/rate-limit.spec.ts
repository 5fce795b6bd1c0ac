import { RateLimiter, rateLimitTracker } from './rate-limit';

describe('the rate limit', () => {
  it('counts a request against its API key, never showing the key, or else against its address', () => {
    const byKey = rateLimitTracker({ headers: { authorization: 'Bearer hg_abc' }, ip: '10.0.0.1' });
    expect(byKey).toMatch(/^key:[0-9a-f]{32}$/);
    expect(byKey).not.toContain('hg_abc');
    expect(rateLimitTracker({ headers: { authorization: 'Bearer hg_abc' }, ip: '10.0.0.2' })).toBe(byKey);
    expect(rateLimitTracker({ headers: {}, ip: '10.0.0.1' })).toBe('ip:10.0.0.1');
    expect(rateLimitTracker({ headers: { authorization: 'Basic eDp5' }, ip: '10.0.0.1' })).toBe('ip:10.0.0.1');
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
