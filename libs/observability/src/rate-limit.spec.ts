import { type ExecutionContext, HttpException } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Principal } from '@huigong/platform';
import { Public } from '@huigong/platform';
import { IntakeRateLimitGuard, rateLimitModule, rateLimitTracker } from './rate-limit';

class Deliveries {
  list(): void {}
  replay(): void {}
}

@Public()
class Health {
  live(): void {}
}

/** A request as the guard sees it after the API key guard: its principal, and a response to put headers on. */
function httpCall(target: { new (): object }, handler: string, principal?: Principal) {
  const headers = new Map<string, string>();
  const res = { setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), String(value)) };
  const req = { principal, ip: '10.0.0.9', headers: {} };
  const context = {
    getType: () => 'http',
    getClass: () => target,
    getHandler: () => (target.prototype as Record<string, unknown>)[handler],
    switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
  } as unknown as ExecutionContext;
  return { context, headers };
}

const key = (keyId: string): Principal => ({ role: 'employer', keyId, organizationId: `org-${keyId}` });

describe('the rate limit', () => {
  let module: TestingModule;
  let guard: IntakeRateLimitGuard;
  let now = 1_000_000;
  const realNow = Date.now;

  beforeEach(async () => {
    Date.now = () => now; // the throttler's in-memory storage reads the clock here
    module = await Test.createTestingModule({ imports: [rateLimitModule(3)], providers: [IntakeRateLimitGuard] }).compile();
    await module.init();
    guard = module.get(IntakeRateLimitGuard);
  });

  afterEach(async () => {
    await module.close();
    Date.now = realNow;
  });

  /** Lets a request through the guard: 'allowed', or the 429 it was refused with and its Retry-After. */
  async function send(target: { new (): object }, handler: string, principal?: Principal) {
    const { context, headers } = httpCall(target, handler, principal);
    try {
      expect(await guard.canActivate(context)).toBe(true);
      return { allowed: true as const, remaining: headers.get('ratelimit-remaining') };
    } catch (error) {
      if (!(error instanceof HttpException)) throw error;
      return { allowed: false as const, status: error.getStatus(), body: error.getResponse(), retryAfter: headers.get('retry-after') };
    }
  }

  it('gives a partner’s key its own limit', async () => {
    const partnerModule = await Test.createTestingModule({ imports: [rateLimitModule(1, 3)], providers: [IntakeRateLimitGuard] }).compile();
    await partnerModule.init();
    try {
      const limited = partnerModule.get(IntakeRateLimitGuard);
      const partner = { role: 'partner' as const, keyId: '6f1c2b9e-0000-4000-8000-0000000000aa', organizationId: 'p1' };
      const outcomes: boolean[] = [];
      for (let i = 0; i < 4; i++) outcomes.push(await limited.canActivate(httpCall(Deliveries, 'list', partner).context).catch(() => false));
      expect(outcomes).toEqual([true, true, true, false]);
      expect(await limited.canActivate(httpCall(Deliveries, 'list', key('b')).context)).toBe(true);
      await expect(limited.canActivate(httpCall(Deliveries, 'list', key('b')).context)).rejects.toThrow(HttpException);
    } finally {
      await partnerModule.close();
    }
  });

  it('counts a request against the key it authenticated with, or else against its address', () => {
    const caseworker = { role: 'caseworker' as const, keyId: '6f1c2b9e-0000-4000-8000-000000000001', caseworkerId: 'c1' };
    expect(rateLimitTracker({ principal: caseworker, ip: '10.0.0.1' })).toBe(`key:${caseworker.keyId}`);
    expect(rateLimitTracker({ principal: caseworker, ip: '10.0.0.2' })).toBe(rateLimitTracker({ principal: caseworker, ip: '10.0.0.1' }));
    expect(rateLimitTracker({ ip: '10.0.0.1' })).toBe('ip:10.0.0.1');
  });

  it('allows the limit in any minute for one key over all routes, then 429 in the error shape with the seconds until one more fits', async () => {
    expect(await send(Deliveries, 'list', key('a'))).toEqual({ allowed: true, remaining: '2' });
    now += 20_000;
    expect(await send(Deliveries, 'replay', key('a'))).toEqual({ allowed: true, remaining: '1' });
    expect(await send(Deliveries, 'list', key('a'))).toEqual({ allowed: true, remaining: '0' });
    now += 10_000;
    expect(await send(Deliveries, 'replay', key('a'))).toEqual({
      allowed: false,
      status: 429,
      body: {
        statusCode: 429,
        error: 'Too Many Requests',
        message: 'Too many requests: at most 3 a minute for one API key (or, without a key, one address); retry in 30 s.',
      },
      retryAfter: '30',
    });
    // Another key has its own allowance.
    expect(await send(Deliveries, 'list', key('b'))).toMatchObject({ allowed: true, remaining: '2' });
    // The first request leaves the window a minute after it came: room for one, and a refusal does not count.
    now += 30_000;
    expect(await send(Deliveries, 'list', key('a'))).toMatchObject({ allowed: true });
    expect(await send(Deliveries, 'list', key('a'))).toMatchObject({ allowed: false, retryAfter: '20' });
  });

  it('never counts a public route, and counts a request without a key against its address', async () => {
    for (let i = 0; i < 10; i++) expect(await send(Health, 'live')).toEqual({ allowed: true, remaining: undefined });
    for (let i = 0; i < 3; i++) expect(await send(Deliveries, 'list')).toMatchObject({ allowed: true });
    expect(await send(Deliveries, 'list')).toMatchObject({ allowed: false, status: 429 });
    expect(await send(Deliveries, 'list', key('a'))).toMatchObject({ allowed: true });
  });
});
