import { type AccessibilityFeature, OPENING_STATUSES, type OpeningStatus, type TargetGroup } from '@huigong/domain';
import type { OpeningEntity } from '@huigong/persistence';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { AccessibilityProperty, LocationDto, LocationProperty, SkillsProperty, TargetGroupsProperty, WindowDto, WindowsProperty } from '../common/dto';

const COUNT = { type: 'integer', minimum: 0 } as const;

/** Counts per follow-up status: no people. */
@ApiSchema({ name: 'MatchSummary', description: 'How many matches of the opening are in each status: counts, never people.' })
export class MatchSummary {
  @ApiProperty(COUNT)
  proposed: number;

  @ApiProperty(COUNT)
  contacted: number;

  @ApiProperty(COUNT)
  interested: number;

  @ApiProperty(COUNT)
  interview: number;

  @ApiProperty(COUNT)
  hired: number;

  @ApiProperty(COUNT)
  declined: number;

  @ApiProperty(COUNT)
  no_response: number;

  @ApiProperty(COUNT)
  withdrawn: number;
}

@ApiSchema({ name: 'OpeningView', description: 'An opening as its employer sees it, with the funnel of its matches as counts.' })
export class OpeningView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  id: string;

  @ApiProperty({ enum: OPENING_STATUSES, enumName: 'OpeningStatus' })
  status: OpeningStatus;

  @ApiProperty({ type: 'string' })
  title: string;

  @SkillsProperty({ required: true })
  skills: string[];

  @TargetGroupsProperty({ required: true, min: 0, description: 'Empty: open to everyone.' })
  targetGroups: TargetGroup[];

  @LocationProperty()
  location: LocationDto;

  @ApiProperty({ type: 'number' })
  radiusKm: number;

  @WindowsProperty({ required: true, min: 1, max: 50 })
  shifts: WindowDto[];

  @AccessibilityProperty({ required: true })
  accessibilityFeatures: AccessibilityFeature[];

  @ApiProperty({ type: 'integer', minimum: 1 })
  positions: number;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  validUntil: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updatedAt: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  closedAt: string | null;

  @ApiProperty({ type: () => MatchSummary })
  matchSummary: MatchSummary;
}

/** Every status at zero, a new object each time: a summary is counted into in place. */
const emptySummary = (): MatchSummary => ({
  proposed: 0,
  contacted: 0,
  interested: 0,
  interview: 0,
  hired: 0,
  declined: 0,
  no_response: 0,
  withdrawn: 0,
});

/** The summary of an opening's matches, from its counts per status (MatchStore.statusCountsOf). */
export function matchSummaryOf(counts: readonly { status: string; count: number }[]): MatchSummary {
  const summary = emptySummary();
  for (const row of counts) if (row.status in summary) summary[row.status as keyof MatchSummary] = row.count;
  return summary;
}

export function openingView(row: OpeningEntity, matchSummary: MatchSummary = emptySummary()): OpeningView {
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
