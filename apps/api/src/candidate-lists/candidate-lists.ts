import { Controller, Get } from '@nestjs/common';
import { MatchStore } from '@huigong/persistence';
import { CurrentPrincipal, type PrincipalOf, Roles } from '@huigong/platform';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiSchema, ApiTags } from '@nestjs/swagger';
import { AuditTrail } from '../audit/audit-trail';
import { MATCH_STATUSES } from '../common/match-status';
import { ApiKeyAuth } from '../docs/operation';
import { unionRef } from '../docs/tagged-unions';

@ApiSchema({ name: 'CandidateListEntry', description: 'One of your candidates matched to the offer.' })
export class CandidateListEntry {
  @ApiProperty({ type: 'string', format: 'uuid' })
  matchId: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  candidateId: string;

  @ApiProperty({ type: 'string' })
  displayName: string;

  @ApiProperty({ type: 'number', minimum: 0, maximum: 1 })
  score: number;

  @ApiProperty({ type: 'array', items: unionRef('MatchReason'), description: 'The figures behind the score.' })
  reasons: unknown[];

  @ApiProperty({ enum: MATCH_STATUSES, enumName: 'MatchStatus' })
  status: string;

  @ApiProperty({ type: 'boolean', description: 'The person asked for this job themselves (an intent at a job fair): such leads come first.' })
  selfDeclared: boolean;
}

@ApiSchema({ name: 'CandidateList', description: "An offer and the caller's own candidates matched to it, best first." })
export class CandidateListView {
  @ApiProperty({ enum: ['opening', 'slot'], enumName: 'OfferKind' })
  kind: 'opening' | 'slot';

  @ApiProperty({ type: 'string', format: 'uuid' })
  offerId: string;

  @ApiProperty({ type: 'string' })
  title: string;

  @ApiProperty({ type: () => CandidateListEntry, isArray: true })
  matches: CandidateListEntry[];
}

/** A caseworker's own candidates, per offer, best first. Withdrawn matches and erased people are left out. */
@ApiTags('matches')
@ApiKeyAuth('caseworker')
@Controller('v1/candidate-lists')
@Roles('caseworker')
export class CandidateListsController {
  constructor(
    private readonly matches: MatchStore,
    private readonly audit: AuditTrail,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Your candidate lists',
    description:
      'Per offer, your own candidates matched to it, best first (those who asked for the job themselves at a job fair before the others), with score, reasons and status; withdrawn matches and erased people are left out.',
  })
  @ApiOkResponse({ type: CandidateListView, isArray: true })
  async list(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>): Promise<CandidateListView[]> {
    const rows = await this.matches.candidateLists({ caseworkerId: caller.caseworkerId });
    const lists = new Map<string, CandidateListView>();
    for (const row of rows) {
      let list = lists.get(row.offerId);
      if (list === undefined) {
        list = { kind: row.kind, offerId: row.offerId, title: row.title, matches: [] };
        lists.set(row.offerId, list);
      }
      list.matches.push({
        matchId: row.matchId,
        candidateId: row.candidateId,
        displayName: row.displayName,
        score: row.score,
        reasons: row.reasons,
        status: row.status,
        selfDeclared: row.selfDeclared,
      });
    }
    this.audit.noteReads(
      caller,
      rows.map((row) => row.candidateId),
      'candidate_list',
    );
    return [...lists.values()];
  }
}
