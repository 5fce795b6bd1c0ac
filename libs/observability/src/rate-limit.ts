import { type DynamicModule, type ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail, ThrottlerModule } from '@nestjs/throttler';
import type { Principal } from '@huigong/platform';
import { apiErrorBody, PUBLIC_KEY } from '@huigong/platform';
import type { Response } from 'express';

export const RATE_LIMIT_WINDOW_MS = 60_000;

/**
 * Who a request counts against: the API key it authenticated with (by key id, never the key), or else its
 * address. The guard runs after the API key guard, so a made-up key is refused (401) before it is counted,
 * and rotating made-up keys cannot open fresh allowances.
 */
export function rateLimitTracker(req: { principal?: Principal; ip?: string }): string {
  return req.principal !== undefined ? `key:${req.principal.keyId}` : `ip:${req.ip ?? 'unknown'}`;
}

/**
 * @nestjs/throttler with RATE_LIMIT_PER_MINUTE requests in any 60 s (a sliding window: each request
 * counted leaves it a minute later; a refused one is not counted, and nothing blocks beyond the window);
 * PARTNER_RATE_LIMIT_PER_MINUTE for a partner's key.
 * Counted in this process's memory (ThrottlerStorageService), so per API instance; a shared count goes in
 * the `storage` option (a ThrottlerStorage).
 */
export function rateLimitModule(perMinute: number, partnerPerMinute: number = perMinute): DynamicModule {
  return ThrottlerModule.forRoot({
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
  });
}

/**
 * RATE_LIMIT_PER_MINUTE requests a minute per API key (or, without a key, per address) over every route of
 * the intake API together, but the public ones (health, metrics, console, docs). 429 in the one error shape,
 * with `Retry-After`; `RateLimit-Limit`/`-Remaining`/`-Reset` on the others. Provided only when the limit is
 * on, and after the API key guard (global guards run in the order they are provided).
 */
@Injectable()
export class IntakeRateLimitGuard extends ThrottlerGuard {
  protected override headerPrefix = 'RateLimit';

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
  protected override generateKey(_context: ExecutionContext, tracker: string, throttlerName: string): string {
    return `${throttlerName}:${tracker}`;
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
