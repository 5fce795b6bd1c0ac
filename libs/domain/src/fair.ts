/**
 * Job fairs: a live-streamed event with its employers and their openings. Viewers tap "I want this job" and
 * the streaming platform (a `partner`) sends each tap as an intent: a registered person, or a phone and a
 * name with the person's consent to be contacted about jobs. The same viewer tapping the same opening
 * again is the same intent (its taps counted); each intent becomes a lead on the list of the caseworker of
 * the person's area, above the engine's proposals, marked as their own declared interest.
 */
import { type GeoPoint, distanceKm } from './geo';

/** The caseworker who follows up the people of an area (a circle) a fair draws from. */
export interface FairArea {
  caseworkerId: string;
  location: GeoPoint;
  radiusKm: number;
}

/**
 * Who follows up a newcomer: the caseworker of the area containing the place they gave whose centre is
 * nearest (the first listed on a tie), or the fair's default caseworker when they gave none or it is in
 * no area.
 */
export function caseworkerForPlace(areas: readonly FairArea[], place: GeoPoint | null, defaultCaseworkerId: string): string {
  if (place === null) return defaultCaseworkerId;
  let best: { caseworkerId: string; distance: number } | null = null;
  for (const area of areas) {
    const distance = distanceKm(place, area.location);
    if (distance <= area.radiusKm && (best === null || distance < best.distance)) best = { caseworkerId: area.caseworkerId, distance };
  }
  return best?.caseworkerId ?? defaultCaseworkerId;
}

/** Intents are taken until so long after the fair ends: replays of a stream, and a platform catching up. */
export const INTENT_GRACE_HOURS = 24;

/** Whether a fair still takes intents at `now`: from its creation until INTENT_GRACE_HOURS after it ends. */
export function takesIntents(fair: { endsAt: Date }, now: Date): boolean {
  return now.getTime() <= fair.endsAt.getTime() + INTENT_GRACE_HOURS * 3_600_000;
}

/**
 * A phone number as one string of digits, so that "+86 138-0013-8000" and "13800138000" are the same
 * viewer: separators dropped, and China's country code when a mainland mobile number follows it. Null when
 * what is left is not 5 to 15 digits (E.164's longest), or held anything but digits, spaces, dashes, dots,
 * brackets and one leading plus.
 */
export function normalizedPhone(text: string): string | null {
  const trimmed = text.trim();
  if (!/^\+?[\d\s\-.()]+$/.test(trimmed)) return null;
  let digits = trimmed.replace(/\D/g, '');
  if (/^(?:00)?861\d{10}$/.test(digits)) digits = digits.slice(digits.length - 11);
  return digits.length >= 5 && digits.length <= 15 ? digits : null;
}

/** Hours after an intent when a lead nobody has contacted is late: the report lists it and its caseworker is reminded. */
export const UNCONTACTED_LEAD_HOURS = 48;

/** Leads of intents made before this instant and not contacted yet are late at `now`. */
export function lateLeadsBefore(now: Date): Date {
  return new Date(now.getTime() - UNCONTACTED_LEAD_HOURS * 3_600_000);
}

/** The stages of a fair's follow-up, in order: an intent, then its lead contacted, interviewed, hired. */
export const FAIR_FUNNEL_STAGES = ['intents', 'contacted', 'interview', 'hired'] as const;
export type FairFunnelStage = (typeof FAIR_FUNNEL_STAGES)[number];

/** The job-match statuses at which a lead has reached each stage after the intent (a later one implies the earlier). */
export const LEAD_STAGE_STATUSES: { readonly [S in Exclude<FairFunnelStage, 'intents'>]: readonly string[] } = {
  contacted: ['contacted', 'interested', 'interview', 'hired'],
  interview: ['interview', 'hired'],
  hired: ['hired'],
};

/** What the live board shows of one opening, or one employer: counts, never people. */
export interface FairBoardCounts {
  /** Intents (distinct viewers) for it. */
  intents: number;
  /** People matched to it, by the engine or by their own intent (withdrawn matches not counted). */
  matched: number;
  /** Of those, the ones a caseworker has contacted (or taken further). */
  contacted: number;
}

export interface FairBoardOpening extends FairBoardCounts {
  openingId: string;
  /** The opening's title and its employer's name: what the host's screen shows (no people). */
  title: string;
  employerId: string;
  employerName: string;
}

export interface FairBoardEmployer extends FairBoardCounts {
  employerId: string;
  name: string;
}

/** The per-employer counts, in the order the employers first appear, and the fair's totals. */
export function fairBoardTotals(openings: readonly FairBoardOpening[]): { employers: FairBoardEmployer[]; totals: FairBoardCounts } {
  const employers = new Map<string, FairBoardEmployer>();
  const totals: FairBoardCounts = { intents: 0, matched: 0, contacted: 0 };
  for (const opening of openings) {
    let employer = employers.get(opening.employerId);
    if (employer === undefined) {
      employer = { employerId: opening.employerId, name: opening.employerName, intents: 0, matched: 0, contacted: 0 };
      employers.set(opening.employerId, employer);
    }
    for (const key of ['intents', 'matched', 'contacted'] as const) {
      employer[key] += opening[key];
      totals[key] += opening[key];
    }
  }
  return { employers: [...employers.values()], totals };
}
