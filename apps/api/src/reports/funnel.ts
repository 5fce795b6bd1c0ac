import { Controller, Get, Query } from '@nestjs/common';
import { SENSITIVE_TARGET_GROUPS, TARGET_GROUPS } from '@huigong/domain';
import { CurrentPrincipal, type Principal, Roles } from '@huigong/platform';
import { IsOptional, IsUUID } from 'class-validator';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSchema, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiErrors, ApiKeyAuth, QUERY } from '../docs/operation';

export class FunnelQueryDto {
  @ApiPropertyOptional({ type: 'string', format: 'uuid', description: 'Only this opening.' })
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  openingId?: string;
}

const STAGES = ['proposed', 'contacted', 'interested', 'interview', 'hired'] as const;
type Funnel = Record<(typeof STAGES)[number], number>;

const COUNT = { type: 'integer', minimum: 0 } as const;
const GROUP = { enum: [...TARGET_GROUPS], enumName: 'TargetGroup' } as const;

@ApiSchema({
  name: 'FunnelCounts',
  description: 'How many matches reached each stage (a declined or withdrawn match counts at the furthest stage it reached).',
})
export class FunnelCounts implements Funnel {
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
}

@ApiSchema({ name: 'GroupFunnel' })
export class GroupFunnel {
  @ApiProperty(GROUP)
  group: string;

  @ApiProperty({ type: () => FunnelCounts })
  funnel: FunnelCounts;
}

@ApiSchema({ name: 'OpeningFunnel' })
export class OpeningFunnel {
  @ApiProperty({ type: 'string', format: 'uuid' })
  openingId: string;

  @ApiProperty({ type: 'string' })
  title: string;

  @ApiProperty({ type: 'integer', minimum: 1 })
  positions: number;

  @ApiProperty({ type: () => FunnelCounts })
  funnel: FunnelCounts;

  @ApiProperty({ type: () => GroupFunnel, isArray: true, description: 'Per target group of the people; employers do not see the sensitive groups.' })
  byGroup: GroupFunnel[];
}

@ApiSchema({ name: 'GroupCount' })
export class GroupCount {
  @ApiProperty(GROUP)
  group: string;

  @ApiProperty(COUNT)
  count: number;
}

@ApiSchema({ name: 'StillSeeking', description: 'People registered more than 30 days ago and not hired yet.' })
export class StillSeeking {
  @ApiProperty(COUNT)
  after30Days: number;

  @ApiProperty({ type: () => GroupCount, isArray: true })
  byGroup: GroupCount[];
}

@ApiSchema({ name: 'FunnelReport' })
export class FunnelReport {
  @ApiProperty({ type: () => OpeningFunnel, isArray: true })
  openings: OpeningFunnel[];

  /** Admin only: people registered more than 30 days ago and not hired yet (the union's dynamic tracking). */
  @ApiPropertyOptional({ type: () => StillSeeking, description: "Admin only: the union's dynamic tracking of who is still seeking." })
  stillSeeking?: StillSeeking;
}

/** How far a status is along proposed -> contacted -> interested -> interview -> hired (0: not a stage). */
const STAGE_OF = `CASE %s WHEN 'proposed' THEN 1 WHEN 'contacted' THEN 2 WHEN 'interested' THEN 3 WHEN 'interview' THEN 4 WHEN 'hired' THEN 5 ELSE 0 END`;
const stageOf = (column: string) => STAGE_OF.replace('%s', column);

/** Counts per stage as the query gives them: count(*) is a bigint, which pg hands over as text. */
type StageCounts = Record<(typeof STAGES)[number], string>;

/** A row of the funnel query: one per opening and group, and one per opening with grp null for all its matches. */
type FunnelRow = StageCounts & { opening_id: string; title: string; positions: number; grp: string | null };

function funnelOf(row: Partial<StageCounts>): Funnel {
  return Object.fromEntries(STAGES.map((stage) => [stage, Number(row[stage] ?? 0)])) as Funnel;
}

/**
 * The follow-up funnel per opening and per target group: how many matches reached each stage, counting a
 * declined or withdrawn match at the furthest stage its history shows. Counts only. Employers see their
 * own openings, without the sensitive groups; the union admin sees every opening and who is still seeking.
 */
@ApiTags('reports')
@ApiKeyAuth('admin', 'employer')
@Controller('v1/reports/funnel')
@Roles('admin', 'employer')
export class FunnelReportController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({
    summary: 'The follow-up funnel',
    description:
      'Per opening and per target group, how many matches reached each stage: counts only. Employers see their own openings without the sensitive groups; the admin sees every opening and who is still seeking.',
  })
  @ApiOkResponse({ type: FunnelReport })
  @ApiErrors(QUERY)
  async report(@CurrentPrincipal() caller: Principal, @Query() query: FunnelQueryDto): Promise<FunnelReport> {
    const organizationId = caller.role === 'employer' ? caller.organizationId : null;
    const rows: FunnelRow[] = await this.dataSource.query(
      `WITH reached AS (
         SELECT m.id, m.opening_id, m.candidate_id,
                greatest(1, ${stageOf('m.status')}, coalesce(max(greatest(${stageOf('h.to_status')}, ${stageOf('h.from_status')})), 0)) AS stage
           FROM matches m
           JOIN openings o ON o.id = m.opening_id
           LEFT JOIN match_status_history h ON h.match_id = m.id
          WHERE ($1::uuid IS NULL OR o.organization_id = $1) AND ($2::uuid IS NULL OR o.id = $2)
          GROUP BY m.id),
       per_group AS (
         SELECT r.opening_id, g AS grp, r.stage FROM reached r JOIN candidates c ON c.id = r.candidate_id, unnest(c.groups) AS g
         UNION ALL
         SELECT r.opening_id, NULL, r.stage FROM reached r)
       SELECT o.id AS opening_id, o.title, o.positions, p.grp,
              count(*) FILTER (WHERE p.stage >= 1) AS proposed, count(*) FILTER (WHERE p.stage >= 2) AS contacted,
              count(*) FILTER (WHERE p.stage >= 3) AS interested, count(*) FILTER (WHERE p.stage >= 4) AS interview,
              count(*) FILTER (WHERE p.stage >= 5) AS hired
         FROM per_group p JOIN openings o ON o.id = p.opening_id
        GROUP BY o.id, o.title, o.positions, p.grp
        ORDER BY o.id, p.grp NULLS FIRST`,
      [organizationId, query.openingId ?? null],
    );
    const openings = new Map<string, FunnelReport['openings'][number]>();
    for (const row of rows) {
      let opening = openings.get(row.opening_id);
      if (opening === undefined) {
        opening = { openingId: row.opening_id, title: row.title, positions: row.positions, funnel: funnelOf({}), byGroup: [] };
        openings.set(row.opening_id, opening);
      }
      if (row.grp === null) opening.funnel = funnelOf(row);
      else if (caller.role === 'admin' || !SENSITIVE_TARGET_GROUPS.has(row.grp as never)) opening.byGroup.push({ group: row.grp, funnel: funnelOf(row) });
    }
    const report: FunnelReport = { openings: [...openings.values()] };
    if (caller.role === 'admin') {
      const seeking: { grp: string | null; count: string }[] = await this.dataSource.query(
        `WITH seeking AS (
           SELECT c.id, c.groups FROM candidates c
            WHERE c.status = 'active' AND c.created_at < now() - interval '30 days'
              AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.candidate_id = c.id AND m.status = 'hired'))
         SELECT NULL AS grp, count(*) AS count FROM seeking
         UNION ALL
         SELECT g, count(*) FROM seeking, unnest(groups) AS g GROUP BY g
         ORDER BY grp NULLS FIRST`,
      );
      report.stillSeeking = {
        after30Days: Number(seeking.find((row) => row.grp === null)?.count ?? 0),
        byGroup: seeking.filter((row) => row.grp !== null).map((row) => ({ group: row.grp as string, count: Number(row.count) })),
      };
    }
    return report;
  }
}
