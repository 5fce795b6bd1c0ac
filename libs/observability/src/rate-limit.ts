import { type CanActivate, type ExecutionContext, HttpException, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Principal } from '@huigong/platform/auth/principal';
import { PUBLIC_KEY } from '@huigong/platform/auth/roles.decorator';
import { APP_CONFIG, type AppConfig } from '@huigong/platform/config/app-config';
import { apiErrorBody } from '@huigong/platform/http/api-error';
import type { Request, Response } from 'express';

const WINDOW_MS = 60_000;
/** Windows kept in memory before expired ones are swept. */
const SWEEP_AT = 10_000;

/**
 * Who a request counts against: the API key it authenticated with (by key id, never the key), or else its
 * address. The guard runs after the API key guard, so a made-up key is refused (401) before it is counted,
 * and rotating made-up keys cannot open fresh windows.
 */
export function rateLimitTracker(req: { principal?: Principal; ip?: string }): string {
  return req.principal !== undefined ? `key:${req.principal.keyId}` : `ip:${req.ip ?? 'unknown'}`;
}

/**
 * A fixed one-minute window per tracker, counted in this process's memory (so per API instance): the
 * first request opens the window, the (limit+1)th within it gets 429.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { startedAt: number; hits: number }>();

  constructor(
    readonly limit: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts a request; returns how many remain, or the seconds until the window resets when none does. */
  hit(tracker: string): { allowed: true; remaining: number; resetSeconds: number } | { allowed: false; retryAfterSeconds: number } {
    const now = this.now();
    if (this.windows.size >= SWEEP_AT) for (const [key, window] of this.windows) if (now - window.startedAt >= WINDOW_MS) this.windows.delete(key);
    let window = this.windows.get(tracker);
    if (window === undefined || now - window.startedAt >= WINDOW_MS) {
      window = { startedAt: now, hits: 0 };
      this.windows.set(tracker, window);
    }
    const resetSeconds = Math.max(1, Math.ceil((window.startedAt + WINDOW_MS - now) / 1000));
    if (window.hits >= this.limit) return { allowed: false, retryAfterSeconds: resetSeconds };
    window.hits += 1;
    return { allowed: true, remaining: this.limit - window.hits, resetSeconds };
  }
}

/**
 * RATE_LIMIT_PER_MINUTE requests a minute per API key (or, without a key, per address) on every route of
 * the intake API but the public ones (health, metrics, docs). 429 in the one error shape, with
 * `Retry-After`; `RateLimit-Limit`/`-Remaining`/`-Reset` on the others. 0 or `off` turns it off.
 */
@Injectable()
export class IntakeRateLimitGuard implements CanActivate {
  private readonly limiter: RateLimiter | undefined;

  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.limiter = config.rateLimitPerMinute === null ? undefined : new RateLimiter(config.rateLimitPerMinute);
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.limiter === undefined || context.getType() !== 'http') return true;
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, [context.getHandler(), context.getClass()])) return true;
    const http = context.switchToHttp();
    const res = http.getResponse<Response>();
    const outcome = this.limiter.hit(rateLimitTracker(http.getRequest<Request & { principal?: Principal }>()));
    res.setHeader('RateLimit-Limit', String(this.limiter.limit));
    if (outcome.allowed) {
      res.setHeader('RateLimit-Remaining', String(outcome.remaining));
      res.setHeader('RateLimit-Reset', String(outcome.resetSeconds));
      return true;
    }
    res.setHeader('RateLimit-Remaining', '0');
    res.setHeader('Retry-After', String(outcome.retryAfterSeconds));
    throw new HttpException(
      apiErrorBody(
        429,
        `Too many requests: at most ${this.limiter.limit} a minute for one API key (or, without a key, one address); retry in ${outcome.retryAfterSeconds} s.`,
      ),
      429,
    );
  }
}
