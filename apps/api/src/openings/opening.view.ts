import type { AccessibilityFeature, GeoPoint, TargetGroup, WeeklyWindow } from '@huigong/domain';
import type { OpeningEntity, OpeningStatus } from '@huigong/persistence/entities';
import type { EntityManager } from 'typeorm';

/** Counts per follow-up status: no people. */
export interface MatchSummary {
  proposed: number;
  contacted: number;
  interested: number;
  interview: number;
  hired: number;
  declined: number;
  no_response: number;
  withdrawn: number;
}

export interface OpeningView {
  id: string;
  status: OpeningStatus;
  title: string;
  skills: string[];
  targetGroups: TargetGroup[];
  location: GeoPoint;
  radiusKm: number;
  shifts: WeeklyWindow[];
  accessibilityFeatures: AccessibilityFeature[];
  positions: number;
  validUntil: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  matchSummary: MatchSummary;
}

const EMPTY_SUMMARY: MatchSummary = {
  proposed: 0, contacted: 0, interested: 0, interview: 0, hired: 0, declined: 0, no_response: 0, withdrawn: 0,
};

export async function matchSummaryOf(manager: EntityManager, openingId: string): Promise<MatchSummary> {
  const rows: { status: keyof MatchSummary; count: string }[] = await manager.query(
    `SELECT status, count(*) AS count FROM matches WHERE opening_id = $1 GROUP BY status`,
    [openingId],
  );
  const summary = { ...EMPTY_SUMMARY };
  for (const row of rows) if (row.status in summary) summary[row.status] = Number(row.count);
  return summary;
}

export function openingView(row: OpeningEntity, matchSummary: MatchSummary = { ...EMPTY_SUMMARY }): OpeningView {
  return {
    id: row.id,
    status: row.status,
    title: row.title,
    skills: row.skills,
    targetGroups: row.targetGroups,
    location: { lat: row.lat, lng: row.lng },
    radiusKm: row.radiusKm,
    shifts: row.shifts,
    accessibilityFeatures: row.accessibilityFeatures,
    positions: row.positions,
    validUntil: row.validUntil?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
    matchSummary,
  };
}
