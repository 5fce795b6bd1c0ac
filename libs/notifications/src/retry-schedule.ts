/**
 * When a webhook delivery is tried again, and when it is given up. A receiver that is down for an hour or
 * for most of a day still gets every notification; one that answers 410 Gone is switched off; one that
 * rejects a delivery (400, 401, 403, 404, 422...) is not hammered with it, and the delivery is dead, listed
 * for an admin to replay.
 *
 * The delay before attempt n (n >= 2) is drawn uniformly from [0, min(cap, first x factor^(n-2))]: full
 * jitter, so that the retries of many deliveries after an outage do not arrive together. With the
 * defaults (15 attempts, first ceiling 10 s, factor 3, cap 6 h) the ceilings are 10 s, 30 s, 90 s, 4.5 min,
 * 13.5 min, 40.5 min, 2 h 1.5 min, then 6 h seven times: the 14 waits add up to 22.5 h on average and at
 * most 45 h 2 min; nine deliveries in ten give up between about 15 h and 30 h after the first attempt.
 */

export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** Ceiling of the wait before the second attempt, in seconds. */
  firstDelaySeconds: number;
  /** How much the ceiling grows from one attempt to the next. */
  factor: number;
  /** The largest ceiling, in seconds. */
  maxDelaySeconds: number;
  /** The longest `Retry-After` honoured, in seconds; a receiver asking for more is tried again after this. */
  maxRetryAfterSeconds: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 15,
  firstDelaySeconds: 10,
  factor: 3,
  maxDelaySeconds: 6 * 3600,
  maxRetryAfterSeconds: 6 * 3600,
};

/** A number in [0, 1), as Math.random gives it; tests pass a fixed one. */
export type RandomSource = () => number;

function checkAttempt(attempt: number, policy: RetryPolicy): void {
  if (!Number.isInteger(attempt) || attempt < 1 || attempt > policy.maxAttempts) {
    throw new RangeError(`attempt must be 1 to ${policy.maxAttempts}, not ${attempt}`);
  }
}

/** The longest the wait before attempt n can be, in milliseconds; 0 for the first attempt. */
export function backoffCeilingMs(attempt: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  checkAttempt(attempt, policy);
  if (attempt === 1) return 0;
  const seconds = Math.min(policy.maxDelaySeconds, policy.firstDelaySeconds * policy.factor ** (attempt - 2));
  return Math.round(seconds * 1000);
}

/**
 * The wait before attempt n, in milliseconds: a random share of the ceiling, or what the receiver asked
 * for in `Retry-After` (seconds, at most `maxRetryAfterSeconds`) when that is longer.
 */
export function retryDelayMs(attempt: number, options: { random?: RandomSource; retryAfterSeconds?: number | null; policy?: RetryPolicy } = {}): number {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  const random = options.random ?? Math.random;
  const jittered = Math.floor(random() * backoffCeilingMs(attempt, policy));
  const asked = options.retryAfterSeconds ?? 0;
  return Math.max(jittered, Math.min(asked, policy.maxRetryAfterSeconds) * 1000);
}

const ASCTIME = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Seconds a `Retry-After` value asks to wait, from `now`: delay-seconds ("120") or an HTTP date
 * ("Wed, 21 Oct 2026 07:28:00 GMT"); a date in the past asks for 0. Null when absent or unreadable.
 */
export function parseRetryAfter(value: string | null | undefined, now: Date): number | null {
  const text = value?.trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text);
  // HTTP dates are always GMT; asctime() carries no zone and would otherwise be read as local time.
  const at = text.endsWith('GMT') ? Date.parse(text) : ASCTIME.test(text) ? Date.parse(`${text} GMT`) : NaN;
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}

/** What came back from one attempt: an HTTP status (with its Retry-After), or no answer at all. */
export type AttemptOutcome = { status: number; retryAfter?: string | null } | { error: string };

/**
 * - `delivered`: 2xx, done.
 * - `disable`: 410 Gone, the receiver says the endpoint is no more; switch it off.
 * - `retry`: 429, 5xx, 408 Request Timeout, a network error or time-out, and anything not 2xx or 4xx
 *   (a redirect is not followed, but a receiver may fix it within the day).
 * - `dead`: any other 4xx, the receiver refuses this delivery and will refuse it again.
 */
export type OutcomeClass = 'delivered' | 'disable' | 'retry' | 'dead';

export function classifyOutcome(outcome: AttemptOutcome): OutcomeClass {
  if (!('status' in outcome)) return 'retry';
  const { status } = outcome;
  if (status >= 200 && status < 300) return 'delivered';
  if (status === 410) return 'disable';
  if (status === 408 || status === 429) return 'retry';
  if (status >= 400 && status < 500) return 'dead';
  return 'retry';
}

/** What to do after attempt n. */
export type NextStep =
  | { action: 'delivered' }
  | { action: 'disable_endpoint' }
  | { action: 'dead'; reason: 'rejected' | 'attempts_exhausted' }
  | { action: 'retry'; attempt: number; delayMs: number };

/**
 * The step after attempt n ended with this outcome: done, switch the endpoint off, give up, or try again
 * (as attempt n + 1, with the same webhook-id) after `delayMs`. `Retry-After` counts on 429 and 503 only.
 */
export function nextStep(attempt: number, outcome: AttemptOutcome, now: Date, options: { random?: RandomSource; policy?: RetryPolicy } = {}): NextStep {
  const policy = options.policy ?? DEFAULT_RETRY_POLICY;
  checkAttempt(attempt, policy);
  switch (classifyOutcome(outcome)) {
    case 'delivered':
      return { action: 'delivered' };
    case 'disable':
      return { action: 'disable_endpoint' };
    case 'dead':
      return { action: 'dead', reason: 'rejected' };
    case 'retry': {
      if (attempt >= policy.maxAttempts) return { action: 'dead', reason: 'attempts_exhausted' };
      const honoured = 'status' in outcome && (outcome.status === 429 || outcome.status === 503);
      const retryAfterSeconds = honoured ? parseRetryAfter(outcome.retryAfter, now) : null;
      return { action: 'retry', attempt: attempt + 1, delayMs: retryDelayMs(attempt + 1, { random: options.random, retryAfterSeconds, policy }) };
    }
  }
}
