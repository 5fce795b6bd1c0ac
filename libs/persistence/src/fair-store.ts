import { Injectable, Optional } from '@nestjs/common';
import { type FairArea, type FairBoardOpening, LEAD_STAGE_STATUSES, type MatchStatus, type OpeningStatus, type TargetGroup } from '@huigong/domain';
import type { EntityManager } from 'typeorm';
import { CommittedCounts, afterCommit } from './committed-counts';

/** A job fair as the admin created it, with its employers and how many openings are attached. */
export interface FairRow {
  id: string;
  name: string;
  startsAt: Date;
  endsAt: Date;
  lat: number;
  lng: number;
  address: string | null;
  targetGroups: TargetGroup[];
  defaultCaseworkerId: string;
  areas: FairArea[];
  employerIds: string[];
  openings: number;
  createdAt: Date;
}

export type NewFairRow = Omit<FairRow, 'employerIds' | 'openings' | 'createdAt'>;

/** An opening of a fair. */
export interface FairOpeningRow {
  openingId: string;
  employerId: string;
  title: string;
  positions: number;
  status: OpeningStatus;
  attachedAt: Date;
}

/** What the intake needs of a fair to take an intent for it. */
export interface IntakeFair {
  id: string;
  endsAt: Date;
  lat: number;
  lng: number;
  defaultCaseworkerId: string;
  areas: FairArea[];
  /** Of the openings asked about, those attached to the fair. */
  openingIds: ReadonlySet<string>;
}

/** An intent to record: new, or merged into the intent of the same viewer and opening (its taps added). */
export interface NewIntentRow {
  id: string;
  fairId: string;
  openingId: string;
  candidateId: string;
  partnerId: string;
  selfRegistered: boolean;
  taps: number;
}

export interface RecordedIntent {
  id: string;
  fairId: string;
  openingId: string;
  candidateId: string;
  taps: number;
  /** First recorded by this statement (not a repeat of an earlier intent). */
  inserted: boolean;
}

/** An intent waiting to become a lead. */
export interface PendingIntent {
  id: string;
  fairId: string;
  openingId: string;
  candidateId: string;
  taps: number;
}

/** How many intents reached each stage of the follow-up. */
export interface FairFunnelCounts {
  intents: number;
  contacted: number;
  interview: number;
  hired: number;
}

export interface FairReportOpeningRow extends FairFunnelCounts {
  employerId: string;
  employerName: string;
  openingId: string;
  title: string;
}

export interface FairReportGroupRow extends FairFunnelCounts {
  /** One of the person's groups, or null for someone whose groups are not recorded yet (a newcomer of the fair). */
  group: TargetGroup | null;
}

/** A lead nobody has contacted yet. The name is for the person's own caseworker (the reminder), never for a report. */
export interface UncontactedLead {
  fairId: string;
  fairName: string;
  intentId: string;
  matchId: string;
  openingId: string;
  title: string;
  candidateId: string;
  displayName: string;
  caseworkerId: string;
  tappedAt: Date;
}

const WITHDRAWN: MatchStatus = 'withdrawn';

const FAIR_COLUMNS = `f.id, f.name, f.starts_at AS "startsAt", f.ends_at AS "endsAt", f.lat, f.lng, f.address, f.target_groups AS "targetGroups",
  f.default_caseworker_id AS "defaultCaseworkerId", f.areas, f.created_at AS "createdAt",
  ARRAY(SELECT e.organization_id FROM fair_employers e WHERE e.fair_id = f.id ORDER BY e.organization_id) AS "employerIds",
  (SELECT count(*)::int FROM fair_openings fo WHERE fo.fair_id = f.id) AS openings`;

/**
 * Job fairs, their openings, the intents viewers send and the leads they become (libs/domain's fair.ts).
 * Intents hold ids only: a newcomer's name and phone go into `candidates`, and `viewer_phones` keeps only a
 * hash of the phone, deleted when the person is erased.
 */
@Injectable()
export class FairStore {
  constructor(@Optional() private readonly counts?: CommittedCounts) {}

  async createFair(manager: EntityManager, fair: NewFairRow, employerIds: readonly string[]): Promise<void> {
    await manager.query(
      `INSERT INTO fairs (id, name, starts_at, ends_at, lat, lng, address, target_groups, default_caseworker_id, areas)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [
        fair.id,
        fair.name,
        fair.startsAt,
        fair.endsAt,
        fair.lat,
        fair.lng,
        fair.address,
        fair.targetGroups,
        fair.defaultCaseworkerId,
        JSON.stringify(fair.areas),
      ],
    );
    await this.addEmployers(manager, fair.id, employerIds);
  }

  async addEmployers(manager: EntityManager, fairId: string, employerIds: readonly string[]): Promise<void> {
    if (employerIds.length === 0) return;
    await manager.query(`INSERT INTO fair_employers (fair_id, organization_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`, [fairId, employerIds]);
  }

  /** Of these ids, those of employers (organizations of kind employer). */
  async employersAmong(manager: EntityManager, ids: readonly string[]): Promise<Set<string>> {
    const rows: { id: string }[] = await manager.query(`SELECT id FROM organizations WHERE id = ANY($1::uuid[]) AND kind = 'employer'`, [ids]);
    return new Set(rows.map((row) => row.id));
  }

  /** Of these ids, those of caseworkers. */
  async caseworkersAmong(manager: EntityManager, ids: readonly string[]): Promise<Set<string>> {
    const rows: { id: string }[] = await manager.query(`SELECT id FROM caseworkers WHERE id = ANY($1::uuid[])`, [ids]);
    return new Set(rows.map((row) => row.id));
  }

  async fair(manager: EntityManager, id: string): Promise<FairRow | null> {
    const rows: FairRow[] = await manager.query(`SELECT ${FAIR_COLUMNS} FROM fairs f WHERE f.id = $1`, [id]);
    return rows.at(0) ?? null;
  }

  /** The fairs an employer takes part in (every fair, for null), newest first. */
  async fairs(manager: EntityManager, employerId: string | null): Promise<FairRow[]> {
    return manager.query(
      `SELECT ${FAIR_COLUMNS} FROM fairs f
        WHERE $1::uuid IS NULL OR EXISTS (SELECT 1 FROM fair_employers e WHERE e.fair_id = f.id AND e.organization_id = $1)
        ORDER BY f.starts_at DESC, f.id`,
      [employerId],
    );
  }

  /** Attaches openings (each of its employer); answers how many were not attached before. */
  async attachOpenings(manager: EntityManager, fairId: string, openings: readonly { openingId: string; organizationId: string }[]): Promise<number> {
    if (openings.length === 0) return 0;
    const rows: { opening_id: string }[] = await manager.query(
      `INSERT INTO fair_openings (fair_id, opening_id, organization_id)
       SELECT $1, o, e FROM unnest($2::uuid[], $3::uuid[]) AS a(o, e)
       ON CONFLICT DO NOTHING RETURNING opening_id`,
      [fairId, openings.map((row) => row.openingId), openings.map((row) => row.organizationId)],
    );
    return rows.length;
  }

  /** Of these openings, their employer (absent: no such opening). */
  async employersOfOpenings(manager: EntityManager, openingIds: readonly string[]): Promise<Map<string, string>> {
    const rows: { id: string; organization_id: string }[] = await manager.query(`SELECT id, organization_id FROM openings WHERE id = ANY($1::uuid[])`, [
      openingIds,
    ]);
    return new Map(rows.map((row) => [row.id, row.organization_id]));
  }

  /** The openings of a fair (of one employer, if named), in the order they were attached. */
  async fairOpenings(manager: EntityManager, fairId: string, employerId: string | null): Promise<FairOpeningRow[]> {
    return manager.query(
      `SELECT fo.opening_id AS "openingId", fo.organization_id AS "employerId", o.title, o.positions, o.status, fo.attached_at AS "attachedAt"
         FROM fair_openings fo JOIN openings o ON o.id = fo.opening_id
        WHERE fo.fair_id = $1 AND ($2::uuid IS NULL OR fo.organization_id = $2)
        ORDER BY fo.attached_at, fo.opening_id`,
      [fairId, employerId],
    );
  }

  /**
   * The fairs named, as the intake needs them, each with those of the (fair, opening) pairs asked about
   * that are attached to it: one statement for both.
   */
  async intakeFairs(manager: EntityManager, pairs: readonly { fairId: string; openingId: string }[]): Promise<Map<string, IntakeFair>> {
    const rows: (Omit<IntakeFair, 'openingIds'> & { openingIds: string[] | null })[] = await manager.query(
      `WITH asked AS (SELECT DISTINCT fair_id, opening_id FROM unnest($1::uuid[], $2::uuid[]) AS p(fair_id, opening_id))
       SELECT f.id, f.ends_at AS "endsAt", f.lat, f.lng, f.default_caseworker_id AS "defaultCaseworkerId", f.areas,
              array_agg(fo.opening_id) FILTER (WHERE fo.opening_id IS NOT NULL) AS "openingIds"
         FROM fairs f
         JOIN asked a ON a.fair_id = f.id
         LEFT JOIN fair_openings fo ON fo.fair_id = a.fair_id AND fo.opening_id = a.opening_id
        GROUP BY f.id`,
      [pairs.map((pair) => pair.fairId), pairs.map((pair) => pair.openingId)],
    );
    return new Map(rows.map((row) => [row.id, { ...row, openingIds: new Set(row.openingIds ?? []) }]));
  }

  /** Of these people, those registered and not erased, with whether they consented to be contacted about jobs. */
  async registeredAmong(manager: EntityManager, ids: readonly string[]): Promise<Map<string, { consentJobs: boolean }>> {
    if (ids.length === 0) return new Map();
    const rows: { id: string; consent_jobs: boolean }[] = await manager.query(
      `SELECT id, consent_jobs FROM candidates WHERE id = ANY($1::uuid[]) AND status = 'active'`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, { consentJobs: row.consent_jobs }]));
  }

  /**
   * Claims phones for new people: each hash not known yet is given the id offered for it. Answers, for every
   * hash asked, the person it belongs to, and which of them this call claimed (those people are to be
   * registered now, in the same transaction). A phone claimed meanwhile by another transaction waits for
   * it and is then answered with that transaction's person.
   */
  async claimPhones(
    manager: EntityManager,
    claims: readonly { phoneHash: string; candidateId: string }[],
  ): Promise<{ owners: Map<string, string>; claimed: Set<string> }> {
    if (claims.length === 0) return { owners: new Map(), claimed: new Set() };
    const hashes = claims.map((claim) => claim.phoneHash);
    // One statement: the claims, and the owners of the phones known already (as its snapshot shows them).
    const rows: { phone_hash: string; candidate_id: string; claimed: boolean }[] = await manager.query(
      `WITH claimed AS (
         INSERT INTO viewer_phones (phone_hash, candidate_id)
         SELECT h, c FROM unnest($1::text[], $2::uuid[]) AS p(h, c) ORDER BY h
         ON CONFLICT DO NOTHING RETURNING phone_hash, candidate_id)
       SELECT phone_hash, candidate_id, true AS claimed FROM claimed
       UNION ALL
       SELECT v.phone_hash, v.candidate_id, false FROM viewer_phones v WHERE v.phone_hash = ANY($1::text[])`,
      [hashes, claims.map((claim) => claim.candidateId)],
    );
    const claimed = new Set(rows.filter((row) => row.claimed).map((row) => row.phone_hash));
    const owners = new Map(rows.map((row) => [row.phone_hash, row.candidate_id]));
    const unseen = hashes.filter((hash) => !owners.has(hash));
    if (unseen.length > 0) {
      // Claimed by a transaction that committed while this statement waited for it: its snapshot did not
      // show the row; a statement of its own does.
      const known: { phone_hash: string; candidate_id: string }[] = await manager.query(
        `SELECT phone_hash, candidate_id FROM viewer_phones WHERE phone_hash = ANY($1::text[])`,
        [unseen],
      );
      for (const row of known) owners.set(row.phone_hash, row.candidate_id);
    }
    return { owners, claimed };
  }

  /**
   * Records intents in one statement: an intent of a viewer for an opening they tapped before adds its taps
   * to that one. The rows must name each (fair, opening, person) once.
   */
  async recordIntents(manager: EntityManager, rows: readonly NewIntentRow[]): Promise<RecordedIntent[]> {
    if (rows.length === 0) return [];
    return manager.query(
      `INSERT INTO fair_intents (id, fair_id, opening_id, candidate_id, partner_id, self_registered, taps)
       SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::boolean[], $7::int[])
        ORDER BY 2, 3, 4
       ON CONFLICT (fair_id, opening_id, candidate_id)
       DO UPDATE SET taps = fair_intents.taps + EXCLUDED.taps, last_tapped_at = now()
       RETURNING id, fair_id AS "fairId", opening_id AS "openingId", candidate_id AS "candidateId", taps, (xmax = 0) AS inserted`,
      [
        rows.map((row) => row.id),
        rows.map((row) => row.fairId),
        rows.map((row) => row.openingId),
        rows.map((row) => row.candidateId),
        rows.map((row) => row.partnerId),
        rows.map((row) => row.selfRegistered),
        rows.map((row) => row.taps),
      ],
    );
  }

  /** Of these intents, those not made into a lead yet. */
  async pendingIntents(manager: EntityManager, ids: readonly string[]): Promise<PendingIntent[]> {
    return manager.query(
      `SELECT id, fair_id AS "fairId", opening_id AS "openingId", candidate_id AS "candidateId", taps
         FROM fair_intents WHERE id = ANY($1::uuid[]) AND lead_made_at IS NULL ORDER BY opening_id, candidate_id`,
      [ids],
    );
  }

  /**
   * Makes leads, under the locks the caller holds on the openings and the people (offers first, then
   * people): a job match marked as the person's own interest, or the match they had already so marked (one
   * the system had withdrawn comes back as proposed, its history saying why); a person without consent to
   * job contact, or an opening no longer open, gets none. Every intent is then marked done, with its match
   * if it has one. Answers the matches new on the lists (inserted or brought back), per opening.
   */
  async makeLeads(
    manager: EntityManager,
    leads: readonly (PendingIntent & { matchId: string })[],
    openOpenings: ReadonlySet<string>,
  ): Promise<Map<string, string[]>> {
    const made = leads.filter((lead) => openOpenings.has(lead.openingId));
    const inserted = new Map<string, string[]>();
    if (made.length > 0) {
      // A match the system withdrew earlier (a re-check, say) comes back as the lead: the person asks now.
      const rows: { id: string; opening_id: string; candidate_id: string; inserted: boolean; revived: boolean }[] = await manager.query(
        `WITH l AS (SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::int[]) AS l(id, opening_id, candidate_id, fair_id, taps)),
         withdrawn AS (
           SELECT m.id FROM matches m JOIN l ON m.opening_id = l.opening_id AND m.candidate_id = l.candidate_id WHERE m.status = $6),
         upserted AS (
           INSERT INTO matches AS m (id, offer_kind, opening_id, candidate_id, caseworker_id, score, reasons, status, self_declared_at)
           SELECT l.id, 'opening', l.opening_id, l.candidate_id, c.caseworker_id, 0,
                  jsonb_build_array(jsonb_build_object('code', 'self_declared', 'fairId', l.fair_id, 'taps', l.taps)), 'proposed', now()
             FROM l JOIN candidates c ON c.id = l.candidate_id AND c.status = 'active' AND c.consent_jobs
            ORDER BY l.opening_id, l.candidate_id
           ON CONFLICT (opening_id, candidate_id) WHERE opening_id IS NOT NULL
           DO UPDATE SET self_declared_at = COALESCE(m.self_declared_at, EXCLUDED.self_declared_at),
                         reasons = CASE WHEN m.self_declared_at IS NULL THEN EXCLUDED.reasons || m.reasons ELSE m.reasons END,
                         status = CASE WHEN m.status = $6 THEN 'proposed' ELSE m.status END,
                         status_reason = CASE WHEN m.status = $6 THEN NULL ELSE m.status_reason END,
                         updated_at = now()
           RETURNING m.id, m.opening_id, m.candidate_id, (xmax = 0) AS inserted),
         history AS (
           INSERT INTO match_status_history (match_id, from_status, to_status, reason, changed_by_kind)
           SELECT u.id, $6, 'proposed', 'self_declared', 'system' FROM upserted u JOIN withdrawn w ON w.id = u.id)
         SELECT u.*, w.id IS NOT NULL AS revived FROM upserted u LEFT JOIN withdrawn w ON w.id = u.id`,
        [
          made.map((lead) => lead.matchId),
          made.map((lead) => lead.openingId),
          made.map((lead) => lead.candidateId),
          made.map((lead) => lead.fairId),
          made.map((lead) => lead.taps),
          WITHDRAWN,
        ],
      );
      const newLeads = rows.filter((row) => row.inserted).length;
      const revived = rows.filter((row) => row.revived).length;
      afterCommit(manager, () => {
        if (newLeads > 0) this.counts?.matchesProposed('opening', newLeads);
        if (revived > 0) this.counts?.matchStatusChanged('opening', 'proposed', revived);
      });
      const matchOf = new Map(rows.map((row) => [`${row.opening_id}:${row.candidate_id}`, row.id]));
      for (const row of rows) {
        if (!row.inserted && !row.revived) continue;
        const list = inserted.get(row.opening_id) ?? [];
        list.push(row.id);
        inserted.set(row.opening_id, list);
      }
      for (const lead of leads) lead.matchId = matchOf.get(`${lead.openingId}:${lead.candidateId}`) ?? '';
    }
    await manager.query(
      `UPDATE fair_intents i SET lead_made_at = now(), match_id = NULLIF(d.match_id, '')::uuid
         FROM unnest($1::uuid[], $2::text[]) AS d(id, match_id)
        WHERE i.id = d.id`,
      [leads.map((lead) => lead.id), leads.map((lead) => (openOpenings.has(lead.openingId) ? lead.matchId : ''))],
    );
    return inserted;
  }

  /** The live board's counts per opening of the fair, in the order the openings were attached. */
  async boardCounts(manager: EntityManager, fairId: string): Promise<FairBoardOpening[]> {
    return manager.query(
      `SELECT fo.opening_id AS "openingId", o.title, fo.organization_id AS "employerId", org.name AS "employerName",
              (SELECT count(*)::int FROM fair_intents i WHERE i.fair_id = fo.fair_id AND i.opening_id = fo.opening_id) AS intents,
              count(m.id)::int AS matched,
              count(m.id) FILTER (WHERE m.status = ANY($2::text[]))::int AS contacted
         FROM fair_openings fo
         JOIN openings o ON o.id = fo.opening_id
         JOIN organizations org ON org.id = fo.organization_id
         LEFT JOIN matches m ON m.opening_id = fo.opening_id AND m.status <> $3
        WHERE fo.fair_id = $1
        GROUP BY fo.fair_id, fo.opening_id, o.title, fo.organization_id, org.name, fo.attached_at
        ORDER BY fo.attached_at, fo.opening_id`,
      [fairId, LEAD_STAGE_STATUSES.contacted, WITHDRAWN],
    );
  }

  /**
   * The fair's follow-up per opening (with its employer), and per target group of the person: intents, and
   * how many of their leads were contacted, interviewed and hired, reached at any time (a lead declined
   * after its interview still counts as interviewed), from the history of each match. A person in several
   * groups counts in each; `group` null: a person with no group recorded (a newcomer of the fair).
   */
  async report(manager: EntityManager, fairId: string): Promise<{ openings: FairReportOpeningRow[]; groups: FairReportGroupRow[] }> {
    const lead = `WITH lead AS (
         SELECT i.opening_id, i.candidate_id,
                EXISTS (SELECT 1 FROM match_status_history h WHERE h.match_id = i.match_id AND h.to_status = ANY($2::text[])) AS contacted,
                EXISTS (SELECT 1 FROM match_status_history h WHERE h.match_id = i.match_id AND h.to_status = ANY($3::text[])) AS interview,
                EXISTS (SELECT 1 FROM match_status_history h WHERE h.match_id = i.match_id AND h.to_status = ANY($4::text[])) AS hired
           FROM fair_intents i WHERE i.fair_id = $1)`;
    const funnel = `count(*)::int AS intents, count(*) FILTER (WHERE lead.contacted)::int AS contacted,
              count(*) FILTER (WHERE lead.interview)::int AS interview, count(*) FILTER (WHERE lead.hired)::int AS hired`;
    const parameters = [fairId, LEAD_STAGE_STATUSES.contacted, LEAD_STAGE_STATUSES.interview, LEAD_STAGE_STATUSES.hired];
    const openings: FairReportOpeningRow[] = await manager.query(
      `${lead}
       SELECT fo.organization_id AS "employerId", org.name AS "employerName", fo.opening_id AS "openingId", o.title, ${funnel}
         FROM lead
         JOIN fair_openings fo ON fo.fair_id = $1 AND fo.opening_id = lead.opening_id
         JOIN openings o ON o.id = fo.opening_id
         JOIN organizations org ON org.id = fo.organization_id
        GROUP BY fo.organization_id, org.name, fo.opening_id, o.title
        ORDER BY org.name, fo.organization_id, o.title, fo.opening_id`,
      parameters,
    );
    const groups: FairReportGroupRow[] = await manager.query(
      `${lead}
       SELECT g.grp AS "group", ${funnel}
         FROM lead
         JOIN candidates c ON c.id = lead.candidate_id
         CROSS JOIN LATERAL unnest(CASE WHEN cardinality(c.groups) = 0 THEN ARRAY[NULL]::text[] ELSE c.groups END) AS g(grp)
        GROUP BY g.grp
        ORDER BY g.grp NULLS LAST`,
      parameters,
    );
    return { openings, groups };
  }

  /** Leads of the fair still waiting for a first contact, of intents made before `before`; oldest first. */
  async uncontactedLeads(manager: EntityManager, fairId: string | null, before: Date): Promise<UncontactedLead[]> {
    return manager.query(
      `SELECT i.fair_id AS "fairId", f.name AS "fairName", i.id AS "intentId", m.id AS "matchId", i.opening_id AS "openingId", o.title,
              m.candidate_id AS "candidateId", c.display_name AS "displayName", m.caseworker_id AS "caseworkerId", i.first_tapped_at AS "tappedAt"
         FROM fair_intents i
         JOIN fairs f ON f.id = i.fair_id
         JOIN matches m ON m.id = i.match_id AND m.status = 'proposed'
         JOIN openings o ON o.id = i.opening_id
         JOIN candidates c ON c.id = m.candidate_id AND c.status = 'active'
        WHERE ($1::uuid IS NULL OR i.fair_id = $1) AND i.first_tapped_at < $2
        ORDER BY i.first_tapped_at, i.id`,
      [fairId, before],
    );
  }
}
