import { Injectable, Optional } from '@nestjs/common';
import { CONSENT_PURPOSES, type ConsentPurpose, type ConsentRecordMethod, OPEN_JOB_MATCH_STATUSES, type OfferKind } from '@huigong/domain';
import type { EntityManager } from 'typeorm';
import { CommittedCounts, countMoves } from './committed-counts';
import type { CandidateEntity } from './entities/candidate.entity';

/** Matches and notifications held about one person (CandidateStore.heldAbout). */
export interface HeldAboutPerson {
  matches: {
    matchId: string;
    offerKind: string;
    offerId: string;
    offerTitle: string | null;
    status: string;
    statusReason: string | null;
    score: number;
    reasons: unknown[];
    createdAt: Date;
    updatedAt: Date;
    history: { from: string; to: string; reason: string | null; by: string; at: string }[];
    retentionChecks: { checkpointDays: number; outcome: string; at: string }[];
  }[];
  notifications: {
    id: string;
    type: string;
    recipientKind: string;
    createdAt: Date;
    payload: Record<string, unknown>;
    deliveries: { channel: string; status: string; deliveredAt: string | null }[];
  }[];
}

/** One line of a caseworker's worklist. */
export interface SeekerRow {
  candidateId: string;
  displayName: string;
  waitingSince: Date;
  matchesInProgress: number;
  lastContactAt: Date | null;
}

/** The columns a caseworker gives for a new person; the rest (timestamps, erasure) PostgreSQL fills in. */
export type NewCandidateRow = Pick<
  CandidateEntity,
  | 'id'
  | 'caseworkerId'
  | 'status'
  | 'displayName'
  | 'externalRef'
  | 'phone'
  | 'groups'
  | 'skills'
  | 'lat'
  | 'lng'
  | 'maxTravelKm'
  | 'availability'
  | 'breaks'
  | 'accessibilityNeeds'
  | 'consentJobs'
  | 'consentBenefits'
  | 'consentSensitive'
  | 'openToJobOffers'
  | 'noticePreferences'
  | 'revision'
> & {
  /** How the person gave the consents they are registered with (the history records it). */
  consentHow: ConsentRecordMethod;
  /** A job fair's newcomer, whose profile waits for their caseworker (CandidateEntity.profilePending). */
  profilePending?: boolean;
};

/** One consent in a person's history: given (by whom, when, how) and, once withdrawn, when, by whom and how. */
export interface ConsentRecord {
  purpose: ConsentPurpose;
  givenAt: Date;
  givenBy: string;
  givenHow: ConsentRecordMethod;
  withdrawnAt: Date | null;
  withdrawnBy: string | null;
  withdrawnHow: ConsentRecordMethod | null;
}

/** Statuses of a match that erasure withdraws: the open ones (a proposed slot offer among them). */
const OPEN_STATUSES: readonly string[] = OPEN_JOB_MATCH_STATUSES;

/** The writes about one person that reach beyond the candidates table, kept here rather than in the API's handlers. */
@Injectable()
export class CandidateStore {
  constructor(@Optional() private readonly counts?: CommittedCounts) {}

  /**
   * Consent withdrawn: blanks the profile to a tombstone (ids and timestamps only), withdraws open matches
   * (recording the change) and erases their reasons and notes, cuts the person out of every notification,
   * and blanks stored idempotent responses about them. In the caller's transaction (`manager`), which has
   * already locked the candidate row and emits CandidateErased.
   */
  /**
   * New people, in one statement however many (a bulk import's chunk): the rows travel as one JSON
   * document that PostgreSQL unpacks (jsonb_to_recordset), not as 16 bound parameters a row. Returns the
   * time they were created: the transaction's, every row's created_at and updated_at.
   */
  async insertNew(manager: EntityManager, rows: readonly NewCandidateRow[]): Promise<Date> {
    const document = JSON.stringify(
      rows.map((row) => ({
        id: row.id,
        caseworker_id: row.caseworkerId,
        status: row.status,
        display_name: row.displayName,
        external_ref: row.externalRef,
        phone: row.phone,
        groups: row.groups,
        skills: row.skills,
        lat: row.lat,
        lng: row.lng,
        max_travel_km: row.maxTravelKm,
        availability: row.availability,
        breaks: row.breaks,
        accessibility_needs: row.accessibilityNeeds,
        consent_jobs: row.consentJobs,
        consent_benefits: row.consentBenefits,
        consent_sensitive: row.consentSensitive,
        consent_how: row.consentHow,
        open_to_job_offers: row.openToJobOffers,
        notice_preferences: row.noticePreferences,
        revision: row.revision,
        profile_pending: row.profilePending ?? false,
      })),
    );
    // The consents each person gives are the first rows of their consent history, written by the same
    // statement (the registering caseworker recorded them).
    const created: { at: Date }[] = await manager.query(
      `WITH r AS (
         SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(
                id uuid, caseworker_id uuid, status text, display_name text, external_ref text, phone text, groups text[],
                skills text[], lat double precision, lng double precision, max_travel_km double precision, availability jsonb,
                breaks jsonb, accessibility_needs text[], consent_jobs boolean, consent_benefits boolean, consent_sensitive boolean,
                consent_how text, open_to_job_offers boolean, notice_preferences jsonb, revision integer, profile_pending boolean)),
       inserted AS (
         INSERT INTO candidates (id, caseworker_id, status, display_name, external_ref, phone, groups, skills, lat, lng,
                                 max_travel_km, availability, breaks, accessibility_needs, consent_jobs, consent_benefits, consent_sensitive,
                                 open_to_job_offers, notice_preferences, revision, profile_pending)
         SELECT id, caseworker_id, status, display_name, external_ref, phone, groups, skills, lat, lng,
                max_travel_km, availability, breaks, accessibility_needs, consent_jobs, consent_benefits, consent_sensitive,
                open_to_job_offers, notice_preferences, revision, profile_pending
           FROM r
         RETURNING 1),
       consents AS (
         INSERT INTO consent_records (candidate_id, purpose, given_by, given_how)
         SELECT r.id, p.purpose, r.caseworker_id, r.consent_how
           FROM r CROSS JOIN LATERAL (VALUES ('jobs', r.consent_jobs), ('benefits', r.consent_benefits), ('sensitive', r.consent_sensitive)) AS p (purpose, given)
          WHERE p.given)
       SELECT now() AS at, (SELECT count(*) FROM inserted) AS n`,
      [document],
    );
    return created[0].at;
  }

  /**
   * A caseworker's own people still seeking work, longest waiting first (`offset`, `limit`): each with the
   * job matches in progress (open ones: proposed to interview) and the last time the caseworker recorded a
   * step of one of their matches (null: never).
   */
  async seekersOf(manager: EntityManager, caseworkerId: string, page: { limit: number; offset: number }): Promise<SeekerRow[]> {
    const rows: (Omit<SeekerRow, 'matchesInProgress'> & { matchesInProgress: string })[] = await manager.query(
      `SELECT c.id AS "candidateId", c.display_name AS "displayName", c.created_at AS "waitingSince",
              (SELECT count(*) FROM matches m WHERE m.candidate_id = c.id AND m.offer_kind = 'opening' AND m.status = ANY($4)) AS "matchesInProgress",
              (SELECT max(h.changed_at) FROM matches m JOIN match_status_history h ON h.match_id = m.id
                WHERE m.candidate_id = c.id AND h.changed_by_kind = 'caseworker') AS "lastContactAt"
         FROM candidates c
        WHERE c.caseworker_id = $1 AND c.status = 'active' AND c.employment = 'seeking'
        ORDER BY c.created_at, c.id
        LIMIT $2 OFFSET $3`,
      [caseworkerId, page.limit, page.offset, OPEN_STATUSES],
    );
    return rows.map((row) => ({ ...row, matchesInProgress: Number(row.matchesInProgress) }));
  }

  /**
   * What is held about one person besides their profile, for their export: their matches with each change
   * of status and the retention checks of their hires, and the notifications that name them, each with its
   * deliveries. A notification to a caseworker names other people too: only this person's entries of its
   * `matches` are returned, and a digest (counts of lists) not at all.
   */
  async heldAbout(manager: EntityManager, candidateId: string): Promise<HeldAboutPerson> {
    const matches: HeldAboutPerson['matches'] = await manager.query(
      `SELECT m.id AS "matchId", m.offer_kind AS "offerKind", coalesce(m.opening_id, m.slot_id) AS "offerId",
              coalesce(o.title, s.title) AS "offerTitle", m.status, m.status_reason AS "statusReason", m.score, m.reasons,
              m.created_at AS "createdAt", m.updated_at AS "updatedAt",
              coalesce((SELECT jsonb_agg(jsonb_build_object('from', h.from_status, 'to', h.to_status, 'reason', h.reason, 'by', h.changed_by_kind, 'at', h.changed_at) ORDER BY h.changed_at)
                          FROM match_status_history h WHERE h.match_id = m.id), '[]') AS history,
              coalesce((SELECT jsonb_agg(jsonb_build_object('checkpointDays', r.checkpoint_days, 'outcome', r.outcome, 'at', r.recorded_at) ORDER BY r.checkpoint_days)
                          FROM retention_checks r WHERE r.match_id = m.id), '[]') AS "retentionChecks"
         FROM matches m LEFT JOIN openings o ON o.id = m.opening_id LEFT JOIN slots s ON s.id = m.slot_id
        WHERE m.candidate_id = $1
        ORDER BY m.created_at`,
      [candidateId],
    );
    const notifications: HeldAboutPerson['notifications'] = await manager.query(
      `SELECT n.id, n.type, n.recipient_kind AS "recipientKind", n.created_at AS "createdAt",
              CASE WHEN jsonb_typeof(n.payload->'matches') = 'array'
                   THEN jsonb_set(n.payload, '{matches}', coalesce((SELECT jsonb_agg(entry) FROM jsonb_array_elements(n.payload->'matches') AS entry
                                                                      WHERE entry->>'candidateId' = $1::text), '[]'))
                   ELSE n.payload END AS payload,
              coalesce((SELECT jsonb_agg(jsonb_build_object('channel', d.channel, 'status', d.status, 'deliveredAt', d.delivered_at) ORDER BY d.created_at)
                          FROM notification_deliveries d WHERE d.notification_id = n.id), '[]') AS deliveries
         FROM notifications n
        WHERE n.candidate_ids @> ARRAY[$1::uuid] AND n.type <> 'candidate_digest'
        ORDER BY n.created_at`,
      [candidateId],
    );
    return { matches, notifications };
  }

  /** `erasedBy`: the caseworker who erased the person, recorded as withdrawing every consent still given. */
  async erase(manager: EntityManager, candidateId: string, erasedBy: string): Promise<void> {
    await this.withdrawConsents(manager, candidateId, CONSENT_PURPOSES, { by: erasedBy, how: 'erasure' });
    await manager.query(
      `UPDATE candidates
          SET status = 'erased', display_name = NULL, external_ref = NULL, phone = NULL, groups = '{}', skills = '{}',
              lat = NULL, lng = NULL, max_travel_km = NULL, availability = '[]', breaks = '[]',
              accessibility_needs = '{}', consent_jobs = false, consent_benefits = false, consent_sensitive = false, employment = 'seeking', employed_since = NULL,
              open_to_job_offers = false, notice_preferences = '{}', revision = revision + 1,
              erased_at = now(), updated_at = now()
        WHERE id = $1`,
      [candidateId],
    );
    // TypeORM answers an UPDATE ... RETURNING with [rows, count].
    const [changed]: [{ offer_kind: OfferKind; withdrawn: boolean }[], number] = await manager.query(
      `WITH before AS (SELECT id, status FROM matches WHERE candidate_id = $1 FOR UPDATE),
       recorded AS (
         INSERT INTO match_status_history (match_id, from_status, to_status, changed_by_kind)
         SELECT id, status, 'withdrawn', 'system' FROM before WHERE status = ANY($2::text[]))
       UPDATE matches m
          SET status = CASE WHEN m.status = ANY($2::text[]) THEN 'withdrawn' ELSE m.status END,
              reasons = '[]', note = NULL, status_reason = NULL, redemption_code = NULL, updated_at = now()
         FROM before WHERE m.id = before.id
       RETURNING m.offer_kind, before.status = ANY($2::text[]) AS withdrawn`,
      [candidateId, OPEN_STATUSES],
    );
    countMoves(
      manager,
      this.counts,
      changed.filter((row) => row.withdrawn),
      'withdrawn',
    );
    // Reasons written by a caseworker may say anything about the person: they go too.
    await manager.query(`UPDATE match_status_history SET reason = NULL WHERE match_id IN (SELECT id FROM matches WHERE candidate_id = $1)`, [candidateId]);
    await manager.query(`DELETE FROM notifications WHERE recipient_kind = 'candidate' AND recipient_id = $1`, [candidateId]);
    // Course orders: an open one is withdrawn; one a demand counted keeps its id and loses the times given.
    await manager.query(`DELETE FROM course_orders WHERE candidate_id = $1 AND demand_id IS NULL`, [candidateId]);
    // The hash of the phone a fair's viewer was registered by: the same phone at a later fair is a new person.
    await manager.query(`DELETE FROM viewer_phones WHERE candidate_id = $1`, [candidateId]);
    await manager.query(`UPDATE course_orders SET free_windows = '[]' WHERE candidate_id = $1`, [candidateId]);
    // Standby: the person stands by for nothing any more.
    await manager.query(`DELETE FROM standby_enrolments WHERE candidate_id = $1`, [candidateId]);
    await manager.query(
      `UPDATE notifications
          SET payload = jsonb_set(payload, '{matches}', COALESCE(
                (SELECT jsonb_agg(entry) FROM jsonb_array_elements(payload->'matches') AS entry
                  WHERE entry->>'candidateId' IS DISTINCT FROM $1::text), '[]'::jsonb)),
              candidate_ids = array_remove(candidate_ids, $1::uuid)
        WHERE candidate_ids @> ARRAY[$1::uuid]`,
      [candidateId],
    );
    // The stored response held the profile; the record stays, blanked, so that a retry of the original
    // POST cannot register the person again: it now meets a different request hash and gets 409.
    await manager.query(`UPDATE idempotency_records SET response_body = 'null', request_hash = 'erased', resource_id = NULL WHERE resource_id = $1`, [
      candidateId,
    ]);
  }

  /**
   * Records the consents a change of the person's row gave and withdrew, by `change.by` (a caseworker) and
   * `change.how`, in the caller's transaction (which has locked the row): a purpose given opens a record,
   * a purpose withdrawn closes the standing one.
   */
  async recordConsentChanges(
    manager: EntityManager,
    candidateId: string,
    changes: { given: readonly ConsentPurpose[]; withdrawn: readonly ConsentPurpose[] },
    change: { by: string; how: ConsentRecordMethod },
  ): Promise<void> {
    await this.withdrawConsents(manager, candidateId, changes.withdrawn, change);
    if (changes.given.length === 0) return;
    await manager.query(
      `INSERT INTO consent_records (candidate_id, purpose, given_by, given_how) SELECT $1, purpose, $3, $4 FROM unnest($2::text[]) AS purpose`,
      [candidateId, changes.given, change.by, change.how],
    );
  }

  /** The person's consent history, oldest first. */
  consentHistory(manager: EntityManager, candidateId: string): Promise<ConsentRecord[]> {
    return manager.query(
      `SELECT purpose, given_at AS "givenAt", given_by AS "givenBy", given_how AS "givenHow",
              withdrawn_at AS "withdrawnAt", withdrawn_by AS "withdrawnBy", withdrawn_how AS "withdrawnHow"
         FROM consent_records WHERE candidate_id = $1 ORDER BY given_at, id`,
      [candidateId],
    );
  }

  private async withdrawConsents(
    manager: EntityManager,
    candidateId: string,
    purposes: readonly ConsentPurpose[],
    change: { by: string; how: ConsentRecordMethod },
  ): Promise<void> {
    if (purposes.length === 0) return;
    await manager.query(
      `UPDATE consent_records SET withdrawn_at = now(), withdrawn_by = $3, withdrawn_how = $4
        WHERE candidate_id = $1 AND purpose = ANY($2::text[]) AND withdrawn_at IS NULL`,
      [candidateId, purposes, change.by, change.how],
    );
  }
}
