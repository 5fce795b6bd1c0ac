import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { SlotOfferRow } from './matching-profiles';
import { activeSlotSql } from './match-store';

/** A service point a person stands by for. */
export interface StandbyPoint {
  servicePointId: string;
  name: string;
  since: Date;
}

/** An active slot at an open service point that someone stands by for: what the engine sees of it (slotOffer), and its point. */
export type StandbySlot = SlotOfferRow & { servicePointId: string };

/**
 * The standby pool (`standby_enrolments`): who stands by for the slots of which service point, and what the
 * standby sweep reads to offer an occurrence's free seats at the last minute. Ids only: the people's rows
 * are read by MatchStore.candidates.
 */
@Injectable()
export class StandbyStore {
  /** Puts a person on standby for a point; false when they stood by for it already (nothing changes). */
  async enrol(manager: EntityManager, entry: { candidateId: string; servicePointId: string; caseworkerId: string }): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO standby_enrolments (candidate_id, service_point_id, caseworker_id) VALUES ($1, $2, $3)
       ON CONFLICT (candidate_id, service_point_id) DO NOTHING RETURNING candidate_id`,
      [entry.candidateId, entry.servicePointId, entry.caseworkerId],
    );
    return rows.length > 0;
  }

  /** Takes a person off standby for a point; false when they did not stand by for it. */
  async leave(manager: EntityManager, candidateId: string, servicePointId: string): Promise<boolean> {
    const rows: unknown[] = await manager.query(`DELETE FROM standby_enrolments WHERE candidate_id = $1 AND service_point_id = $2 RETURNING candidate_id`, [
      candidateId,
      servicePointId,
    ]);
    return rows.length > 0;
  }

  /** Every point a person stands by for (erasure: all of them go). */
  async leaveAll(manager: EntityManager, candidateId: string): Promise<void> {
    await manager.query(`DELETE FROM standby_enrolments WHERE candidate_id = $1`, [candidateId]);
  }

  /** The points a person stands by for, oldest first. */
  async pointsOf(manager: EntityManager, candidateId: string): Promise<StandbyPoint[]> {
    return manager.query(
      `SELECT e.service_point_id AS "servicePointId", p.name, e.created_at AS since
         FROM standby_enrolments e JOIN service_points p ON p.id = e.service_point_id
        WHERE e.candidate_id = $1 ORDER BY e.created_at, e.service_point_id`,
      [candidateId],
    );
  }

  /** Active slots at open service points that at least one person stands by for. */
  async slotsWithStandby(manager: EntityManager): Promise<StandbySlot[]> {
    return manager.query(
      `SELECT s.id, s.status, s.kind, s.eligible_groups AS "eligibleGroups", s.lat, s.lng, s.radius_km AS "radiusKm", s.windows, s.occurrences,
              s.dated_offers_until AS "datedOffersUntil", s.accessibility_features AS "accessibilityFeatures", s.capacity, s.valid_until AS "validUntil",
              s.service_point_id AS "servicePointId"
         FROM slots s JOIN service_points p ON p.id = s.service_point_id AND p.status = 'open'
        WHERE ${activeSlotSql('s')} AND EXISTS (SELECT 1 FROM standby_enrolments e WHERE e.service_point_id = s.service_point_id)`,
    );
  }

  /** The people standing by for each of these points (ids; whether they may be offered anything is judged on their rows). */
  async standingBy(manager: EntityManager, servicePointIds: readonly string[]): Promise<Map<string, string[]>> {
    const rows: { service_point_id: string; candidate_id: string }[] = await manager.query(
      `SELECT service_point_id, candidate_id FROM standby_enrolments WHERE service_point_id = ANY($1::uuid[]) ORDER BY candidate_id`,
      [servicePointIds],
    );
    const byPoint = new Map<string, string[]>();
    for (const row of rows) byPoint.set(row.service_point_id, [...(byPoint.get(row.service_point_id) ?? []), row.candidate_id]);
    return byPoint;
  }

  /** Offers delivered to each of these people since `since` (the worker budget's count of the day); none: absent. */
  async offersDeliveredSince(manager: EntityManager, candidateIds: readonly string[], since: Date): Promise<Map<string, number>> {
    if (candidateIds.length === 0) return new Map();
    const rows: { id: string; n: number }[] = await manager.query(
      `SELECT n.recipient_id AS id, count(*)::int AS n
         FROM notifications n JOIN notification_deliveries d ON d.notification_id = n.id
        WHERE n.recipient_kind = 'candidate' AND n.recipient_id = ANY($1::uuid[]) AND n.type = 'offer'
          AND d.status = 'delivered' AND d.delivered_at >= $2
        GROUP BY n.recipient_id`,
      [candidateIds, since],
    );
    return new Map(rows.map((row) => [row.id, row.n]));
  }
}
