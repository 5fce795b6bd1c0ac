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
  /** Hires checked as retained at 30 and at 90 days. */
  retained30: number;
  retained90: number;
}

/** Offers of one slot for one occurrence (the occurrence ends at `occurrenceEnd`), by what became of them. */
export interface OccurrenceUptakeRow {
  slotId: string;
  title: string;
  merchantId: string;
  merchantName: string;
  occurrenceEnd: Date;
  offered: number;
  /** The worker gateway took the offer. */
  delivered: number;
  redeemed: number;
  expired: number;
}

/** Offers by a target group of the person offered (one the slot is for): an offer counts under each. */
export interface GroupUptakeRow {
  group: string;
  offered: number;
  delivered: number;
  redeemed: number;
  expired: number;
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
                greatest(1, ${stageOf('m.status')}, coalesce(max(greatest(${stageOf('h.to_status')}, ${stageOf('h.from_status')})), 0)) AS stage,
                EXISTS (SELECT 1 FROM retention_checks r WHERE r.match_id = m.id AND r.checkpoint_days = 30 AND r.outcome = 'retained') AS r30,
                EXISTS (SELECT 1 FROM retention_checks r WHERE r.match_id = m.id AND r.checkpoint_days = 90 AND r.outcome = 'retained') AS r90
           FROM matches m
           JOIN openings o ON o.id = m.opening_id
           LEFT JOIN match_status_history h ON h.match_id = m.id
          WHERE ($1::uuid IS NULL OR o.organization_id = $1) AND ($2::uuid IS NULL OR o.id = $2)
          GROUP BY m.id),
       per_group AS (
         SELECT r.opening_id, g AS grp, r.stage, r.r30, r.r90 FROM reached r JOIN candidates c ON c.id = r.candidate_id, unnest(c.groups) AS g
         UNION ALL
         SELECT r.opening_id, NULL, r.stage, r.r30, r.r90 FROM reached r)
       SELECT o.id AS opening_id, o.title, o.positions, p.grp, ${counts},
              count(*) FILTER (WHERE p.r30) AS retained30, count(*) FILTER (WHERE p.r90) AS retained90
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
      retained30: Number(row.retained30),
      retained90: Number(row.retained90),
    }));
  }

  /**
   * What became of slot offers, per slot and occurrence, and per target group: offered, delivered to the
   * worker, redeemed, expired (not redeemed by the end of the occurrence). `organizationId`: one merchant's
   * slots only; `from`/`to`: occurrences ending in [from, to).
   */
  async slotUptake(filter: {
    organizationId: string | null;
    slotId: string | null;
    from: Date | null;
    to: Date | null;
  }): Promise<{ occurrences: OccurrenceUptakeRow[]; groups: GroupUptakeRow[] }> {
    // An offer's delivery is its `offer` notification's (dedupe key offer:<match id>) to the worker gateway.
    const offers = `
      WITH offers AS (
        SELECT m.slot_id, m.expires_at, m.status, m.candidate_id,
               EXISTS (SELECT 1 FROM notifications n JOIN notification_deliveries d ON d.notification_id = n.id
                        WHERE n.dedupe_key = 'offer:' || m.id AND d.status = 'delivered') AS delivered
          FROM matches m JOIN slots s ON s.id = m.slot_id
         WHERE m.slot_id IS NOT NULL AND m.expires_at IS NOT NULL
           AND ($1::uuid IS NULL OR s.organization_id = $1) AND ($2::uuid IS NULL OR s.id = $2)
           AND ($3::timestamptz IS NULL OR m.expires_at >= $3) AND ($4::timestamptz IS NULL OR m.expires_at < $4))`;
    const counts = `count(*)::int AS offered, count(*) FILTER (WHERE o.delivered)::int AS delivered,
                    count(*) FILTER (WHERE o.status = 'redeemed')::int AS redeemed, count(*) FILTER (WHERE o.status = 'expired')::int AS expired`;
    const parameters = [filter.organizationId, filter.slotId, filter.from, filter.to];
    const occurrences: OccurrenceUptakeRow[] = await this.dataSource.query(
      `${offers}
       SELECT s.id AS "slotId", s.title, s.organization_id AS "merchantId", g.name AS "merchantName", o.expires_at AS "occurrenceEnd", ${counts}
         FROM offers o JOIN slots s ON s.id = o.slot_id JOIN organizations g ON g.id = s.organization_id
        GROUP BY s.id, s.title, s.organization_id, g.name, o.expires_at
        ORDER BY o.expires_at DESC, s.id`,
      parameters,
    );
    const groups: GroupUptakeRow[] = await this.dataSource.query(
      `${offers}
       SELECT grp AS "group", ${counts}
         FROM offers o JOIN slots s ON s.id = o.slot_id JOIN candidates c ON c.id = o.candidate_id,
              unnest(c.groups) AS grp
        WHERE grp = ANY(s.eligible_groups)
        GROUP BY grp ORDER BY grp`,
      parameters,
    );
    return { occurrences, groups };
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
