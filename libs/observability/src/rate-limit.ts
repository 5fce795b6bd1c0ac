import { type DynamicModule, type ExecutionContext, HttpException, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, ThrottlerModule, type ThrottlerRequest } from '@nestjs/throttler';
import { createRedisClient } from '@huigong/messaging';
import type { AppConfig, Principal } from '@huigong/platform';
import { apiErrorBody, PUBLIC_KEY } from '@huigong/platform';
import type { Response } from 'express';
import { type RateLimitRedis, RedisRateLimitStorage } from './rate-limit-storage';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * Who a request counts against: the API key it authenticated with (by key id, never the key), or else its
 * address. The guard runs after the API key guard, so a made-up key is refused (401) before it is counted,
 * and rotating made-up keys cannot open fresh allowances.
 */
export function rateLimitTracker(req: { principal?: Principal; ip?: string }): string {
  return req.principal !== undefined ? `key:${req.principal.keyId}` : `ip:${req.ip ?? 'unknown'}`;
}

/** The rate limit's Redis connection, made in `rateLimitConnection` only. */
export const RATE_LIMIT_REDIS = Symbol('RATE_LIMIT_REDIS');

export type RateLimitSettings = Pick<AppConfig, 'redisUrl' | 'redisClusterNodes' | 'queuePrefix' | 'partnerRateLimitPerMinute'> & {
  rateLimitPerMinute: number;
};

/**
 * A connection of the rate limit's own, with a producer's options: while Redis is away a command fails at
 * once (no offline queue, one retry) and the guard lets the request through; `commandTimeout` does the same
 * for a Redis that is connected but does not answer, so the intake path never waits on it. Start-up waits
 * for the first attempt to connect (at most a second), so that an instance counts from its first request.
 */
async function rateLimitConnection(settings: RateLimitSettings): Promise<RateLimitRedis> {
  const redis = createRedisClient(settings, 'producer', { connectionName: 'huigong-ratelimit', commandTimeout: 500 });
  redis.on('error', () => undefined); // logged by the guard, once per outage; /health/ready reports Redis
  await settled(redis, ['ready', 'error', 'end'], 1_000);
  return redis;
}

/** Resolves when `redis` emits one of `events`, or after `ms`; never rejects. */
function settled(redis: RateLimitRedis, events: string[], ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const event of events) redis.off(event, done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const event of events) redis.once(event, done);
  });
}

@Injectable()
class RateLimitConnectionCloser implements OnApplicationShutdown {
  constructor(@Inject(RATE_LIMIT_REDIS) private readonly redis: RateLimitRedis) {}

  /** After the HTTP server stopped taking requests (Nest closes it before this hook). */
  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'end') return;
    const ended = settled(this.redis, ['end'], 2_000);
    await this.redis.quit().catch(() => {
      this.redis.disconnect(); // not connected: stop reconnecting
    });
    await ended;
  }
}

@Module({})
class RateLimitConnectionModule {}

/**
 * @nestjs/throttler with RATE_LIMIT_PER_MINUTE requests in any 60 s (a sliding window: each request
 * counted leaves it a minute later; a refused one is not counted, and nothing blocks beyond the window);
 * PARTNER_RATE_LIMIT_PER_MINUTE for a partner's key. Counted in Redis (RedisRateLimitStorage, under
 * QUEUE_PREFIX), so every API instance shares one count; closed on shutdown. `clock` is for tests.
 */
export function rateLimitModule(settings: RateLimitSettings, options: { clock?: () => number } = {}): DynamicModule {
  const { rateLimitPerMinute: perMinute, partnerRateLimitPerMinute: partnerPerMinute } = settings;
  const connection: DynamicModule = {
    module: RateLimitConnectionModule,
    providers: [{ provide: RATE_LIMIT_REDIS, useFactory: () => rateLimitConnection(settings) }, RateLimitConnectionCloser],
    exports: [RATE_LIMIT_REDIS],
  };
  return ThrottlerModule.forRootAsync({
    imports: [connection],
    inject: [RATE_LIMIT_REDIS],
    useFactory: (redis: RateLimitRedis) => ({
      throttlers: [
        {
          name: 'default',
          ttl: RATE_LIMIT_WINDOW_MS,
          // A partner's key (a fair's streaming platform) has PARTNER_RATE_LIMIT_PER_MINUTE: its intents come in bursts.
          limit: (context: ExecutionContext) =>
            context.switchToHttp().getRequest<{ principal?: Principal }>().principal?.role === 'partner' ? partnerPerMinute : perMinute,
          blockDuration: 0,
        },
      ],
      storage: new RedisRateLimitStorage(redis, { prefix: settings.queuePrefix, clock: options.clock }),
    }),
  });
}

/**
 * RATE_LIMIT_PER_MINUTE requests a minute per API key (or, without a key, per address) over every route of
 * the intake API together, but the public ones (health, metrics, console, docs). 429 in the one error shape,
 * with `Retry-After`; `RateLimit-Limit`/`-Remaining`/`-Reset` on the others. Provided only when the limit is
 * on, and after the API key guard (global guards run in the order they are provided).
 * While Redis does not answer, requests are let through uncounted (and without RateLimit-* headers): the
 * limit guards against a client's excess, and refusing everyone, or a 500, for Redis's sake would be worse.
 * A warning says so once per outage.
 */
@Injectable()
export class IntakeRateLimitGuard extends ThrottlerGuard {
  protected override headerPrefix = 'RateLimit';
  private readonly outageLogger = new Logger('RateLimit');
  private uncounted = false;

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    let allowed: boolean;
    try {
      allowed = await super.handleRequest(request);
    } catch (error) {
      if (error instanceof HttpException) {
        this.counted();
        throw error; // the 429
      }
      if (!this.uncounted) {
        this.uncounted = true;
        this.outageLogger.warn(
          `Requests are let through without counting them against the rate limit while Redis does not answer: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      return true;
    }
    this.counted();
    return allowed;
  }

  private counted(): void {
    if (!this.uncounted) return;
    this.uncounted = false;
    this.outageLogger.log('Redis answers again: requests are counted against the rate limit.');
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return Promise.resolve(true);
    // Undefined on every route not marked @Public().
    const isPublic = this.reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, [context.getHandler(), context.getClass()]);
    return Promise.resolve(isPublic === true);
  }

  /** The request as the API key guard (principal) and express (ip) leave it. */
  protected override getTracker(req: { principal?: Principal; ip?: string }): Promise<string> {
    return Promise.resolve(rateLimitTracker(req));
  }

  /** One allowance per tracker for the whole API (the throttler's default is one per route). */
  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }

  protected override throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    // Seconds until the oldest counted request leaves the window; at least 1, as the header means "not yet".
    const retryAfterSeconds = Math.max(1, detail.timeToBlockExpire);
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfterSeconds));
    return Promise.reject(
      new HttpException(
        apiErrorBody(
          429,
          `Too many requests: at most ${detail.limit} a minute for one API key (or, without a key, one address); retry in ${retryAfterSeconds} s.`,
        ),
        429,
      ),
    );
  }
}
