import { Injectable } from '@nestjs/common';
import { type GeoPoint, KM_PER_DEGREE, type WeeklyWindow, distanceKm, hsdsPageWindow, memberBenefitShown } from '@huigong/domain';
import type { EntityManager } from 'typeorm';
import type { ServicePointEntity } from './entities/service-point.entity';
import type { SlotEntity } from './entities/slot.entity';
import { activeSlotSql } from './match-store';

/** An active slot near a place, with the name of the organization that publishes it. */
export type NearbySlot = Pick<
  SlotEntity,
  | 'id'
  | 'servicePointId'
  | 'title'
  | 'kind'
  | 'eligibleGroups'
  | 'windows'
  | 'occurrences'
  | 'capacity'
  | 'offer'
  | 'lat'
  | 'lng'
  | 'radiusKm'
  | 'accessibilityFeatures'
  | 'validUntil'
> & { organizationId: string; organizationName: string };

export type ServicePointWithOrganization = ServicePointEntity & { organizationName: string };

const POINT_COLUMNS = `p.id, p.organization_id AS "organizationId", p.status, p.name, p.kind, p.lat, p.lng, p.address, p.opening_hours AS "openingHours",
  p.accessibility_features AS "accessibilityFeatures", p.member_benefit AS "memberBenefit", p.revision, p.created_at AS "createdAt",
  p.updated_at AS "updatedAt", p.closed_at AS "closedAt", o.name AS "organizationName"`;
const SLOT_COLUMNS = `s.id, s.organization_id AS "organizationId", s.service_point_id AS "servicePointId", s.title, s.kind, s.eligible_groups AS "eligibleGroups", s.windows, s.occurrences, s.capacity, s.offer,
  s.lat, s.lng, s.radius_km AS "radiusKm", s.accessibility_features AS "accessibilityFeatures", s.valid_until AS "validUntil", o.name AS "organizationName"`;

/** The box of latitudes and longitudes around a place that holds every point within `radiusKm` of it. */
function boxAround(center: GeoPoint, radiusKm: number): { latMin: number; latMax: number; lngMin: number; lngMax: number } {
  const dLat = radiusKm / KM_PER_DEGREE;
  const cos = Math.cos((center.lat * Math.PI) / 180);
  // Near a pole every longitude is close: the box spans them all.
  const dLng = cos < 1e-6 ? 360 : radiusKm / (KM_PER_DEGREE * cos);
  return { latMin: center.lat - dLat, latMax: center.lat + dLat, lngMin: center.lng - dLng, lngMax: center.lng + dLng };
}

/**
 * The rows of `alias` inside the box of boxAround, given as the parameters $1 to $4 (latMin, latMax, lngMin,
 * lngMax): a box that crosses the antimeridian is matched on both sides.
 */
function inBox(alias: string): string {
  return `${alias}.lat BETWEEN $1 AND $2 AND (${alias}.lng BETWEEN $3 AND $4 OR ${alias}.lng BETWEEN $3 - 360 AND $4 - 360 OR ${alias}.lng BETWEEN $3 + 360 AND $4 + 360)`;
}

/** Reads of service points and the offers around a place: the benefit map and the open-data export. */
@Injectable()
export class ServicePointStore {
  /**
   * Open service points and active slots in the box around a place (the caller keeps those truly within the
   * radius, by the great-circle distance). Bounded: a box holds at most `limit` of each, nearest the centre
   * of the box first.
   */
  async near(
    manager: EntityManager,
    center: GeoPoint,
    radiusKm: number,
    limit: number,
  ): Promise<{ points: ServicePointWithOrganization[]; slots: NearbySlot[] }> {
    const box = boxAround(center, radiusKm);
    const order = (alias: string) => `(${alias}.lat - $5) ^ 2 + (${alias}.lng - $6) ^ 2`;
    const parameters = [box.latMin, box.latMax, box.lngMin, box.lngMax, center.lat, center.lng, limit];
    const points: ServicePointWithOrganization[] = await manager.query(
      `SELECT ${POINT_COLUMNS} FROM service_points p JOIN organizations o ON o.id = p.organization_id
        WHERE p.status = 'open' AND ${inBox('p')} ORDER BY ${order('p')} LIMIT $7`,
      parameters,
    );
    const slots: NearbySlot[] = await manager.query(
      `SELECT ${SLOT_COLUMNS} FROM slots s JOIN organizations o ON o.id = s.organization_id
        WHERE ${activeSlotSql('s')} AND ${inBox('s')} ORDER BY ${order('s')} LIMIT $7`,
      parameters,
    );
    return { points, slots };
  }

  /**
   * One page of the open-data export (libs/domain's hsdsPageWindow): the open points whose standing benefit
   * is shown, then the active slots, each in the order they were created. Reads the open points' benefits
   * (two columns) to count and order them, then only the rows of the page and the points its slots are at.
   */
  async hsdsPage(
    manager: EntityManager,
    page: number,
    perPage: number,
  ): Promise<{ benefitPoints: ServicePointWithOrganization[]; slots: NearbySlot[]; places: ServicePointWithOrganization[]; totalItems: number }> {
    const withBenefits: { id: string; memberBenefit: string | null }[] = await manager.query(
      `SELECT id, member_benefit AS "memberBenefit" FROM service_points WHERE status = 'open' ORDER BY created_at, id`,
    );
    const benefitIds = withBenefits.filter((row) => memberBenefitShown(row.memberBenefit) !== null).map((row) => row.id);
    const [{ offers }]: { offers: number }[] = await manager.query(`SELECT count(*)::int AS offers FROM slots s WHERE ${activeSlotSql('s')}`);
    const window = hsdsPageWindow(benefitIds.length, offers, page, perPage);
    const pageIds = benefitIds.slice(window.benefits.offset, window.benefits.offset + window.benefits.limit);
    const benefitPoints = pageIds.length === 0 ? [] : await this.openPoints(manager, pageIds);
    const slots: NearbySlot[] =
      window.offers.limit === 0
        ? []
        : await manager.query(
            `SELECT ${SLOT_COLUMNS} FROM slots s JOIN organizations o ON o.id = s.organization_id
              WHERE ${activeSlotSql('s')} ORDER BY s.created_at, s.id OFFSET $1 LIMIT $2`,
            [window.offers.offset, window.offers.limit],
          );
    const placeIds = [...new Set(slots.flatMap((slot) => (slot.servicePointId === null ? [] : [slot.servicePointId])))];
    const places = placeIds.length === 0 ? [] : await this.openPoints(manager, placeIds);
    return { benefitPoints, slots, places, totalItems: window.totalItems };
  }

  /**
   * The breaks of the people who may be offered something at a place: active, consenting to benefit offers,
   * within `radiusKm` and their own travel limit (the box is read, the great circle kept). Windows only.
   */
  async breaksNear(manager: EntityManager, center: GeoPoint, radiusKm: number): Promise<WeeklyWindow[][]> {
    const box = boxAround(center, radiusKm);
    const rows: { lat: number; lng: number; maxTravelKm: number | null; breaks: WeeklyWindow[] }[] = await manager.query(
      `SELECT c.lat, c.lng, c.max_travel_km AS "maxTravelKm", c.breaks FROM candidates c
        WHERE c.status = 'active' AND c.consent_benefits AND ${inBox('c')} AND jsonb_array_length(c.breaks) > 0`,
      [box.latMin, box.latMax, box.lngMin, box.lngMax],
    );
    return rows
      .filter((row) => {
        const km = distanceKm(center, { lat: row.lat, lng: row.lng });
        return km <= radiusKm && (row.maxTravelKm === null || km <= row.maxTravelKm);
      })
      .map((row) => row.breaks);
  }

  /** The active slots of a service point with their offers made and redeemed (all time): counts only. */
  slotUptakeAt(
    manager: EntityManager,
    servicePointId: string,
  ): Promise<{ slotId: string; title: string; windows: WeeklyWindow[]; offered: number; redeemed: number }[]> {
    return manager.query(
      `SELECT s.id AS "slotId", s.title, s.windows,
              (SELECT count(*)::int FROM matches m WHERE m.slot_id = s.id) AS offered,
              (SELECT count(*)::int FROM matches m WHERE m.slot_id = s.id AND m.status = 'redeemed') AS redeemed
         FROM slots s WHERE s.service_point_id = $1 AND ${activeSlotSql('s')} ORDER BY s.created_at, s.id`,
      [servicePointId],
    );
  }

  /** Open points by id, in the order they were created. */
  private openPoints(manager: EntityManager, ids: readonly string[]): Promise<ServicePointWithOrganization[]> {
    return manager.query(
      `SELECT ${POINT_COLUMNS} FROM service_points p JOIN organizations o ON o.id = p.organization_id
        WHERE p.id = ANY($1::uuid[]) AND p.status = 'open' ORDER BY p.created_at, p.id`,
      [ids],
    );
  }
}
