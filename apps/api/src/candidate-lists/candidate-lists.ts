import { Controller, Get } from '@nestjs/common';
import { CurrentPrincipal, type PrincipalOf, Roles } from '@huigong/platform';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiSchema, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
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

interface Row {
  kind: 'opening' | 'slot';
  offer_id: string;
  title: string;
  match_id: string;
  candidate_id: string;
  display_name: string;
  score: number;
  reasons: unknown[];
  status: string;
}

/** A caseworker's own candidates, per offer, best first. Withdrawn matches and erased people are left out. */
@ApiTags('matches')
@ApiKeyAuth('caseworker')
@Controller('v1/candidate-lists')
@Roles('caseworker')
export class CandidateListsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({
    summary: 'Your candidate lists',
    description: 'Per offer, your own candidates matched to it, best first, with score, reasons and status; withdrawn matches and erased people are left out.',
  })
  @ApiOkResponse({ type: CandidateListView, isArray: true })
  async list(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>): Promise<CandidateListView[]> {
    const rows: Row[] = await this.dataSource.query(
      `SELECT m.offer_kind AS kind, COALESCE(m.opening_id, m.slot_id) AS offer_id, COALESCE(o.title, s.title) AS title,
              m.id AS match_id, m.candidate_id, c.display_name, m.score, m.reasons, m.status
         FROM matches m
         JOIN candidates c ON c.id = m.candidate_id AND c.status = 'active'
         LEFT JOIN openings o ON o.id = m.opening_id
         LEFT JOIN slots s ON s.id = m.slot_id
        WHERE m.caseworker_id = $1 AND m.status <> 'withdrawn'
        ORDER BY max(m.created_at) OVER (PARTITION BY COALESCE(m.opening_id, m.slot_id)) DESC,
                 COALESCE(m.opening_id, m.slot_id), m.score DESC, m.id`,
      [caller.caseworkerId],
    );
    const lists = new Map<string, CandidateListView>();
    for (const row of rows) {
      let list = lists.get(row.offer_id);
      if (list === undefined) {
        list = { kind: row.kind, offerId: row.offer_id, title: row.title, matches: [] };
        lists.set(row.offer_id, list);
      }
      list.matches.push({
        matchId: row.match_id,
        candidateId: row.candidate_id,
        displayName: row.display_name,
        score: row.score,
        reasons: row.reasons,
        status: row.status,
      });
    }
    return [...lists.values()];
  }
}
