import { Controller, Get, Query } from '@nestjs/common';
import { CandidateStore } from '@huigong/persistence';
import { CurrentPrincipal, type PrincipalOf, Roles } from '@huigong/platform';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiSchema, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail';
import { QueryIntegerParam } from '../common/dto';
import { ApiErrors, ApiKeyAuth, QUERY } from '../docs/operation';

const DAY_MS = 86_400_000;

export class SeekersQueryDto {
  @QueryIntegerParam({ min: 1, max: 500, default: 100, description: 'How many people, longest waiting first.' })
  limit?: number;

  @QueryIntegerParam({ min: 0, max: 1_000_000, default: 0, description: 'How many to skip: the next page starts at offset + limit.' })
  offset?: number;
}

@ApiSchema({ name: 'Seeker', description: 'One of your people still seeking work.' })
export class SeekerView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  candidateId: string;

  @ApiProperty({ type: 'string' })
  displayName: string;

  @ApiProperty({ type: 'string', format: 'date-time', description: 'Registered (waiting since).' })
  waitingSince: string;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Whole days waiting.' })
  daysWaiting: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Job matches in progress: proposed, contacted, interested or interview.' })
  matchesInProgress: number;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'When you last recorded a step of one of their matches; null: never.' })
  lastContactAt: string | null;
}

/** The caseworker's worklist: their own people still seeking work, longest waiting first. */
@ApiTags('caseworkers')
@ApiKeyAuth('caseworker')
@Controller('v1/caseworkers/me')
@Roles('caseworker')
export class WorklistController {
  constructor(
    private readonly candidates: CandidateStore,
    private readonly dataSource: DataSource,
    private readonly audit: AuditTrail,
  ) {}

  @Get('seekers')
  @ApiOperation({
    summary: 'Your people still seeking work',
    description: 'Longest waiting first, with days waiting, job matches in progress and your last recorded contact. Employed people are not listed.',
  })
  @ApiOkResponse({ type: SeekerView, isArray: true })
  @ApiErrors(QUERY)
  async seekers(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>, @Query() query: SeekersQueryDto): Promise<SeekerView[]> {
    const now = Date.now();
    const rows = await this.candidates.seekersOf(this.dataSource.manager, caller.caseworkerId, { limit: query.limit ?? 100, offset: query.offset ?? 0 });
    this.audit.noteReads(
      caller,
      rows.map((row) => row.candidateId),
      'worklist',
    );
    return rows.map((row) => ({
      candidateId: row.candidateId,
      displayName: row.displayName,
      waitingSince: row.waitingSince.toISOString(),
      daysWaiting: Math.max(0, Math.floor((now - row.waitingSince.getTime()) / DAY_MS)),
      matchesInProgress: row.matchesInProgress,
      lastContactAt: row.lastContactAt === null ? null : row.lastContactAt.toISOString(),
    }));
  }
}
