import type { AccessibilityFeature, GeoPoint, SlotKind, TargetGroup, WeeklyWindow } from '@huigong/domain';
import type { SlotEntity, SlotOfferTerms, SlotStatus } from '@huigong/persistence/entities';
import type { EntityManager } from 'typeorm';

export interface OfferSummary {
  offered: number;
  redeemed: number;
}

export interface SlotView {
  id: string;
  status: SlotStatus;
  title: string;
  kind: SlotKind;
  eligibleGroups: TargetGroup[];
  windows: WeeklyWindow[];
  capacity: number;
  offer: SlotOfferTerms;
  location: GeoPoint;
  radiusKm: number;
  accessibilityFeatures: AccessibilityFeature[];
  validUntil: string | null;
  createdAt: string;
  updatedAt: string;
  withdrawnAt: string | null;
  offerSummary: OfferSummary;
}

export async function offerSummaryOf(manager: EntityManager, slotId: string): Promise<OfferSummary> {
  const [row]: { offered: string; redeemed: string }[] = await manager.query(
    `SELECT count(*) AS offered, count(*) FILTER (WHERE status = 'redeemed') AS redeemed FROM matches WHERE slot_id = $1`,
    [slotId],
  );
  return { offered: Number(row.offered), redeemed: Number(row.redeemed) };
}

export function slotView(row: SlotEntity, offerSummary: OfferSummary = { offered: 0, redeemed: 0 }): SlotView {
  return {
    id: row.id,
    status: row.status,
    title: row.title,
    kind: row.kind,
    eligibleGroups: row.eligibleGroups,
    windows: row.windows,
    capacity: row.capacity,
    offer: row.offer,
    location: { lat: row.lat, lng: row.lng },
    radiusKm: row.radiusKm,
    accessibilityFeatures: row.accessibilityFeatures,
    validUntil: row.validUntil?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    withdrawnAt: row.withdrawnAt?.toISOString() ?? null,
    offerSummary,
  };
}
