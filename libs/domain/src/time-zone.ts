import { MINUTES_PER_WEEK, type WeeklyWindow, toWeekInterval } from './weekly-window';

const WEEKDAY: Record<string, number> = { Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6, Sun: 7 };
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, format);
  }
  return format;
}

/** Minutes since Monday 00:00 of the local week, in the given time zone, at this instant. */
export function minuteOfWeek(instant: Date, timeZone: string): number {
  const parts = Object.fromEntries(
    formatter(timeZone)
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return (WEEKDAY[parts.weekday] - 1) * 1440 + Number(parts.hour) * 60 + Number(parts.minute);
}

/**
 * When the next occurrence of a weekly window ends, from `now`: the running occurrence if one is running.
 * Written for zones without daylight saving (Asia/Shanghai); elsewhere it may be off by the shift for a day.
 */
export function nextOccurrenceEnd(window: WeeklyWindow, now: Date, timeZone: string): Date {
  const current = minuteOfWeek(now, timeZone);
  const { end } = toWeekInterval(window);
  // The end, as minutes from now on the week's circle: a window that wraps past Sunday ends on Monday.
  let minutesAhead = (((end - current) % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
  if (minutesAhead === 0) minutesAhead = MINUTES_PER_WEEK;
  const startOfMinute = Math.floor(now.getTime() / 60_000) * 60_000;
  return new Date(startOfMinute + minutesAhead * 60_000);
}
