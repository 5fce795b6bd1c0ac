/**
 * Budgets for people: a worker hears of at most a few offers a day, jobs and slots alike, and none at
 * night. An offer over the budget is not dropped here: it is held with the time to ask again and the
 * reason, and the caller sends it then or drops it with that reason, never silently.
 *
 * Days and quiet hours are local to the deployment's time zone (APP_TIMEZONE). Daylight saving shifts are
 * allowed for; a local time that a shift skips is approximated to within the shift.
 */
import { MINUTES_PER_DAY, clockMinutes, minuteOfWeek } from '@huigong/domain';

export interface OfferBudgetPolicy {
  /** Offers one person may be sent per local day. */
  maxOffersPerDay: number;
  /** No offer is sent from `start` until `end` ("HH:MM", local); `end` before `start` crosses midnight. */
  quietHours: { start: string; end: string } | null;
}

export const DEFAULT_OFFER_BUDGET: OfferBudgetPolicy = {
  maxOffersPerDay: 3,
  quietHours: { start: '22:00', end: '07:00' },
};

/**
 * What a worker's caseworker set for them: their own quiet hours ("HH:MM-HH:MM", or "off" for none), daily
 * cap, language and channel (`app` or `sms`, told to the worker gateway). Each one absent is the
 * deployment's (the channel: the gateway's own choice).
 */
export interface NoticePreferences {
  quietHours?: string;
  dailyCap?: number;
  language?: 'zh-CN' | 'en';
  channel?: 'app' | 'sms';
}

/** A worker's own budget: the deployment's, with what their preferences set in its place. */
export function personalBudget(deployment: OfferBudgetPolicy, preferences: NoticePreferences | null | undefined): OfferBudgetPolicy {
  const quiet = preferences?.quietHours;
  return {
    maxOffersPerDay: preferences?.dailyCap ?? deployment.maxOffersPerDay,
    quietHours: quiet === undefined ? deployment.quietHours : quiet === 'off' ? null : { start: quiet.slice(0, 5), end: quiet.slice(6, 11) },
  };
}

export type OfferHoldReason = 'quiet_hours' | 'daily_cap';

/** Send now, or hold until `retryAt` (then decide again: the day's count may have changed meanwhile). */
export type OfferDecision = { send: true } | { send: false; retryAt: Date; reason: OfferHoldReason };

export interface OfferBudgetInput {
  /** Offers already sent to this person since local midnight (see localDayStart). */
  sentToday: number;
  now: Date;
  /** IANA time zone, e.g. "Asia/Shanghai". */
  timeZone: string;
  policy?: OfferBudgetPolicy;
}

function localMinuteOfDay(instant: Date, timeZone: string): number {
  return minuteOfWeek(instant, timeZone) % MINUTES_PER_DAY;
}

/**
 * The instant `minutesAhead` local minutes from the start of `now`'s minute, at local clock minute
 * `target`: the wall-clock sum is corrected by any daylight saving shift in between.
 */
function atLocalMinute(now: Date, minutesAhead: number, target: number, timeZone: string): Date {
  let at = Math.floor(now.getTime() / 60_000) * 60_000 + minutesAhead * 60_000;
  for (let i = 0; i < 2; i++) {
    let diff = (target - localMinuteOfDay(new Date(at), timeZone)) % MINUTES_PER_DAY;
    if (diff > MINUTES_PER_DAY / 2) diff -= MINUTES_PER_DAY;
    if (diff <= -MINUTES_PER_DAY / 2) diff += MINUTES_PER_DAY;
    if (diff === 0) break;
    at += diff * 60_000;
  }
  return new Date(at);
}

/** Local midnight that began the day of `now`: count the offers sent since then as `sentToday`. */
export function localDayStart(now: Date, timeZone: string): Date {
  return atLocalMinute(now, -localMinuteOfDay(now, timeZone), 0, timeZone);
}

/** Whether a local minute of the day (0..1439) falls in the quiet hours. Equal start and end: never. */
export function isQuietMinute(minuteOfDay: number, quietHours: OfferBudgetPolicy['quietHours']): boolean {
  if (quietHours === null) return false;
  const start = clockMinutes(quietHours.start);
  const end = clockMinutes(quietHours.end);
  if (start === end) return false;
  return start < end ? minuteOfDay >= start && minuteOfDay < end : minuteOfDay >= start || minuteOfDay < end;
}

/**
 * Whether an offer may go to a person now. In quiet hours it is held until they end (22:30 -> 07:00);
 * over the day's cap it is held until the next local day's first minute outside quiet hours (07:00 by
 * default); quiet hours that end on a new day also end the cap, so the reason given is then quiet hours.
 */
export function decideOffer({ sentToday, now, timeZone, policy = DEFAULT_OFFER_BUDGET }: OfferBudgetInput): OfferDecision {
  const minute = localMinuteOfDay(now, timeZone);
  const quiet = policy.quietHours;
  const capReached = sentToday >= policy.maxOffersPerDay;
  const firstOpenMinute = quiet !== null && isQuietMinute(0, quiet) ? clockMinutes(quiet.end) : 0;
  const tomorrow = (): OfferDecision => ({
    send: false,
    reason: 'daily_cap',
    retryAt: atLocalMinute(now, MINUTES_PER_DAY - minute + firstOpenMinute, firstOpenMinute, timeZone),
  });

  if (quiet !== null && isQuietMinute(minute, quiet)) {
    const end = clockMinutes(quiet.end);
    const ahead = (((end - minute) % MINUTES_PER_DAY) + MINUTES_PER_DAY) % MINUTES_PER_DAY;
    const endsOnNewDay = minute + ahead >= MINUTES_PER_DAY;
    if (capReached && !endsOnNewDay) return tomorrow();
    return { send: false, reason: 'quiet_hours', retryAt: atLocalMinute(now, ahead, end, timeZone) };
  }
  if (capReached) return tomorrow();
  return { send: true };
}
