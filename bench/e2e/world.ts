/**
 * The people and offers the end-to-end benchmark sends, as API v1 bodies: bench:match's city (`../city.ts`,
 * the same seed, so the same shapes of people and openings the engine was measured on), written the way a
 * caseworker, an employer or a merchant would post them. People belong to the caseworker desk nearest to
 * them, as a community's people do, so an opening's shortlist reaches a few desks, not every one.
 */
import type { CandidateBody, OpeningBody, Point, SlotBody } from '../../demo/scenarios';
import { City } from '../city';

/** The city of bench:match. */
export const CITY_SEED = 20261124;
/** A seed of its own for the desks' places, so that adding desks does not move the people. */
const DESK_SEED = 7;

/** A candidate as API v1 takes it; without `maxTravelKm` the person sets no limit of their own. */
export type PersonBody = Omit<CandidateBody, 'maxTravelKm'> & { maxTravelKm?: number };

export interface Person {
  body: PersonBody;
  /** Index of the desk (caseworker) that registers this person. */
  desk: number;
}

const SLOT_KINDS = ['meal', 'haircut', 'repair', 'other'] as const;

/**
 * An endless, deterministic stream of people, openings and slots. Each kind has a stream of its own, so
 * the people of one phase do not change with the number of openings posted before it.
 */
export class World {
  private readonly people: City;
  private readonly offers: City;
  private readonly deskPlaces: Point[];
  private personIndex = 0;
  private openingIndex = 0;
  private slotIndex = 0;
  private readonly now = Date.now();

  constructor(readonly desks: number) {
    this.people = new City(CITY_SEED);
    this.offers = new City(CITY_SEED + 1);
    const deskCity = new City(DESK_SEED);
    this.deskPlaces = Array.from({ length: desks }, () => deskCity.place());
  }

  /** The desk nearest to a place (flat-earth distance is enough to choose). */
  deskOf(place: Point): number {
    let best = 0;
    let bestDistance = Infinity;
    const cos = Math.cos((place.lat * Math.PI) / 180);
    for (const [index, desk] of this.deskPlaces.entries()) {
      const dLat = desk.lat - place.lat;
      const dLng = (desk.lng - place.lng) * cos;
      const distance = dLat * dLat + dLng * dLng;
      if (distance < bestDistance) {
        bestDistance = distance;
        best = index;
      }
    }
    return best;
  }

  person(): Person {
    const n = ++this.personIndex;
    const profile = this.people.person(n, this.now);
    const location = round(profile.location);
    const body: PersonBody = {
      displayName: `Person ${n}`,
      externalRef: `E2E-${String(n).padStart(7, '0')}`,
      phone: `+86 138 ${String(n % 10_000).padStart(4, '0')} ${String(Math.floor(n / 10_000) % 10_000).padStart(4, '0')}`,
      groups: [...profile.groups],
      skills: [...profile.skills],
      location,
      // The city leaves half of the people without a limit of their own: the field is left out for them.
      ...(profile.maxTravelKm === null ? {} : { maxTravelKm: profile.maxTravelKm }),
      availability: [...profile.availability],
      breaks: [...profile.breaks],
      accessibilityNeeds: [...profile.accessibilityNeeds],
      consent: { contact: profile.consentJobs },
    };
    return { body, desk: this.deskOf(location) };
  }

  opening(): OpeningBody {
    const n = ++this.openingIndex;
    const offer = this.offers.opening(n);
    return {
      title: `Opening ${n}`,
      skills: [...offer.skills],
      targetGroups: [...offer.targetGroups],
      location: round(offer.location),
      radiusKm: offer.radiusKm,
      shifts: [...offer.shifts],
      accessibilityFeatures: [...offer.accessibilityFeatures],
      positions: offer.positions,
    };
  }

  slot(): SlotBody {
    const n = ++this.slotIndex;
    const offer = this.offers.slot(n);
    return {
      title: `Slot ${n}`,
      kind: SLOT_KINDS[n % SLOT_KINDS.length],
      eligibleGroups: [...offer.eligibleGroups],
      windows: [...offer.windows],
      capacity: offer.capacity,
      offer: { discountPercent: 20 },
      location: round(offer.location),
      radiusKm: offer.radiusKm,
      accessibilityFeatures: [...offer.accessibilityFeatures],
    };
  }
}

function round(point: Point): Point {
  return { lat: Math.round(point.lat * 1e5) / 1e5, lng: Math.round(point.lng * 1e5) / 1e5 };
}
