import { type ExecutionContext, HttpException, type LoggerService } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import type { Principal } from '@huigong/platform';
import { Public } from '@huigong/platform';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { IntakeRateLimitGuard, RATE_LIMIT_REDIS, type RateLimitSettings, rateLimitModule, rateLimitTracker } from './rate-limit';

/** The counts live in a real Redis (the shared one of the tests), under a prefix of this run's own. */
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

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

/** Lets a request through a guard: 'allowed' with its headers, or the 429 it was refused with and its Retry-After. */
async function send(guard: IntakeRateLimitGuard, target: { new (): object }, handler: string, principal?: Principal) {
  const { context, headers } = httpCall(target, handler, principal);
  try {
    expect(await guard.canActivate(context)).toBe(true);
    return { allowed: true as const, remaining: headers.get('ratelimit-remaining') };
  } catch (error) {
    if (!(error instanceof HttpException)) throw error;
    return { allowed: false as const, status: error.getStatus(), body: error.getResponse(), retryAfter: headers.get('retry-after') };
  }
}

const key = (keyId: string): Principal => ({ role: 'employer', keyId, organizationId: `org-${keyId}` });

/** A port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => {
        resolve(port);
      });
    });
  });
}

class CapturedLogs implements LoggerService {
  readonly warnings: string[] = [];
  log(): void {}
  error(): void {}
  warn(message: unknown): void {
    this.warnings.push(String(message));
  }
}

describe('the rate limit', () => {
  const prefix = `test-ratelimit-${process.pid}-${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL, { protocol: 2, maxRetriesPerRequest: 1 });
  const modules: TestingModule[] = [];
  let now = 1_000_000;

  /** An API instance's rate limit: its own module and Redis connection, counting under `queuePrefix`. */
  async function instance(settings: Partial<RateLimitSettings> = {}, clock: (() => number) | null = () => now, logger?: LoggerService) {
    const module = await Test.createTestingModule({
      imports: [
        rateLimitModule(
          { redisUrl: REDIS_URL, redisClusterNodes: null, queuePrefix: prefix, rateLimitPerMinute: 3, partnerRateLimitPerMinute: 3, ...settings },
          clock === null ? {} : { clock },
        ),
      ],
      providers: [IntakeRateLimitGuard],
    }).compile();
    if (logger !== undefined) module.useLogger(logger);
    await module.init();
    modules.push(module);
    return module.get(IntakeRateLimitGuard);
  }

  afterEach(async () => {
    await Promise.all(modules.splice(0).map((module) => module.close()));
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    now += 3_600_000;
  });

  afterAll(async () => {
    await redis.quit();
  });

  it('gives a partner’s key its own limit', async () => {
    const limited = await instance({ rateLimitPerMinute: 1, partnerRateLimitPerMinute: 3 });
    const partner = { role: 'partner' as const, keyId: '6f1c2b9e-0000-4000-8000-0000000000aa', organizationId: 'p1' };
    const outcomes: boolean[] = [];
    for (let i = 0; i < 4; i++) outcomes.push(await limited.canActivate(httpCall(Deliveries, 'list', partner).context).catch(() => false));
    expect(outcomes).toEqual([true, true, true, false]);
    expect(await limited.canActivate(httpCall(Deliveries, 'list', key('b')).context)).toBe(true);
    await expect(limited.canActivate(httpCall(Deliveries, 'list', key('b')).context)).rejects.toThrow(HttpException);
  });

  it('counts a request against the key it authenticated with, or else against its address', () => {
    const caseworker = { role: 'caseworker' as const, keyId: '6f1c2b9e-0000-4000-8000-000000000001', caseworkerId: 'c1' };
    expect(rateLimitTracker({ principal: caseworker, ip: '10.0.0.1' })).toBe(`key:${caseworker.keyId}`);
    expect(rateLimitTracker({ principal: caseworker, ip: '10.0.0.2' })).toBe(rateLimitTracker({ principal: caseworker, ip: '10.0.0.1' }));
    expect(rateLimitTracker({ ip: '10.0.0.1' })).toBe('ip:10.0.0.1');
  });

  it('allows the limit in any minute for one key over all routes, then 429 in the error shape with the seconds until one more fits', async () => {
    const guard = await instance();
    expect(await send(guard, Deliveries, 'list', key('a'))).toEqual({ allowed: true, remaining: '2' });
    now += 20_000;
    expect(await send(guard, Deliveries, 'replay', key('a'))).toEqual({ allowed: true, remaining: '1' });
    expect(await send(guard, Deliveries, 'list', key('a'))).toEqual({ allowed: true, remaining: '0' });
    now += 10_000;
    expect(await send(guard, Deliveries, 'replay', key('a'))).toEqual({
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
    expect(await send(guard, Deliveries, 'list', key('b'))).toMatchObject({ allowed: true, remaining: '2' });
    // The first request leaves the window a minute after it came: room for one, and a refusal does not count.
    now += 30_000;
    expect(await send(guard, Deliveries, 'list', key('a'))).toMatchObject({ allowed: true });
    expect(await send(guard, Deliveries, 'list', key('a'))).toMatchObject({ allowed: false, retryAfter: '20' });
  });

  it('never counts a public route, and counts a request without a key against its address', async () => {
    const guard = await instance();
    for (let i = 0; i < 10; i++) expect(await send(guard, Health, 'live')).toEqual({ allowed: true, remaining: undefined });
    for (let i = 0; i < 3; i++) expect(await send(guard, Deliveries, 'list')).toMatchObject({ allowed: true });
    expect(await send(guard, Deliveries, 'list')).toMatchObject({ allowed: false, status: 429 });
    expect(await send(guard, Deliveries, 'list', key('a'))).toMatchObject({ allowed: true });
  });

  it('shares one count among the API instances of a deployment, and none with another QUEUE_PREFIX', async () => {
    const first = await instance();
    const second = await instance();
    expect(await send(first, Deliveries, 'list', key('a'))).toMatchObject({ allowed: true, remaining: '2' });
    expect(await send(second, Deliveries, 'list', key('a'))).toMatchObject({ allowed: true, remaining: '1' });
    expect(await send(first, Deliveries, 'list', key('a'))).toMatchObject({ allowed: true, remaining: '0' });
    expect(await send(second, Deliveries, 'list', key('a'))).toMatchObject({ allowed: false, status: 429 });
    expect(await send(first, Deliveries, 'list', key('a'))).toMatchObject({ allowed: false, status: 429 });
    const elsewhere = await instance({ queuePrefix: `${prefix}:other-deployment` });
    expect(await send(elsewhere, Deliveries, 'list', key('a'))).toMatchObject({ allowed: true, remaining: '2' });
  });

  it('on Redis’s own clock, keeps one key per tracker under QUEUE_PREFIX in a hash tag, expiring a window after its last request', async () => {
    const guard = await instance({ rateLimitPerMinute: 2 }, null);
    expect(await send(guard, Deliveries, 'list', key('a'))).toMatchObject({ allowed: true, remaining: '1' });
    expect(await send(guard, Deliveries, 'list', key('a'))).toMatchObject({ allowed: true, remaining: '0' });
    const refused = await send(guard, Deliveries, 'list', key('a'));
    expect(refused).toMatchObject({ allowed: false, status: 429 });
    expect(Number(refused.allowed ? NaN : refused.retryAfter)).toBeGreaterThanOrEqual(59);
    await send(guard, Deliveries, 'list');
    expect((await redis.keys(`${prefix}:*`)).sort()).toEqual([`${prefix}:ratelimit:{ip:10.0.0.9}`, `${prefix}:ratelimit:{key:a}`]);
    expect(await redis.zcard(`${prefix}:ratelimit:{key:a}`)).toBe(2); // the refused one is not counted
    const ttl = await redis.pttl(`${prefix}:ratelimit:{key:a}`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('lets requests through uncounted, at once and with one warning, while Redis cannot be reached, and closes its connection on shutdown all the same', async () => {
    const logs = new CapturedLogs();
    const guard = await instance({ redisUrl: `redis://127.0.0.1:${await closedPort()}`, rateLimitPerMinute: 1 }, undefined, logs);
    const started = Date.now();
    for (let i = 0; i < 3; i++) expect(await send(guard, Deliveries, 'list', key('a'))).toEqual({ allowed: true, remaining: undefined });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(logs.warnings).toEqual([expect.stringContaining('without counting them against the rate limit while Redis does not answer')]);

    const [module] = modules.splice(0);
    const connection = module.get<Redis>(RATE_LIMIT_REDIS);
    await module.close();
    expect(connection.status).toBe('end');
  });

  it('closes its connection to a Redis that answers when the application shuts down', async () => {
    const guard = await instance();
    expect(await send(guard, Deliveries, 'list', key('a'))).toMatchObject({ allowed: true });
    const [module] = modules.splice(0);
    const connection = module.get<Redis>(RATE_LIMIT_REDIS);
    expect(connection.status).toBe('ready');
    await module.close();
    expect(connection.status).toBe('end');
  });
});
