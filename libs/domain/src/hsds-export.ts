import { createHash } from 'node:crypto';
import type { AccessibilityFeature } from './accessibility';
import type { MapPoint, MapSlot } from './benefit-map';
import { type DatedOccurrence, localOccurrence, occurrencesAreStays } from './dated-occurrence';
import { memberBenefitShown } from './service-point';
import type { TargetGroup } from './target-group';
import type { WeeklyWindow } from './weekly-window';

/*
 * The service points and their offers as Open Referral HSDS 3.0 (https://docs.openreferral.org), the format
 * service directories exchange: one `service` per offer and one per standing member benefit, each with its
 * organization, its place (`service_at_locations[].location`) and its weekly schedules. Places and offers
 * only: nothing about any person.
 */

export type HsdsPoint = MapPoint & { organizationId: string };
export type HsdsSlot = MapSlot & { organizationId: string };

/** HSDS's API page of services. */
export interface HsdsServicePage {
  total_items: number;
  total_pages: number;
  page_number: number;
  size: number;
  first_page: boolean;
  last_page: boolean;
  empty: boolean;
  contents: HsdsService[];
}

/** A weekly window (`freq` WEEKLY), or a dated occurrence (once: `count` 1 from `dtstart`, valid from its first day to its last). */
export interface HsdsSchedule {
  id: string;
  freq?: 'WEEKLY';
  wkst?: 'MO';
  byday?: string;
  dtstart?: string;
  until?: string;
  count?: number;
  valid_from?: string;
  valid_to?: string;
  opens_at: string;
  closes_at: string;
  timezone: number;
  description: string;
}

export interface HsdsService {
  id: string;
  organization_id: string;
  name: string;
  description: string;
  status: 'active';
  eligibility_description?: string;
  organization: { id: string; name: string; description: string };
  schedules: HsdsSchedule[];
  service_at_locations: {
    id: string;
    service_id: string;
    location_id: string;
    location: {
      id: string;
      location_type: 'physical';
      organization_id: string;
      name: string;
      description?: string;
      latitude: number;
      longitude: number;
      accessibility: { id: string; location_id: string; description: string }[];
      schedules: HsdsSchedule[];
    };
  }[];
  cost_options: { id: string; service_id: string; option: string; currency: 'CNY'; amount: number }[];
}

const BYDAY = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

const GROUP_WORDS: Record<TargetGroup, string> = {
  rider: 'delivery riders',
  courier: 'couriers',
  security_guard: 'security guards',
  sanitation: 'sanitation workers',
  veteran: 'veterans',
  rural_migrant: 'rural migrant workers',
  laid_off: 'laid-off workers',
  reassignment: 'workers waiting for reassignment',
  hardship: 'workers in hardship',
  disabled: 'disabled workers',
  flexible: 'flexible workers',
  new_form: 'new-form workers',
  union_member: 'union members',
};

const FEATURE_WORDS: Record<AccessibilityFeature, string> = {
  wheelchair: 'Wheelchair accessible',
  sign_language: 'Sign language',
  visual: 'Help for people with low vision',
  quiet: 'A quiet place',
};

/** A stable id for something that has none of its own here (a schedule, a benefit as a service), derived from what it belongs to. */
export function derivedId(...parts: string[]): string {
  const hex = createHash('sha1').update(parts.join('\u0000')).digest('hex');
  // A name-based UUID (version 5, RFC 9562 variant).
  const variant = ((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/** The zone's offset from UTC at `at`, as "+08:00", and in hours. */
export function utcOffset(timeZone: string, at: Date): { text: string; hours: number } {
  const name =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  if (match === null) return { text: '+00:00', hours: 0 };
  const sign = match[1] === '-' ? -1 : 1;
  return { text: `${match[1]}${match[2]}:${match[3]}`, hours: sign * (Number(match[2]) + Number(match[3]) / 60) };
}

function schedules(owner: string, windows: readonly WeeklyWindow[], offset: { text: string; hours: number }, timeZone: string): HsdsSchedule[] {
  return windows.map((window, index) => ({
    id: derivedId(owner, 'schedule', String(index)),
    freq: 'WEEKLY',
    wkst: 'MO',
    byday: BYDAY[window.day - 1],
    opens_at: `${window.start}${offset.text}`,
    closes_at: `${window.end}${offset.text}`,
    timezone: offset.hours,
    description: `${BYDAY[window.day - 1]} ${window.start}-${window.end} (${timeZone})${window.end <= window.start ? ', closing the next day' : ''}`,
  }));
}

/** Dated occurrences as schedules that happen once: "2026-12-05 19:00 to 2026-12-05 20:30". */
function datedSchedules(owner: string, occurrences: readonly DatedOccurrence[], stays: boolean, timeZone: string): HsdsSchedule[] {
  return occurrences.map((occurrence, index) => {
    const startsAt = new Date(occurrence.startsAt);
    const local = localOccurrence(startsAt, new Date(occurrence.endsAt), stays, timeZone);
    const offset = utcOffset(timeZone, startsAt);
    const nights = local.nights > 0 ? `, ${local.nights} night${local.nights === 1 ? '' : 's'}` : '';
    return {
      id: derivedId(owner, 'occurrence', String(index)),
      dtstart: local.startDate,
      until: local.endDate,
      count: 1,
      valid_from: local.startDate,
      valid_to: local.endDate,
      opens_at: `${local.start}${offset.text}`,
      closes_at: `${local.end}${offset.text}`,
      timezone: offset.hours,
      description: `${local.startDate} ${local.start} to ${local.endDate} ${local.end} (${timeZone})${nights}`,
    };
  });
}

function terms(offer: MapSlot['offer']): string {
  const parts = [
    offer.discountPercent === undefined ? undefined : `${offer.discountPercent}% off`,
    offer.price === undefined ? undefined : `${offer.price} yuan`,
    offer.description,
  ];
  return parts.filter((part) => part !== undefined && part !== '').join('; ');
}

function organization(id: string, name: string): HsdsService['organization'] {
  return { id, name, description: `${name}: a member of the union's benefit alliance, offering services to workers.` };
}

function location(point: HsdsPoint, offset: { text: string; hours: number }, timeZone: string): HsdsService['service_at_locations'][number]['location'] {
  return {
    id: point.id,
    location_type: 'physical',
    organization_id: point.organizationId,
    name: point.name,
    ...(point.address === null || point.address === '' ? {} : { description: point.address }),
    latitude: point.lat,
    longitude: point.lng,
    accessibility: point.accessibilityFeatures.map((feature) => ({
      id: derivedId(point.id, 'accessibility', feature),
      location_id: point.id,
      description: FEATURE_WORDS[feature],
    })),
    schedules: schedules(point.id, point.openingHours, offset, timeZone),
  };
}

/** Every open service point's standing benefit and every active offer, as one HSDS page of services. */
/** Which services a page holds: the standing member benefits come first, then the offers, each in its order. */
export interface HsdsPageWindow {
  benefits: { offset: number; limit: number };
  offers: { offset: number; limit: number };
  totalItems: number;
}

/** The services of page `page` (from 1) of `perPage`, out of `benefits` member benefits and `offers` offers. */
export function hsdsPageWindow(benefits: number, offers: number, page: number, perPage: number): HsdsPageWindow {
  const from = (page - 1) * perPage;
  const to = from + perPage;
  const clamp = (value: number, max: number) => Math.max(0, Math.min(value, max));
  const benefitFrom = clamp(from, benefits);
  const benefitTo = clamp(to, benefits);
  const offerFrom = clamp(from - benefits, offers);
  const offerTo = clamp(to - benefits, offers);
  return {
    benefits: { offset: benefitFrom, limit: benefitTo - benefitFrom },
    offers: { offset: offerFrom, limit: offerTo - offerFrom },
    totalItems: benefits + offers,
  };
}

/**
 * One page of services: a service per standing member benefit of `benefitPoints` (points whose benefit is
 * blank give none), then one per offer of `slots`, each at its service point (`placeOf`) or, without an
 * open one, at a place of its own. `page`: its number, its size asked, and the services in all pages.
 */
export function hsdsServices(
  benefitPoints: readonly HsdsPoint[],
  slots: readonly HsdsSlot[],
  placeOf: (servicePointId: string) => HsdsPoint | undefined,
  timeZone: string,
  at: Date,
  page: { number: number; perPage: number; totalItems: number },
): HsdsServicePage {
  const offset = utcOffset(timeZone, at);
  const services: HsdsService[] = [];
  for (const point of benefitPoints) {
    const memberBenefit = memberBenefitShown(point.memberBenefit);
    if (memberBenefit === null) continue;
    const id = derivedId(point.id, 'member-benefit');
    services.push({
      id,
      organization_id: point.organizationId,
      name: `${point.name}: member benefit`,
      description: memberBenefit,
      status: 'active',
      eligibility_description: 'For union members.',
      organization: organization(point.organizationId, point.organizationName),
      schedules: [],
      service_at_locations: [{ id: derivedId(id, point.id), service_id: id, location_id: point.id, location: location(point, offset, timeZone) }],
      cost_options: [],
    });
  }
  for (const slot of slots) {
    const point = slot.servicePointId === null ? undefined : placeOf(slot.servicePointId);
    // An offer without an open point is at a place of its own: the offer's.
    const place: HsdsPoint = point ?? {
      id: derivedId(slot.id, 'place'),
      organizationId: slot.organizationId,
      organizationName: slot.organizationName,
      name: slot.title,
      kind: 'other',
      lat: slot.lat,
      lng: slot.lng,
      address: null,
      openingHours: [],
      accessibilityFeatures: slot.accessibilityFeatures,
      memberBenefit: null,
    };
    const described = terms(slot.offer);
    services.push({
      id: slot.id,
      organization_id: slot.organizationId,
      name: slot.title,
      description: described === '' ? slot.title : described,
      status: 'active',
      eligibility_description: `For ${slot.eligibleGroups.map((group) => GROUP_WORDS[group]).join(', ')}; ${slot.capacity} places each time.`,
      organization: organization(slot.organizationId, slot.organizationName),
      schedules: [
        ...schedules(slot.id, slot.windows, offset, timeZone),
        ...datedSchedules(slot.id, slot.occurrences ?? [], occurrencesAreStays(slot.kind), timeZone),
      ],
      service_at_locations: [{ id: derivedId(slot.id, place.id), service_id: slot.id, location_id: place.id, location: location(place, offset, timeZone) }],
      cost_options:
        slot.offer.price === undefined
          ? []
          : [{ id: derivedId(slot.id, 'price'), service_id: slot.id, option: 'Price per visit', currency: 'CNY', amount: slot.offer.price }],
    });
  }
  const totalPages = Math.max(1, Math.ceil(page.totalItems / page.perPage));
  return {
    total_items: page.totalItems,
    total_pages: totalPages,
    page_number: page.number,
    size: services.length,
    first_page: page.number === 1,
    last_page: page.number >= totalPages,
    empty: services.length === 0,
    contents: services,
  };
}
