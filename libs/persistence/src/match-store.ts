import { Injectable, Optional } from '@nestjs/common';
import {
  type Employment,
  type MatchStatus,
  type OfferKind,
  OPEN_JOB_MATCH_STATUSES,
  OPEN_SLOT_OFFER_STATUSES,
  type RetentionCheckpoint,
  type RetentionOutcome,
  type SlotOfferStatus,
} from '@huigong/domain';
import { DataSource, type EntityManager } from 'typeorm';
import { CommittedCounts, afterCommit, countMoves } from './committed-counts';
import { CandidateEntity } from './entities/candidate.entity';
import { MatchEntity } from './entities/match.entity';
import { OpeningEntity } from './entities/opening.entity';
import { SlotEntity } from './entities/slot.entity';

/** Statuses of a job match that hold a place on the shortlist and count against the person's cap. */
const OPEN_JOB_STATUSES: readonly string[] = OPEN_JOB_MATCH_STATUSES;
/**
 * "An open job match", written out in SQL: the predicate of the partial indexes of open job matches by
 * person and by opening (migrations 1764700000000 and 1764800000000; each index's predicate also names its
 * key, so a query picking by the other key cannot use it), which PostgreSQL uses only for a condition it
 * can see implies it (a bound parameter hides the list). The statuses are libs/domain's constants, never input.
 */
export const OPEN_JOB_MATCH = `offer_kind = 'opening' AND status IN (${OPEN_JOB_MATCH_STATUSES.map((status) => `'${status}'`).join(', ')})`;
const OPEN_SLOT_STATUSES: readonly string[] = OPEN_SLOT_OFFER_STATUSES;
const REDEEMED: SlotOfferStatus = 'redeemed';
const WITHDRAWN: MatchStatus = 'withdrawn';

/** A rectangle of latitudes and longitudes (a region and its border). */
export interface PlaceBounds {
  minLat: number;
  maxLat: number;
  minLng: number;
  maxLng: number;
}

export interface NewMatchRow {
  id: string;
  candidateId: string;
  caseworkerId: string;
  score: number;
  reasons: unknown[];
  redemptionCode?: string;
  /** A slot offer's occurrence: its start, and its end (when the offer expires). */
  occurrenceStartsAt?: Date;
  expiresAt?: Date;
  /** A last-minute offer to someone on standby (at most one per person and occurrence: a unique index). */
  lastMinute?: boolean;
}

export interface SlotHistory {
  /** People holding an offer of this slot now: an open one, or one redeemed for an occurrence not yet over. */
  offered: Set<string>;
  /** Open (proposed) offers, which the cap of 2 x capacity counts. */
  openOffers: number;
  lastOfferedAt: Map<string, number>;
}

export interface CandidateHistory {
  /** Openings this person has (or had) a match with. */
  openingIds: Set<string>;
  openJobMatches: number;
  /** Slots this person holds an offer of now: open, or redeemed for an occurrence not yet over. */
  openSlotOfferIds: Set<string>;
  /**
   * Their proposed matches (job matches and slot offers), to re-check against a changed profile; a
   * last-minute offer (the standby pool) with its occurrence. Not their leads (a fair's intents).
   */
  proposed: { id: string; openingId: string | null; slotId: string | null; lastMinute?: { startsAt: Date; endsAt: Date } }[];
}

/** One of a caseworker's candidates matched to an offer, with the offer it belongs to. */
export interface CandidateListRow {
  kind: 'opening' | 'slot';
  offerId: string;
  title: string;
  matchId: string;
  candidateId: string;
  displayName: string;
  score: number;
  reasons: unknown[];
  status: MatchStatus;
  /** The person asked for this job themselves (a fair's intent): listed first. */
  selfDeclared: boolean;
}

/** What a withdrawal ended: the offers that have room again, and the people whose caps do. */
export interface Withdrawn {
  /** The job matches withdrawn (slot offers are not listed). */
  jobMatchIds: string[];
  openingIds: string[];
  slotIds: string[];
  /** People who lost open job matches, with how many each. */
  jobMatchesLost: Map<string, number>;
}

const ACTIVE_OPENING = `status = 'open' AND (valid_until IS NULL OR valid_until > now())`;
/**
 * A slot that may be offered now: active, not past `valid_until`, and, when it has only dated occurrences,
 * not past the last of them (`dated_offers_until`). `alias`: the slots table's, in a join.
 */
export function activeSlotSql(alias?: string): string {
  const column = (name: string) => (alias === undefined ? name : `${alias}.${name}`);
  return `${column('status')} = 'active' AND (${column('valid_until')} IS NULL OR ${column('valid_until')} > now())
    AND (${column('dated_offers_until')} IS NULL OR ${column('dated_offers_until')} > now())`;
}
const ACTIVE_SLOT = activeSlotSql();

/**
 * The matcher's reads and writes. Writes take row locks in one order, offers before people, so that
 * several matchers working at once neither deadlock nor break a cap: PostgreSQL is the source of truth.
 */
/**
 * The rows the matcher reads on every event, as plain statements with the entities' property names: the
 * ORM's find built and hydrated each query at a cost well above PostgreSQL's own (the matcher's profile).
 */
const CANDIDATE_COLUMNS = `id, caseworker_id AS "caseworkerId", status, display_name AS "displayName", external_ref AS "externalRef", phone,
  groups, skills, lat, lng, max_travel_km AS "maxTravelKm", availability, breaks, accessibility_needs AS "accessibilityNeeds",
  consent_contact AS "consentContact", consent_jobs AS "consentJobs", consent_benefits AS "consentBenefits", consent_sensitive AS "consentSensitive",
  employment, employed_since AS "employedSince", open_to_job_offers AS "openToJobOffers",
  notice_preferences AS "noticePreferences", revision, created_at AS "createdAt", updated_at AS "updatedAt", erased_at AS "erasedAt"`;
const OPENING_COLUMNS = `id, organization_id AS "organizationId", status, title, skills, target_groups AS "targetGroups", lat, lng,
  radius_km AS "radiusKm", shifts, accessibility_features AS "accessibilityFeatures", positions, valid_until AS "validUntil", revision,
  created_at AS "createdAt", updated_at AS "updatedAt", closed_at AS "closedAt"`;
const SLOT_COLUMNS = `id, organization_id AS "organizationId", service_point_id AS "servicePointId", course_demand_id AS "courseDemandId", status, title, kind,
  eligible_groups AS "eligibleGroups", windows,
  occurrences, dated_offers_until AS "datedOffersUntil", capacity,
  offer, lat, lng, radius_km AS "radiusKm", accessibility_features AS "accessibilityFeatures", valid_until AS "validUntil", revision,
  created_at AS "createdAt", updated_at AS "updatedAt", withdrawn_at AS "withdrawnAt"`;

function emptyHistory(): CandidateHistory {
  return { openingIds: new Set(), openJobMatches: 0, openSlotOfferIds: new Set(), proposed: [] };
}

@Injectable()
export class MatchStore {
  constructor(
    private readonly dataSource: DataSource,
    @Optional() private readonly counts?: CommittedCounts,
  ) {}

  /**
   * Active people who consent to contact, for building the index: page by page in order of id, each page
   * its own short statement (the next `pageSize` rows of the primary key after the last id seen), so that
   * no statement grows with the city and none meets the pool's statement_timeout, at any size; rows are
   * let go page by page. Status and consent are judged on the page's rows rather than in the scan: with
   * them in the WHERE, a planner without statistics (as right after a bulk load) expects few rows to
   * qualify and reads and sorts the whole table for every page (a minute for a million people), while
   * "the next n ids" is always an index range scan.
   *
   * The pages are not one snapshot, and need not be: a person registered, changed or erased while the
   * index is built may be read in either state, or missed if their id sorts below a page already read.
   * Each such change is an event (CandidateRegistered, CandidateUpdated, CandidateErased) that the worker
   * handles only once the build is done, re-reading the row; one that another matcher handled meanwhile
   * reaches this one by its broadcast, which re-reads the row too. And every match is checked against
   * PostgreSQL under row locks, whatever the index holds.
   */
  async forEachMatchableCandidate(pageSize: number, visit: (rows: CandidateEntity[]) => void, within: PlaceBounds | null = null): Promise<void> {
    type Page = (CandidateEntity & { matchable: boolean })[];
    // A region's matcher keeps only the people within its region and border (a rectangle around both). The
    // rectangle stays out of the WHERE, for the reason above: every page is still "the next n ids", and a
    // person outside comes back as an id with nothing else (no schedules, groups or skills to decode).
    const bounds = within === null ? [-90, 90, -180, 180] : [within.minLat, within.maxLat, within.minLng, within.maxLng];
    const read = (after: string): Promise<Page> =>
      this.dataSource.query(
        `WITH page AS (
           SELECT *, lat BETWEEN $3 AND $4 AND lng BETWEEN $5 AND $6 AS inside FROM candidates WHERE id > $1 ORDER BY id LIMIT $2
         )
         SELECT id, inside AND status = 'active' AND consent_contact AND NOT profile_pending AS matchable,
                CASE WHEN inside THEN groups END AS groups, CASE WHEN inside THEN skills END AS skills, lat, lng, max_travel_km AS "maxTravelKm",
                CASE WHEN inside THEN availability END AS availability, CASE WHEN inside THEN breaks END AS breaks,
                CASE WHEN inside THEN accessibility_needs END AS "accessibilityNeeds", consent_jobs AS "consentJobs", consent_benefits AS "consentBenefits",
                consent_sensitive AS "consentSensitive", employment,
                open_to_job_offers AS "openToJobOffers", created_at AS "createdAt"
           FROM page ORDER BY id`,
        [after, pageSize, ...bounds],
      );
    // The next page is asked for before this one goes into the index, so PostgreSQL reads it meanwhile
    // (a tenth faster at a million people); two pages at most are held at once.
    let next: Promise<Page> | undefined = read('00000000-0000-0000-0000-000000000000');
    while (next !== undefined) {
      const page: Page = await next;
      next = page.length === pageSize ? read(page[page.length - 1].id) : undefined;
      try {
        visit(page.filter((row) => row.matchable));
      } catch (error) {
        // The build has failed; the page on its way is not wanted, and its outcome must not go unhandled.
        next?.catch(() => undefined);
        throw error;
      }
    }
  }

  activeOpenings(): Promise<OpeningEntity[]> {
    return this.dataSource.query(
      `SELECT id, status, target_groups AS "targetGroups", skills, lat, lng, radius_km AS "radiusKm", shifts,
              accessibility_features AS "accessibilityFeatures", positions, valid_until AS "validUntil"
         FROM openings WHERE ${ACTIVE_OPENING}`,
    );
  }

  activeSlots(): Promise<SlotEntity[]> {
    return this.dataSource.query(
      `SELECT id, status, eligible_groups AS "eligibleGroups", lat, lng, radius_km AS "radiusKm", windows,
              accessibility_features AS "accessibilityFeatures", capacity, valid_until AS "validUntil",
              kind, occurrences, dated_offers_until AS "datedOffersUntil", course_demand_id AS "courseDemandId"
         FROM slots WHERE ${ACTIVE_SLOT}`,
    );
  }

  /** Open job matches per person, and open matches per opening and open offers per slot. */
  async openCounts(): Promise<{ perCandidate: Map<string, number>; perOpening: Map<string, number>; perSlot: Map<string, number> }> {
    const rows: { kind: string; id: string; count: string }[] = await this.dataSource.query(
      `SELECT 'candidate' AS kind, candidate_id AS id, count(*) AS count FROM matches
        WHERE offer_kind = 'opening' AND status = ANY($1) GROUP BY candidate_id
       UNION ALL
       SELECT 'opening', opening_id, count(*) FROM matches WHERE offer_kind = 'opening' AND status = ANY($1) GROUP BY opening_id
       UNION ALL
       SELECT 'slot', slot_id, count(*) FROM matches WHERE offer_kind = 'slot' AND status = 'proposed' GROUP BY slot_id`,
      [OPEN_JOB_STATUSES],
    );
    const maps = { candidate: new Map<string, number>(), opening: new Map<string, number>(), slot: new Map<string, number>() };
    for (const row of rows) maps[row.kind as keyof typeof maps].set(row.id, Number(row.count));
    return { perCandidate: maps.candidate, perOpening: maps.opening, perSlot: maps.slot };
  }

  candidates(manager: EntityManager, ids: string[]): Promise<CandidateEntity[]> {
    return ids.length === 0 ? Promise.resolve([]) : manager.query(`SELECT ${CANDIDATE_COLUMNS} FROM candidates WHERE id = ANY($1::uuid[])`, [ids]);
  }

  async opening(manager: EntityManager, id: string): Promise<OpeningEntity | null> {
    const rows: OpeningEntity[] = await manager.query(`SELECT ${OPENING_COLUMNS} FROM openings WHERE id = $1`, [id]);
    return rows[0] ?? null;
  }

  async slot(manager: EntityManager, id: string, lock = false): Promise<SlotEntity | null> {
    const rows: SlotEntity[] = await manager.query(`SELECT ${SLOT_COLUMNS} FROM slots WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ?? null;
  }

  /**
   * Locks offers (sorted, to keep one lock order) before any person is locked; returns those still open
   * or active, which another matcher may have closed since this one's index last heard of them.
   */
  async lockOffers(manager: EntityManager, table: 'openings' | 'slots', ids: string[]): Promise<Set<string>> {
    if (ids.length === 0) return new Set();
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM ${table} WHERE id = ANY($1::uuid[]) AND ${table === 'openings' ? ACTIVE_OPENING : ACTIVE_SLOT} ORDER BY id FOR UPDATE`,
      [ids],
    );
    return new Set(rows.map((row) => row.id));
  }

  /**
   * Locks people (sorted) and returns, for those still active with consent, their caseworker and open
   * job matches: the numbers a cap is checked against. Two statements on purpose: under READ COMMITTED a
   * statement's snapshot is taken before it waits for a lock, so counting in the locking statement would
   * miss the match that the transaction it waited for has just committed.
   */
  async lockCandidates(manager: EntityManager, ids: string[]): Promise<Map<string, { caseworkerId: string; openJobMatches: number }>> {
    const result = new Map<string, { caseworkerId: string; openJobMatches: number }>();
    const locked = await this.lockCandidateRows(manager, ids);
    if (locked.size === 0) return result;
    const open = await this.openJobMatchesOf(manager, [...locked.keys()]);
    for (const [id, caseworkerId] of locked) result.set(id, { caseworkerId, openJobMatches: open.get(id) ?? 0 });
    return result;
  }

  /**
   * Locks people (in the order of their ids) if still active with consent, and answers each one's
   * caseworker. It counts nothing: the caller reads their matches in a statement after it, which sees what
   * the transaction it may have waited for committed (see lockCandidates).
   */
  async lockCandidateRows(manager: EntityManager, ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const locked: { id: string; caseworker_id: string }[] = await manager.query(
      `SELECT id, caseworker_id FROM candidates WHERE id = ANY($1::uuid[]) AND status = 'active' AND consent_contact ORDER BY id FOR UPDATE`,
      [ids],
    );
    return new Map(locked.map((row) => [row.id, row.caseworker_id]));
  }

  /** Open job matches per person, for these people, in one statement (those holding none are absent). */
  async openJobMatchesOf(manager: EntityManager, candidateIds: string[]): Promise<Map<string, number>> {
    if (candidateIds.length === 0) return new Map();
    const rows: { candidate_id: string; open: string }[] = await manager.query(
      `SELECT candidate_id, count(*) AS open FROM matches WHERE candidate_id = ANY($1::uuid[]) AND ${OPEN_JOB_MATCH} GROUP BY candidate_id`,
      [candidateIds],
    );
    return new Map(rows.map((row) => [row.candidate_id, Number(row.open)]));
  }

  /** The person a job match belongs to, whether it is still open, and how many open job matches they hold now. */
  async jobMatchHolder(manager: EntityManager, matchId: string): Promise<{ candidateId: string; open: boolean; openJobMatches: number } | null> {
    // OPEN_JOB_MATCH's unqualified columns are the subquery's own (c), the nearest scope.
    const rows: { candidate_id: string; open: boolean; held: number }[] = await manager.query(
      `SELECT m.candidate_id, m.status = ANY($2) AS open,
              (SELECT count(*) FROM matches c WHERE c.candidate_id = m.candidate_id AND ${OPEN_JOB_MATCH})::int AS held
         FROM matches m WHERE m.id = $1 AND m.offer_kind = 'opening'`,
      [matchId, OPEN_JOB_STATUSES],
    );
    return rows.length === 0 ? null : { candidateId: rows[0].candidate_id, open: rows[0].open, openJobMatches: rows[0].held };
  }

  /**
   * The active person a job match belongs to, locked, with their employment and the hires that stand now
   * (and when the last was recorded); null when the person is gone. Locked first, so that the hires are
   * counted after any change of them that committed meanwhile.
   */
  async lockEmploymentOf(
    manager: EntityManager,
    matchId: string,
  ): Promise<{ candidateId: string; employment: Employment; hires: number; lastHireAt: Date | null } | null> {
    const people: { id: string; employment: Employment }[] = await manager.query(
      `SELECT c.id, c.employment FROM candidates c
        WHERE c.id = (SELECT candidate_id FROM matches WHERE id = $1) AND c.status = 'active' FOR UPDATE`,
      [matchId],
    );
    if (people.length === 0) return null;
    // A hire the person left (a retention check said so) no longer stands.
    const [hires]: { n: number; at: Date | null }[] = await manager.query(
      `SELECT count(*)::int AS n, max(m.updated_at) AS at FROM matches m
        WHERE m.candidate_id = $1 AND m.status = 'hired'
          AND NOT EXISTS (SELECT 1 FROM retention_checks r WHERE r.match_id = m.id AND r.outcome = 'left')`,
      [people[0].id],
    );
    return { candidateId: people[0].id, employment: people[0].employment, hires: hires.n, lastHireAt: hires.at };
  }

  /**
   * Records a retention check of a hire (replacing one recorded before for the same checkpoint); returns
   * whether the hire stood before and stands after (a `left` at any checkpoint ends it).
   */
  async recordRetention(
    manager: EntityManager,
    check: { matchId: string; checkpoint: RetentionCheckpoint; outcome: RetentionOutcome; caseworkerId: string },
  ): Promise<{ stoodBefore: boolean; standsAfter: boolean; recordedAt: Date }> {
    const left = async () =>
      (await manager.query<unknown[]>(`SELECT 1 FROM retention_checks WHERE match_id = $1 AND outcome = 'left'`, [check.matchId])).length > 0;
    const stoodBefore = !(await left());
    const [{ recorded_at }]: { recorded_at: Date }[] = await manager.query(
      `INSERT INTO retention_checks (match_id, checkpoint_days, outcome, recorded_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (match_id, checkpoint_days) DO UPDATE SET outcome = EXCLUDED.outcome, recorded_by = EXCLUDED.recorded_by, recorded_at = now()
       RETURNING recorded_at`,
      [check.matchId, check.checkpoint, check.outcome, check.caseworkerId],
    );
    return { stoodBefore, standsAfter: !(await left()), recordedAt: recorded_at };
  }

  /** Sets a person's employment (and since when employed: null when seeking); bumps their revision. */
  async setEmployment(manager: EntityManager, candidateId: string, employment: Employment, since: Date | null): Promise<void> {
    await manager.query(`UPDATE candidates SET employment = $2, employed_since = $3, revision = revision + 1, updated_at = now() WHERE id = $1`, [
      candidateId,
      employment,
      since,
    ]);
  }

  /**
   * For explaining a match, counted now outside any transaction: the open job matches this person holds, and
   * the open matches of this opening (its shortlist).
   */
  async openJobMatchCounts(candidateId: string, openingId: string): Promise<{ person: number; opening: number }> {
    // count(*) is a bigint, which pg hands over as text; an aggregate without GROUP BY is always one row.
    const [counts] = await this.dataSource.query<{ person: string; opening: string }[]>(
      `SELECT count(*) FILTER (WHERE candidate_id = $1 AND offer_kind = 'opening') AS person, count(*) FILTER (WHERE opening_id = $2) AS opening
         FROM matches WHERE status = ANY($3::text[]) AND (candidate_id = $1 OR opening_id = $2)`,
      [candidateId, openingId, OPEN_JOB_STATUSES],
    );
    return { person: Number(counts.person), opening: Number(counts.opening) };
  }

  /** For explaining a match, counted now outside any transaction: the open offers of this slot. */
  async openSlotOfferCount(slotId: string): Promise<number> {
    const [counts] = await this.dataSource.query<{ open: string }[]>(`SELECT count(*) AS open FROM matches WHERE slot_id = $1 AND status = ANY($2::text[])`, [
      slotId,
      OPEN_SLOT_STATUSES,
    ]);
    return Number(counts.open);
  }

  /**
   * The open openings and active slots in which this person holds a withdrawn match: the places their
   * erasure or lost consent freed (the API's erasure withdraws the matches itself, in its transaction).
   */
  async offersLeftBy(manager: EntityManager, candidateId: string): Promise<{ openingIds: string[]; slotIds: string[] }> {
    const rows: { kind: string; id: string }[] = await manager.query(
      `SELECT DISTINCT 'opening' AS kind, o.id FROM matches m JOIN openings o ON o.id = m.opening_id
        WHERE m.candidate_id = $1 AND m.status = 'withdrawn' AND o.status = 'open' AND (o.valid_until IS NULL OR o.valid_until > now())
       UNION
       SELECT DISTINCT 'slot', s.id FROM matches m JOIN slots s ON s.id = m.slot_id
        WHERE m.candidate_id = $1 AND m.status = 'withdrawn' AND ${activeSlotSql('s')}`,
      [candidateId],
    );
    return {
      openingIds: rows.filter((row) => row.kind === 'opening').map((row) => row.id),
      slotIds: rows.filter((row) => row.kind === 'slot').map((row) => row.id),
    };
  }

  /** Locks openings by id (in the order of their ids) and reads them; one that is gone is absent. */
  lockOpenings(manager: EntityManager, ids: string[]): Promise<OpeningEntity[]> {
    if (ids.length === 0) return Promise.resolve([]);
    return manager.query(`SELECT ${OPENING_COLUMNS} FROM openings WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, [ids]);
  }

  /** Everyone each opening has (or had) a match with, and its open matches; every opening asked for is in the map. */
  async openingHistories(manager: EntityManager, openingIds: string[]): Promise<Map<string, { matched: Set<string>; openMatches: number }>> {
    const histories = new Map(openingIds.map((id) => [id, { matched: new Set<string>(), openMatches: 0 }]));
    if (openingIds.length === 0) return histories;
    const rows: { opening_id: string; candidate_id: string; open: boolean }[] = await manager.query(
      `SELECT opening_id, candidate_id, status = ANY($2) AS open FROM matches WHERE opening_id = ANY($1::uuid[])`,
      [openingIds, OPEN_JOB_STATUSES],
    );
    for (const row of rows) {
      const history = histories.get(row.opening_id);
      if (history === undefined) continue;
      history.matched.add(row.candidate_id);
      if (row.open) history.openMatches++;
    }
    return histories;
  }

  async slotHistory(manager: EntityManager, slotId: string): Promise<SlotHistory> {
    // Who holds an offer now: an open one, or one redeemed for an occurrence that has not ended yet (a
    // worker who had this meal is not offered the same meal again; the next occurrence is fair game).
    const rows: { candidate_id: string; last: Date; open: boolean; redeemed_now: boolean }[] = await manager.query(
      `SELECT candidate_id, max(created_at) AS last, bool_or(status = 'proposed') AS open,
              bool_or(status = 'redeemed' AND expires_at > now()) AS redeemed_now
         FROM matches WHERE slot_id = $1 GROUP BY candidate_id`,
      [slotId],
    );
    const offered = new Set(rows.filter((row) => row.open || row.redeemed_now).map((row) => row.candidate_id));
    const openOffers = rows.filter((row) => row.open).length;
    return { offered, openOffers, lastOfferedAt: new Map(rows.map((row) => [row.candidate_id, new Date(row.last).getTime()])) };
  }

  async candidateHistory(manager: EntityManager, candidateId: string): Promise<CandidateHistory> {
    return (await this.candidateHistories(manager, [candidateId])).get(candidateId) ?? emptyHistory();
  }

  /** The histories of several people in one statement (everyone asked for is in the map). */
  async candidateHistories(manager: EntityManager, candidateIds: readonly string[]): Promise<Map<string, CandidateHistory>> {
    const histories = new Map<string, CandidateHistory>(candidateIds.map((id) => [id, emptyHistory()]));
    if (candidateIds.length === 0) return histories;
    const rows: {
      id: string;
      candidate_id: string;
      opening_id: string | null;
      slot_id: string | null;
      status: string;
      running: boolean;
      last_minute: boolean;
      occurrence_starts_at: Date | null;
      expires_at: Date | null;
      self_declared: boolean;
    }[] = await manager.query(
      `SELECT id, candidate_id, opening_id, slot_id, status, COALESCE(expires_at > now(), false) AS running, last_minute, occurrence_starts_at, expires_at,
              self_declared_at IS NOT NULL AS self_declared
         FROM matches WHERE candidate_id = ANY($1::uuid[])`,
      [candidateIds],
    );
    for (const row of rows) {
      const history = histories.get(row.candidate_id);
      if (history === undefined) continue;
      // A lead (the person asked for the job at a fair) is not re-checked: it stands whatever the rules say.
      if (row.status === 'proposed' && !row.self_declared) {
        const lastMinute =
          row.last_minute && row.occurrence_starts_at !== null && row.expires_at !== null
            ? { lastMinute: { startsAt: new Date(row.occurrence_starts_at), endsAt: new Date(row.expires_at) } }
            : {};
        history.proposed.push({ id: row.id, openingId: row.opening_id, slotId: row.slot_id, ...lastMinute });
      }
      if (row.opening_id !== null) {
        history.openingIds.add(row.opening_id);
        if (OPEN_JOB_STATUSES.includes(row.status)) history.openJobMatches++;
      } else if (row.slot_id !== null && (row.status === 'proposed' || (row.status === 'redeemed' && row.running))) {
        history.openSlotOfferIds.add(row.slot_id);
      }
    }
    return histories;
  }

  /** Open matches per opening, or open offers per slot, counted in the caller's transaction. */
  async openMatchesOf(manager: EntityManager, kind: 'opening' | 'slot', ids: string[]): Promise<Map<string, number>> {
    const rows: { id: string; count: string }[] = await manager.query(
      kind === 'opening'
        ? `SELECT opening_id AS id, count(*) AS count FROM matches WHERE opening_id = ANY($1::uuid[]) AND ${OPEN_JOB_MATCH} GROUP BY opening_id`
        : `SELECT slot_id AS id, count(*) AS count FROM matches WHERE slot_id = ANY($1::uuid[]) AND status = 'proposed' GROUP BY slot_id`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, Number(row.count)]));
  }

  insertMatches(manager: EntityManager, kind: 'opening' | 'slot', offerId: string, rows: NewMatchRow[]): Promise<string[]> {
    return this.insertMatchesAcross(
      manager,
      kind,
      rows.map((row) => ({ ...row, offerId })),
    );
  }

  /** Matches of several offers of one kind, in one statement; a pair that exists already is skipped. Returns the ids written. */
  async insertMatchesAcross(manager: EntityManager, kind: 'opening' | 'slot', rows: (NewMatchRow & { offerId: string })[]): Promise<string[]> {
    if (rows.length === 0) return [];
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO matches (id, offer_kind, opening_id, slot_id, candidate_id, caseworker_id, score, reasons, status, redemption_code,
                            occurrence_starts_at, expires_at, last_minute)
       SELECT m.id, $1, CASE WHEN $1 = 'opening' THEN m.offer_id END, CASE WHEN $1 = 'slot' THEN m.offer_id END,
              m.candidate_id, m.caseworker_id, m.score, m.reasons, 'proposed', m.code, m.starts_at, m.expires_at, m.last_minute
         FROM unnest($2::uuid[], $3::uuid[], $4::uuid[], $5::uuid[], $6::float8[], $7::jsonb[], $8::text[], $9::timestamptz[], $10::timestamptz[], $11::bool[])
              AS m(offer_id, id, candidate_id, caseworker_id, score, reasons, code, starts_at, expires_at, last_minute)
       ON CONFLICT DO NOTHING
       RETURNING id`,
      [
        kind,
        rows.map((row) => row.offerId),
        rows.map((row) => row.id),
        rows.map((row) => row.candidateId),
        rows.map((row) => row.caseworkerId),
        rows.map((row) => row.score),
        rows.map((row) => JSON.stringify(row.reasons)),
        rows.map((row) => row.redemptionCode ?? null),
        rows.map((row) => row.occurrenceStartsAt ?? null),
        rows.map((row) => row.expiresAt ?? null),
        rows.map((row) => row.lastMinute === true),
      ],
    );
    afterCommit(manager, () => this.counts?.matchesProposed(kind, inserted.length));
    return inserted.map((row) => row.id);
  }

  /** Withdraws open matches; returns the offers that lost one and the people, so that places go to the next in line. */
  async withdraw(
    manager: EntityManager,
    where: { openingId?: string; slotId?: string; candidateId?: string; matchIds?: string[] },
    reason: string | null = null,
  ): Promise<Withdrawn> {
    const conditions: string[] = [];
    const parameters: unknown[] = [OPEN_JOB_STATUSES];
    const add = (sql: string, value: unknown) => {
      parameters.push(value);
      conditions.push(sql.replace('?', `$${parameters.length}`));
    };
    if (where.openingId !== undefined) add('m.opening_id = ?', where.openingId);
    if (where.slotId !== undefined) add('m.slot_id = ?', where.slotId);
    if (where.candidateId !== undefined) add('m.candidate_id = ?', where.candidateId);
    if (where.matchIds !== undefined) add('m.id = ANY(?::uuid[])', where.matchIds);
    return this.withdrawPicked(manager, `matches m WHERE ${conditions.join(' AND ')}`, parameters, reason);
  }

  /**
   * Openings whose validUntil has passed are gone as if closed: their open matches are withdrawn. Only
   * openings that lapsed after `since` are looked at (all of them when null), so that a sweep every 30 s
   * does not revisit every opening that ever lapsed; returns the database's time of the sweep. (Slot
   * offers are left alone: each expires at the end of its own occurrence, and a worker at the counter
   * may still redeem one after the slot's validUntil.)
   */
  async withdrawFromLapsedOpenings(manager: EntityManager, since: Date | null): Promise<Withdrawn & { sweptAt: Date }> {
    const [{ now }]: { now: Date }[] = await manager.query(`SELECT now() AS now`);
    const withdrawn = await this.withdrawPicked(
      manager,
      `openings o JOIN matches m ON m.opening_id = o.id
        WHERE o.valid_until <= now() AND ($2::timestamptz IS NULL OR o.valid_until > $2)`,
      [OPEN_JOB_STATUSES, since],
      'expired',
    );
    return { ...withdrawn, sweptAt: new Date(now) };
  }

  /**
   * Withdraws those of the matches `picked` names (a FROM clause and its WHERE, in which `m` is matches; $1
   * is the open job statuses) that are still open, with their history, in one statement. The picked rows
   * are locked first, whatever their status, and the open statuses are checked on the locked rows, so a
   * match a caseworker moved meanwhile keeps its new status. The status is not part of the pick on
   * purpose: with it, the planner may read the matches through an index of statuses (every open match of
   * the city) instead of the one on the column picked by, and does when its statistics say the table is
   * small, as on a new deployment (test/query-plans.e2e-spec.ts).
   */
  private async withdrawPicked(manager: EntityManager, picked: string, parameters: unknown[], reason: string | null): Promise<Withdrawn> {
    const reasonAt = `$${parameters.length + 1}::text`;
    const rows: { id: string; opening_id: string | null; slot_id: string | null; candidate_id: string; offer_kind: OfferKind }[] = await manager.query(
      `WITH picked AS (
         SELECT m.id, m.offer_kind, m.status FROM ${picked} FOR UPDATE OF m),
       changed AS (
         UPDATE matches m SET status = 'withdrawn', status_reason = ${reasonAt}, updated_at = now() FROM picked
          WHERE m.id = picked.id
            AND ((picked.offer_kind = 'opening' AND picked.status = ANY($1)) OR (picked.offer_kind = 'slot' AND picked.status = 'proposed'))
         RETURNING m.id, m.opening_id, m.slot_id, m.candidate_id, m.offer_kind, picked.status AS from_status),
       recorded AS (
         INSERT INTO match_status_history (match_id, from_status, to_status, reason, changed_by_kind)
         SELECT id, from_status, 'withdrawn', ${reasonAt}, 'system' FROM changed)
       SELECT id, opening_id, slot_id, candidate_id, offer_kind FROM changed`,
      [...parameters, reason],
    );
    countMoves(manager, this.counts, rows, 'withdrawn');
    const jobMatchesLost = new Map<string, number>();
    for (const row of rows) if (row.offer_kind === 'opening') jobMatchesLost.set(row.candidate_id, (jobMatchesLost.get(row.candidate_id) ?? 0) + 1);
    return {
      jobMatchIds: rows.filter((row) => row.offer_kind === 'opening').map((row) => row.id),
      openingIds: [...new Set(rows.map((row) => row.opening_id).filter((id): id is string => id !== null))],
      slotIds: [...new Set(rows.map((row) => row.slot_id).filter((id): id is string => id !== null))],
      jobMatchesLost,
    };
  }

  /** Proposed matches of an offer or a person, with what is needed to re-check them. */
  proposedMatches(
    manager: EntityManager,
    where: { openingId?: string; slotId?: string; candidateId?: string },
  ): Promise<
    {
      id: string;
      candidate_id: string;
      opening_id: string | null;
      slot_id: string | null;
      last_minute: boolean;
      occurrence_starts_at: Date | null;
      expires_at: Date | null;
    }[]
  > {
    const [column, value] =
      where.openingId !== undefined
        ? ['opening_id', where.openingId]
        : where.slotId !== undefined
          ? ['slot_id', where.slotId]
          : ['candidate_id', where.candidateId];
    return manager.query(
      // A lead (the person asked for the job at a fair) is not re-checked: it stands whatever the rules say.
      `SELECT id, candidate_id, opening_id, slot_id, last_minute, occurrence_starts_at, expires_at FROM matches
        WHERE ${column} = $1 AND status = 'proposed' AND self_declared_at IS NULL`,
      [value],
    );
  }

  /** How many offers of a slot were made, and how many of them were redeemed: counts, never people. */
  async offerSummary(manager: EntityManager, slotId: string): Promise<{ offered: number; redeemed: number }> {
    // count(*) is a bigint, which pg hands over as text; an aggregate without GROUP BY is always one row.
    const [row]: { offered: string; redeemed: string }[] = await manager.query(
      `SELECT count(*) AS offered, count(*) FILTER (WHERE status = $2) AS redeemed FROM matches WHERE slot_id = $1`,
      [slotId, REDEEMED],
    );
    return { offered: Number(row.offered), redeemed: Number(row.redeemed) };
  }

  /** Records a match's move from one status to another, by whom (and why), in the caller's transaction. */
  async recordStatusChange(
    manager: EntityManager,
    change: {
      matchId: string;
      offerKind: OfferKind;
      from: MatchStatus;
      to: MatchStatus;
      reason?: string | null;
      by: { kind: 'caseworker' | 'organization'; id: string };
    },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO match_status_history (match_id, from_status, to_status, reason, changed_by_kind, changed_by_id)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [change.matchId, change.from, change.to, change.reason ?? null, change.by.kind, change.by.id],
    );
    afterCommit(manager, () => this.counts?.matchStatusChanged(change.offerKind, change.to, 1));
  }

  /**
   * A caseworker's own candidates per offer, best first: the offer with the newest match first, then by
   * score. Withdrawn matches and erased (or inactive) people are left out.
   */
  async candidateLists(filter: { caseworkerId: string }): Promise<CandidateListRow[]> {
    const rows: {
      kind: 'opening' | 'slot';
      offer_id: string;
      title: string;
      match_id: string;
      candidate_id: string;
      display_name: string;
      score: number;
      reasons: unknown[];
      status: MatchStatus;
      self_declared: boolean;
    }[] = await this.dataSource.query(
      `SELECT m.offer_kind AS kind, COALESCE(m.opening_id, m.slot_id) AS offer_id, COALESCE(o.title, s.title) AS title,
              m.id AS match_id, m.candidate_id, c.display_name, m.score, m.reasons, m.status, m.self_declared_at IS NOT NULL AS self_declared
         FROM matches m
         JOIN candidates c ON c.id = m.candidate_id AND c.status = 'active'
         LEFT JOIN openings o ON o.id = m.opening_id
         LEFT JOIN slots s ON s.id = m.slot_id
        WHERE m.caseworker_id = $1 AND m.status <> $2
        ORDER BY max(m.created_at) OVER (PARTITION BY COALESCE(m.opening_id, m.slot_id)) DESC,
                 COALESCE(m.opening_id, m.slot_id), m.self_declared_at IS NULL, m.score DESC, m.id`,
      [filter.caseworkerId, WITHDRAWN],
    );
    return rows.map((row) => ({
      kind: row.kind,
      offerId: row.offer_id,
      title: row.title,
      matchId: row.match_id,
      candidateId: row.candidate_id,
      displayName: row.display_name,
      score: row.score,
      reasons: row.reasons,
      status: row.status,
      selfDeclared: row.self_declared,
    }));
  }

  /** For explaining a match, read now outside any transaction: this person's match with this opening, if any. */
  jobMatchOf(candidateId: string, openingId: string): Promise<MatchEntity | null> {
    return this.dataSource.manager.findOneBy(MatchEntity, { openingId, candidateId });
  }

  /** For explaining an offer, read now outside any transaction: this person's latest offer of this slot, if any. */
  latestSlotOfferOf(candidateId: string, slotId: string): Promise<MatchEntity | null> {
    return this.dataSource.manager.findOne(MatchEntity, { where: { slotId, candidateId }, order: { createdAt: 'DESC' } });
  }

  /** How many matches of an opening are in each status (statuses none is in are absent): counts, never people. */
  async statusCountsOf(manager: EntityManager, openingId: string): Promise<{ status: MatchStatus; count: number }[]> {
    // count(*) is a bigint, which pg hands over as text.
    const rows: { status: MatchStatus; count: string }[] = await manager.query(
      `SELECT status, count(*) AS count FROM matches WHERE opening_id = $1 GROUP BY status`,
      [openingId],
    );
    return rows.map((row) => ({ status: row.status, count: Number(row.count) }));
  }

  /**
   * The most beds of a slot's stays taken on any of these nights (local midnights): offers redeemed for a
   * stay that runs through the night. Read under the slot's lock, it is exact, as redeemedForOccurrence.
   */
  async bedsTakenOnBusiestNight(manager: EntityManager, slotId: string, nights: readonly Date[]): Promise<number> {
    const [{ taken }]: { taken: number }[] = await manager.query(
      `SELECT coalesce(max(taken), 0)::int AS taken FROM (
         SELECT (SELECT count(*) FROM matches m
                  WHERE m.slot_id = $1 AND m.status = 'redeemed' AND m.occurrence_starts_at < night AND m.expires_at > night) AS taken
           FROM unnest($2::timestamptz[]) AS night) per_night`,
      [slotId, nights],
    );
    return taken;
  }

  /**
   * Offers of a slot redeemed for the occurrence that ends at `occurrenceEnd` (an offer's expiry is the end
   * of the occurrence it is for). Read under the slot's lock, it is exact: redemptions of one slot queue on it.
   */
  async redeemedForOccurrence(manager: EntityManager, slotId: string, occurrenceEnd: Date): Promise<number> {
    const [{ count }]: { count: number }[] = await manager.query(
      `SELECT count(*)::int AS count FROM matches WHERE slot_id = $1 AND expires_at = $2 AND status = 'redeemed'`,
      [slotId, occurrenceEnd],
    );
    return count;
  }

  /**
   * The seats of one occurrence of a slot (the one ending at `occurrence.endsAt`) taken: offers redeemed for
   * it and offers open for it; and the people offered it last-minute already (any status). Read under the
   * slot's lock, it is exact: redemptions and proposals of one slot queue on it.
   */
  async occurrenceSeats(
    manager: EntityManager,
    slotId: string,
    occurrence: { startsAt: Date; endsAt: Date },
  ): Promise<{ taken: number; lastMinute: Set<string> }> {
    const rows: { candidate_id: string; holds: boolean; last_minute: boolean }[] = await manager.query(
      `SELECT candidate_id, status IN ('proposed', 'redeemed') AS holds, last_minute AND occurrence_starts_at = $3 AS last_minute
         FROM matches WHERE slot_id = $1 AND expires_at = $2`,
      [slotId, occurrence.endsAt, occurrence.startsAt],
    );
    return {
      taken: rows.filter((row) => row.holds).length,
      lastMinute: new Set(rows.filter((row) => row.last_minute).map((row) => row.candidate_id)),
    };
  }

  /**
   * Slot offers past their occurrence become `expired`, each with why: `occurrence_full` when the
   * occurrence's seats were all redeemed (the worker may have come and been turned away), else `no_show`.
   * Returns the slots that have room again.
   */
  async expireSlotOffers(): Promise<string[]> {
    const rows: { slot_id: string }[] = await this.dataSource.query(
      `WITH due AS (
         SELECT m.id, CASE WHEN (SELECT count(*) FROM matches r WHERE r.slot_id = m.slot_id AND r.expires_at = m.expires_at AND r.status = 'redeemed')
                              >= s.capacity THEN 'occurrence_full' ELSE 'no_show' END AS reason
           FROM matches m JOIN slots s ON s.id = m.slot_id
          WHERE m.offer_kind = 'slot' AND m.status = 'proposed' AND m.expires_at <= now()
          FOR UPDATE OF m),
       changed AS (
         UPDATE matches m SET status = 'expired', status_reason = due.reason, updated_at = now() FROM due
          WHERE m.id = due.id AND m.status = 'proposed'
         RETURNING m.id, m.slot_id, due.reason),
       recorded AS (
         INSERT INTO match_status_history (match_id, from_status, to_status, reason, changed_by_kind)
         SELECT id, 'proposed', 'expired', reason, 'system' FROM changed)
       SELECT slot_id FROM changed`,
    );
    // One statement outside a transaction: committed when it returns.
    afterCommit(this.dataSource.manager, () => this.counts?.matchStatusChanged('slot', 'expired', rows.length));
    return [...new Set(rows.map((row) => row.slot_id))];
  }

  /**
   * Those of these people with `behindAfter` or more no-shows (offers expired as `no_show`) whose
   * occurrence ended within the last `days` days.
   */
  async repeatNoShows(manager: EntityManager, candidateIds: string[], noShows: { behindAfter: number; days: number }): Promise<Set<string>> {
    const rows: { candidate_id: string }[] = await manager.query(
      `SELECT candidate_id FROM matches
        WHERE candidate_id = ANY($1::uuid[]) AND status = 'expired' AND status_reason = 'no_show' AND expires_at > now() - make_interval(days => $3)
        GROUP BY candidate_id HAVING count(*) >= $2`,
      [candidateIds, noShows.behindAfter, noShows.days],
    );
    return new Set(rows.map((row) => row.candidate_id));
  }

  /** A person's no-shows whose occurrence ended within the last `days` days (for explain). */
  async noShowsOf(manager: EntityManager, candidateId: string, days: number): Promise<number> {
    const [{ n }]: { n: number }[] = await manager.query(
      `SELECT count(*)::int AS n FROM matches
        WHERE candidate_id = $1 AND status = 'expired' AND status_reason = 'no_show' AND expires_at > now() - make_interval(days => $2)`,
      [candidateId, days],
    );
    return n;
  }
}
