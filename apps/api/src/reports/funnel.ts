import { Controller, Get, Query } from '@nestjs/common';
import { FUNNEL_STAGES, type FunnelStage, SENSITIVE_TARGET_GROUPS, TARGET_GROUPS } from '@huigong/domain';
import { ReportStore } from '@huigong/persistence';
import { CurrentPrincipal, type Principal, Roles } from '@huigong/platform';
import { IsOptional, IsUUID } from 'class-validator';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSchema, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiKeyAuth, QUERY } from '../docs/operation';

export class FunnelQueryDto {
  @ApiPropertyOptional({ type: 'string', format: 'uuid', description: 'Only this opening.' })
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  openingId?: string;
}

type Funnel = Record<FunnelStage | 'retained30' | 'retained90', number>;

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

  @ApiProperty({ ...COUNT, description: 'Hires checked as retained 30 days on.' })
  retained30: number;

  @ApiProperty({ ...COUNT, description: 'Hires checked as retained 90 days on.' })
  retained90: number;
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

/** The counts of FUNNEL_STAGES, in its order, by stage name (none is 0), and the hires retained. */
function funnelOf(row?: { reached: readonly number[]; retained30: number; retained90: number }): Funnel {
  const stages = Object.fromEntries(FUNNEL_STAGES.map((stage, index) => [stage, row?.reached[index] ?? 0])) as Record<FunnelStage, number>;
  return { ...stages, retained30: row?.retained30 ?? 0, retained90: row?.retained90 ?? 0 };
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
  constructor(private readonly reports: ReportStore) {}

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
    const rows = await this.reports.funnel({ organizationId, openingId: query.openingId ?? null });
    const openings = new Map<string, FunnelReport['openings'][number]>();
    for (const row of rows) {
      let opening = openings.get(row.openingId);
      if (opening === undefined) {
        opening = { openingId: row.openingId, title: row.title, positions: row.positions, funnel: funnelOf(), byGroup: [] };
        openings.set(row.openingId, opening);
      }
      if (row.group === null) opening.funnel = funnelOf(row);
      else if (caller.role === 'admin' || !SENSITIVE_TARGET_GROUPS.has(row.group as never)) opening.byGroup.push({ group: row.group, funnel: funnelOf(row) });
    }
    const report: FunnelReport = { openings: [...openings.values()] };
    if (caller.role === 'admin') {
      const seeking = await this.reports.stillSeeking();
      report.stillSeeking = {
        after30Days: seeking.find((row) => row.group === null)?.count ?? 0,
        byGroup: seeking.filter((row) => row.group !== null).map((row) => ({ group: row.group as string, count: row.count })),
      };
    }
    return report;
  }
}
