/**
 * The short text of an `offer` that a worker reads on the union app or in an SMS: what, when, how much,
 * how far, and the code to show. It is built from the slot and the distance only; the input type has no
 * room for the worker's groups, needs, name or anything else about them, and nothing else is read.
 */
import type { LocalOccurrence, WeeklyWindow } from '@huigong/domain';

export type NoticeLocale = 'zh-CN' | 'en';

/** Everything an offer text may say: the slot's side of the offer, the distance and the code. */
export interface OfferTextInput {
  /** The slot's title, as the merchant wrote it: "定海社区食堂午餐". */
  title: string;
  /** The windows the offer can be used in (the slot's, or those that fit the worker's breaks). */
  windows: readonly WeeklyWindow[];
  /** The dated occurrence the offer is for (a course on a date, a stay), in local time: said instead of the windows. */
  dated?: LocalOccurrence;
  /** The merchant's terms: `discountPercent` 30 is 30% off (七折); `price` in yuan. */
  terms: { discountPercent?: number; price?: number; description?: string };
  /** From the worker's location to the slot's, in km. */
  distanceKm: number;
  /** The single-use redemption code the worker shows. */
  code: string;
  /** A last-minute offer to a worker on standby (a seat free just before it starts): the text says so first. */
  lastMinute?: boolean;
}

const ZH_DAYS = ['周一', '周二', '周三', '周四', '周五', '周六', '周日'];
const EN_DAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const ZH_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
const DESCRIPTION_MAX_CHARS = 30;
/** A description is cut between characters as a reader sees them, so an emoji or an accented letter is never cut in half. */
const CHARACTERS = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Days 1..7 as runs of consecutive days, a run may pass Sunday: [6, 7, 1] is one run Sat-Mon. */
function dayRuns(days: readonly number[]): number[][] {
  const set = new Set(days);
  const previous = (day: number) => (day === 1 ? 7 : day - 1);
  const first = [1, 2, 3, 4, 5, 6, 7].find((day) => set.has(day) && !set.has(previous(day)));
  if (first === undefined) return [[1, 2, 3, 4, 5, 6, 7]];
  const runs: number[][] = [];
  for (let i = 0; i < 7; i++) {
    const day = ((first - 1 + i) % 7) + 1;
    if (!set.has(day)) continue;
    const last = runs.at(-1);
    if (last !== undefined && last[last.length - 1] === previous(day)) last.push(day);
    else runs.push([day]);
  }
  return runs;
}

function daysText(days: readonly number[], locale: NoticeLocale): string {
  const names = locale === 'en' ? EN_DAYS : ZH_DAYS;
  if (new Set(days).size === 7) return locale === 'en' ? 'Daily' : '每天';
  return dayRuns(days)
    .map((run) => {
      if (run.length >= 3) return `${names[run[0] - 1]}${locale === 'en' ? '-' : '至'}${names[run[run.length - 1] - 1]}`;
      return run.map((day) => names[day - 1]).join(locale === 'en' ? ', ' : '、');
    })
    .join(locale === 'en' ? ', ' : '、');
}

/** "周一至周五 13:00-14:00", "Mon-Fri 13:00-14:00"; windows with other hours follow after "；" / "; ". */
export function windowsText(windows: readonly WeeklyWindow[], locale: NoticeLocale = 'zh-CN'): string {
  const byHours = new Map<string, number[]>();
  for (const window of windows) {
    const hours = `${window.start}-${window.end}`;
    byHours.set(hours, [...(byHours.get(hours) ?? []), window.day]);
  }
  return [...byHours]
    .sort(([hoursA, daysA], [hoursB, daysB]) => Math.min(...daysA) - Math.min(...daysB) || hoursA.localeCompare(hoursB))
    .map(([hours, days]) => `${daysText(days, locale)} ${hours}`)
    .join(locale === 'en' ? '; ' : '；');
}

/** 30% off is 七折 (seven tenths of the price), 25% off 七五折, 95% off 0.5折, 100% off 免费. */
export function discountText(discountPercent: number, locale: NoticeLocale = 'zh-CN'): string {
  if (!(discountPercent > 0 && discountPercent <= 100)) throw new RangeError(`discountPercent must be in (0, 100], not ${discountPercent}`);
  if (locale === 'en') return discountPercent === 100 ? 'free' : `${discountPercent}% off`;
  if (discountPercent === 100) return '免费';
  const share = 100 - discountPercent;
  if (Number.isInteger(share) && share >= 10) {
    return share % 10 === 0 ? `${ZH_DIGITS[share / 10]}折` : `${ZH_DIGITS[Math.floor(share / 10)]}${ZH_DIGITS[share % 10]}折`;
  }
  return `${Number((share / 10).toFixed(2))}折`;
}

function priceText(price: number): string {
  if (!(price >= 0)) throw new RangeError(`price must not be negative, not ${price}`);
  return `¥${Number.isInteger(price) ? price : price.toFixed(2)}`;
}

/** "距您 1.2 公里", "距您 800 米"; "1.2 km from you", "800 m from you". */
export function distanceText(distanceKm: number, locale: NoticeLocale = 'zh-CN'): string {
  if (!(distanceKm >= 0)) throw new RangeError(`distanceKm must not be negative, not ${distanceKm}`);
  const metres = Math.max(100, Math.round(distanceKm * 10) * 100);
  const figure = metres < 1000 ? `${metres}` : `${Number(distanceKm.toFixed(1))}`;
  if (locale === 'en') return `${figure} ${metres < 1000 ? 'm' : 'km'} from you`;
  return `距您 ${figure} ${metres < 1000 ? '米' : '公里'}`;
}

function termsText(terms: OfferTextInput['terms'], locale: NoticeLocale): string[] {
  const parts: string[] = [];
  if (terms.discountPercent !== undefined) parts.push(discountText(terms.discountPercent, locale));
  if (terms.price !== undefined) parts.push(priceText(terms.price));
  const description = oneLine(terms.description ?? '');
  if (description !== '') {
    const chars = Array.from(CHARACTERS.segment(description), ({ segment }) => segment);
    parts.push(chars.length > DESCRIPTION_MAX_CHARS ? `${chars.slice(0, DESCRIPTION_MAX_CHARS - 1).join('')}…` : description);
  }
  return parts;
}

const EN_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "12月5日" / "5 Dec" of a local date "2026-12-05". */
function dateText(date: string, locale: NoticeLocale): string {
  const month = Number(date.slice(5, 7));
  const day = Number(date.slice(8, 10));
  return locale === 'en' ? `${day} ${EN_MONTHS[month - 1]}` : `${month}月${day}日`;
}

/**
 * "12月5日 19:00-20:30", "5 Dec 19:00-20:30"; a stay: "12月5日 14:00 入住至 12月8日 12:00，共3晚",
 * "5 Dec 14:00 to 8 Dec 12:00, 3 nights".
 */
export function datedText(occurrence: LocalOccurrence, locale: NoticeLocale = 'zh-CN'): string {
  const start = `${dateText(occurrence.startDate, locale)} ${occurrence.start}`;
  if (occurrence.nights > 0) {
    const end = `${dateText(occurrence.endDate, locale)} ${occurrence.end}`;
    if (locale === 'en') return `${start} to ${end}, ${occurrence.nights} night${occurrence.nights === 1 ? '' : 's'}`;
    return `${start} 入住至 ${end}，共${occurrence.nights}晚`;
  }
  const end = occurrence.endDate === occurrence.startDate ? occurrence.end : `${dateText(occurrence.endDate, locale)} ${occurrence.end}`;
  return `${start}-${end}`;
}

/**
 * The text of an offer to a worker, zh-CN unless the deployment says English:
 * "定海社区食堂午餐：周一至周五 13:00-14:00，七折，距您 1.2 公里。兑换码 K7Q2M9，到店出示即可。"
 * A last-minute offer begins with "【临时空位】" ("Last-minute seat!").
 */
export function offerText(offer: OfferTextInput, locale: NoticeLocale = 'zh-CN'): string {
  const code = offer.code.trim();
  if (code === '') throw new RangeError('an offer text needs its redemption code');
  const when = offer.dated === undefined ? windowsText(offer.windows, locale) : datedText(offer.dated, locale);
  const details = [when, ...termsText(offer.terms, locale), distanceText(offer.distanceKm, locale)].filter((part) => part !== '');
  const title = oneLine(offer.title);
  if (locale === 'en') return `${offer.lastMinute === true ? 'Last-minute seat! ' : ''}${title}: ${details.join(', ')}. Show code ${code} to redeem.`;
  return `${offer.lastMinute === true ? '【临时空位】' : ''}${title}：${details.join('，')}。兑换码 ${code}，到店出示即可。`;
}
