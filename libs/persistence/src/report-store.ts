import { Injectable } from '@nestjs/common';
import { FUNNEL_STAGES, type JobMatchStatus } from '@huigong/domain';
import { DataSource } from 'typeorm';

const STAGES: readonly string[] = FUNNEL_STAGES;
const HIRED: JobMatchStatus = 'hired';

/**
 * How far a status is along the funnel's stages ($3, in order): 1 for the first, 0 for a status that is
 * not a stage (declined, no_response, withdrawn) or none.
 */
const stageOf = (column: string) => `coalesce(array_position($3::text[], ${column}), 0)`;

/** One opening and group of the funnel, or the opening's whole funnel where `group` is null. */
export interface FunnelRow {
  openingId: string;
  title: string;
  positions: number;
  group: string | null;
  /** How many matches reached each stage of FUNNEL_STAGES, in its order. */
  reached: number[];
}

/** The reports' reads: counts only, never a person. */
@Injectable()
export class ReportStore {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Per opening and per target group, how many matches reached each stage, counting a declined or withdrawn
   * match at the furthest stage its history shows. Ordered by opening, the whole funnel (group null) first.
   */
  async funnel(filter: { organizationId: string | null; openingId: string | null }): Promise<FunnelRow[]> {
    // count(*) is a bigint, which pg hands over as text. The stage names come from a constant list, not from input.
    const counts = STAGES.map((stage, index) => `count(*) FILTER (WHERE p.stage >= ${index + 1}) AS ${stage}`).join(', ');
    const rows: (Record<string, string> & { opening_id: string; title: string; positions: number; grp: string | null })[] = await this.dataSource.query(
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
       SELECT o.id AS opening_id, o.title, o.positions, p.grp, ${counts}
         FROM per_group p JOIN openings o ON o.id = p.opening_id
        GROUP BY o.id, o.title, o.positions, p.grp
        ORDER BY o.id, p.grp NULLS FIRST`,
      [filter.organizationId, filter.openingId, STAGES],
    );
    return rows.map((row) => ({
      openingId: row.opening_id,
      title: row.title,
      positions: row.positions,
      group: row.grp,
      reached: STAGES.map((stage) => Number(row[stage])),
    }));
  }

  /** People registered more than 30 days ago and not hired yet: all of them (group null, first) and per target group. */
  async stillSeeking(): Promise<{ group: string | null; count: number }[]> {
    const rows: { grp: string | null; count: string }[] = await this.dataSource.query(
      `WITH seeking AS (
         SELECT c.id, c.groups FROM candidates c
          WHERE c.status = 'active' AND c.created_at < now() - interval '30 days'
            AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.candidate_id = c.id AND m.status = $1))
       SELECT NULL AS grp, count(*) AS count FROM seeking
       UNION ALL
       SELECT g, count(*) FROM seeking, unnest(groups) AS g GROUP BY g
       ORDER BY grp NULLS FIRST`,
      [HIRED],
    );
    return rows.map((row) => ({ group: row.grp, count: Number(row.count) }));
  }
}
