import type { AccessibilityFeature } from './accessibility';
import { type GeoPoint, distanceKm } from './geo';
import type { SlotKind } from './organization';
import { type DatedOccurrence, occurrencesAreStays, stillOffered } from './dated-occurrence';
import { type OpenSpan, type ServicePointKind, memberBenefitShown, openSpan, walkingMinutes } from './service-point';
import type { TargetGroup } from './target-group';
import type { WeeklyWindow } from './weekly-window';

/*
 * The benefit map (惠工地图): what a member finds near a place. Service points with their standing benefit
 * and the offers published at them, and offers published without a point, nearest first. Offers and
 * places only: nothing about any person.
 */

export interface MapPoint {
  id: string;
  organizationName: string;
  name: string;
  kind: ServicePointKind;
  lat: number;
  lng: number;
  address: string | null;
  openingHours: readonly WeeklyWindow[];
  accessibilityFeatures: readonly AccessibilityFeature[];
  memberBenefit: string | null;
}

export interface MapSlot {
  id: string;
  servicePointId: string | null;
  organizationName: string;
  title: string;
  kind: SlotKind;
  eligibleGroups: readonly TargetGroup[];
  windows: readonly WeeklyWindow[];
  /** Dated occurrences (sessions; stays of a lodging slot); absent: none. */
  occurrences?: readonly DatedOccurrence[];
  capacity: number;
  offer: { discountPercent?: number; price?: number; description?: string };
  lat: number;
  lng: number;
  radiusKm: number;
  accessibilityFeatures: readonly AccessibilityFeature[];
}

export interface MapQuery {
  near: GeoPoint;
  radiusKm: number;
  /** Only offers for this group (and places with a standing benefit, which is for every member). */
  group?: TargetGroup;
  kind?: ServicePointKind;
  at: Date;
  timeZone: string;
}

export interface MapOffer {
  slotId: string;
  title: string;
  kind: SlotKind;
  offer: MapSlot['offer'];
  eligibleGroups: TargetGroup[];
  seatsPerOccurrence: number;
  /** The running or next occurrence. */
  availableNow: boolean;
  next: { start: string; end: string } | null;
}

export interface MapPlace {
  /** The service point; null for an offer published without one (then the place is the offer's). */
  servicePointId: string | null;
  name: string;
  organizationName: string;
  kind: ServicePointKind | null;
  location: GeoPoint;
  address: string | null;
  distanceKm: number;
  walkingMinutes: number;
  memberBenefit: string | null;
  accessibilityFeatures: AccessibilityFeature[];
  /** Null when its hours are not known. */
  openNow: boolean | null;
  opens: { start: string; end: string } | null;
  offers: MapOffer[];
}

const round2 = (value: number) => Math.round(value * 100) / 100;

/**
 * The running or next occurrence of a slot: of its weekly windows (openSpan) and of its dated occurrences
 * still offered (a session until it ends, a stay until check-in), whichever comes first.
 */
function nextOccurrence(slot: MapSlot, at: Date, timeZone: string): OpenSpan | null {
  let next = openSpan(slot.windows, at, timeZone);
  const stays = occurrencesAreStays(slot.kind);
  for (const occurrence of slot.occurrences ?? []) {
    const start = new Date(occurrence.startsAt);
    const end = new Date(occurrence.endsAt);
    if (!stillOffered({ startsAt: start, endsAt: end }, stays, at)) continue;
    if (next === null || start < next.start) next = { openNow: start <= at, start, end };
  }
  return next;
}

function mapOffer(slot: MapSlot, query: MapQuery): MapOffer {
  const span = nextOccurrence(slot, query.at, query.timeZone);
  return {
    slotId: slot.id,
    title: slot.title,
    kind: slot.kind,
    offer: slot.offer,
    eligibleGroups: [...slot.eligibleGroups],
    seatsPerOccurrence: slot.capacity,
    availableNow: span?.openNow ?? false,
    next: span === null ? null : { start: span.start.toISOString(), end: span.end.toISOString() },
  };
}

/**
 * The places within `radiusKm` of the place asked, nearest first (ties by name). An offer is shown where
 * the place asked is within its own reach too (its radius): the merchant offers it that far and no further.
 */
export function benefitMap(points: readonly MapPoint[], slots: readonly MapSlot[], query: MapQuery): MapPlace[] {
  const reaches = (slot: MapSlot) => {
    const km = distanceKm(query.near, slot);
    return km <= query.radiusKm && km <= slot.radiusKm && (query.group === undefined || slot.eligibleGroups.includes(query.group));
  };
  const offersAt = new Map<string, MapSlot[]>();
  const lone: MapSlot[] = [];
  for (const slot of slots) {
    if (!reaches(slot)) continue;
    if (slot.servicePointId === null) lone.push(slot);
    else offersAt.set(slot.servicePointId, [...(offersAt.get(slot.servicePointId) ?? []), slot]);
  }
  const places: MapPlace[] = [];
  for (const point of points) {
    if (query.kind !== undefined && point.kind !== query.kind) continue;
    const km = distanceKm(query.near, point);
    if (km > query.radiusKm) continue;
    const offers = (offersAt.get(point.id) ?? []).map((slot) => mapOffer(slot, query));
    // With a group asked for, a point shows if it has an offer for the group or a benefit for every member.
    const memberBenefit = memberBenefitShown(point.memberBenefit);
    if (query.group !== undefined && offers.length === 0 && memberBenefit === null) continue;
    const span = openSpan(point.openingHours, query.at, query.timeZone);
    places.push({
      servicePointId: point.id,
      name: point.name,
      organizationName: point.organizationName,
      kind: point.kind,
      location: { lat: point.lat, lng: point.lng },
      address: point.address,
      distanceKm: round2(km),
      walkingMinutes: walkingMinutes(km),
      memberBenefit,
      accessibilityFeatures: [...point.accessibilityFeatures],
      openNow: span === null ? null : span.openNow,
      opens: span === null ? null : { start: span.start.toISOString(), end: span.end.toISOString() },
      offers: offers.sort((a, b) => (a.next?.start ?? '').localeCompare(b.next?.start ?? '') || a.title.localeCompare(b.title)),
    });
  }
  // An offer without a point is a place of its own (never with a kind asked for: it has no point's kind).
  if (query.kind === undefined) {
    for (const slot of lone) {
      const km = distanceKm(query.near, slot);
      const offer = mapOffer(slot, query);
      places.push({
        servicePointId: null,
        name: slot.title,
        organizationName: slot.organizationName,
        kind: null,
        location: { lat: slot.lat, lng: slot.lng },
        address: null,
        distanceKm: round2(km),
        walkingMinutes: walkingMinutes(km),
        memberBenefit: null,
        accessibilityFeatures: [...slot.accessibilityFeatures],
        openNow: offer.availableNow,
        opens: offer.next,
        offers: [offer],
      });
    }
  }
  return places.sort((a, b) => a.distanceKm - b.distanceKm || a.name.localeCompare(b.name));
}
