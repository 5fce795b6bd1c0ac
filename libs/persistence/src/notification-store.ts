import { Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { DatedOccurrence, SlotKind } from '@huigong/domain';
import { CommittedCounts, type DeliveryAttemptStatus, afterCommit } from './committed-counts';
import type { CandidateEntity } from './entities/candidate.entity';
import type { NotificationRecipientKind, NotificationType } from './entities/notification.entity';

export interface ProposedMatchRow {
  id: string;
  candidate_id: string;
  caseworker_id: string;
  display_name: string;
  score: number;
  reasons: unknown[];
  redemption_code: string | null;
  occurrence_starts_at: Date | null;
  expires_at: Date | null;
  /** A last-minute offer to someone on standby. */
  last_minute: boolean;
  status: string;
}

export interface OfferRow {
  id: string;
  organization_id: string;
  title: string;
  lat: number;
  lng: number;
  windows?: { day: number; start: string; end: string }[];
  kind?: SlotKind;
  occurrences?: DatedOccurrence[];
  offer?: { discountPercent?: number; price?: number; description?: string };
}

export interface NewNotification {
  recipientKind: NotificationRecipientKind;
  recipientId: string;
  type: NotificationType;
  dedupeKey: string;
  payload: Record<string, unknown>;
  candidateIds: string[];
}

/** The ways, besides the inbox, that a notification can go out. */
/** A delivery as an admin sees it: where it was going and what happened, never the payload. */
export interface DeliveryRow {
  deliveryId: string;
  notificationId: string;
  type: string;
  channel: string;
  recipientKind: string;
  recipientId: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A notification in its recipient's inbox. */
export interface InboxRow {
  id: string;
  type: string;
  createdAt: Date;
  payload: Record<string, unknown>;
}

export const DELIVERY_CHANNELS = ['webhook', 'worker_gateway', 'email'] as const;
export type DeliveryChannel = (typeof DELIVERY_CHANNELS)[number];

export interface DeliveryTarget {
  deliveryId: string;
  status: string;
  /** Attempts recorded so far (held offers do not count). */
  attempts: number;
  /** Not to be sent before this time (a caseworker digest waits for the end of its window). */
  notBefore: Date | null;
  channel: DeliveryChannel;
  notificationId: string;
  type: string;
  createdAt: Date;
  payload: Record<string, unknown>;
  recipientKind: NotificationRecipientKind;
  recipientId: string;
  webhookUrl: string | null;
  webhookSecret: string | null;
  webhookDisabled: boolean;
  /** The recipient's email address, read at send time (email deliveries). */
  email: string | null;
}

export interface DeliveryAttemptOutcome {
  deliveryId: string;
  status: DeliveryAttemptStatus;
  statusCode?: number;
  error?: string;
}

/**
 * One offer to one worker, under the lock on that worker's offers (`withWorkerOffers`): what was read under
 * the lock, and writes that go over the lock's own connection, in its transaction.
 */
export interface WorkerOfferSession {
  /** Offers delivered to the worker since the given instant (the start of the local day). */
  deliveredSince: number;
  /** The delivery as it is now (another job may have sent it since it was read); undefined when erased. */
  delivery: { status: string; attempts: number } | undefined;
  /** The worker's phone, for the gateway only (never stored in a payload); null when no longer active. */
  phone: string | null;
  /** The worker's own quiet hours, daily cap and language (each absent: the deployment's). */
  preferences: CandidateEntity['noticePreferences'];
  /** Records the outcome of this attempt at the delivery, in the lock's transaction. */
  markAttempt(outcome: Omit<DeliveryAttemptOutcome, 'deliveryId'>): Promise<void>;
  /** Notes why the offer is held back (it stays pending, without using an attempt), in the lock's transaction. */
  noteHeld(reason: string): Promise<void>;
}

async function markAttempts(manager: EntityManager, outcomes: readonly DeliveryAttemptOutcome[], counts: CommittedCounts | undefined): Promise<void> {
  if (outcomes.length === 0) return;
  await manager.query(
    `UPDATE notification_deliveries d
        SET status = o.status, attempts = d.attempts + 1, last_status_code = o.status_code, last_error = o.error, updated_at = now(),
            delivered_at = CASE WHEN o.status = 'delivered' THEN now() ELSE d.delivered_at END
       FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[]) AS o(id, status, status_code, error)
      WHERE d.id = o.id`,
    [outcomes.map((o) => o.deliveryId), outcomes.map((o) => o.status), outcomes.map((o) => o.statusCode ?? null), outcomes.map((o) => o.error ?? null)],
  );
  if (counts === undefined) return;
  const byStatus = new Map<DeliveryAttemptStatus, number>();
  for (const outcome of outcomes) byStatus.set(outcome.status, (byStatus.get(outcome.status) ?? 0) + 1);
  afterCommit(manager, () => {
    for (const [status, count] of byStatus) counts.deliveryAttempts(status, count);
  });
}

async function noteHeld(manager: EntityManager, deliveryId: string, reason: string): Promise<void> {
  await manager.query(`UPDATE notification_deliveries SET last_error = $2, updated_at = now() WHERE id = $1`, [deliveryId, reason]);
}

/** The notifier's reads and writes: notifications recorded once (by dedupe key), and their deliveries. */
@Injectable()
export class NotificationStore {
  constructor(
    private readonly dataSource: DataSource,
    @Optional() private readonly counts?: CommittedCounts,
  ) {}

  /**
   * The matches of a batch still worth telling about: proposed (or withdrawn, for the caseworkers told of it),
   * of people still active and consenting; the caller keeps the status it tells of.
   * Read by id, and each person by id, whatever the statistics say: with the status in the WHERE the
   * planner may read every proposed match of the city through the index of statuses, and with a join it
   * may hash every active person, and does both when its statistics say the tables are small, as on a new
   * deployment (test/query-plans.e2e-spec.ts). So the status is checked here, and the person is a
   * subquery per match (null when no longer active or consenting: an active person always has a name).
   */
  async matchesToTell(manager: EntityManager, matchIds: string[]): Promise<ProposedMatchRow[]> {
    const rows: (Omit<ProposedMatchRow, 'display_name'> & { display_name: string | null })[] = await manager.query(
      `SELECT m.id, m.candidate_id, m.caseworker_id, m.score, m.reasons, m.redemption_code, m.occurrence_starts_at, m.expires_at, m.last_minute, m.status,
              (SELECT c.display_name FROM candidates c WHERE c.id = m.candidate_id AND c.status = 'active' AND c.consent_contact) AS display_name
         FROM matches m
        WHERE m.id = ANY($1::uuid[])
        ORDER BY m.score DESC, m.candidate_id`,
      [matchIds],
    );
    return rows.filter((row): row is ProposedMatchRow => (row.status === 'proposed' || row.status === 'withdrawn') && row.display_name !== null);
  }

  /** The language each of these people's texts are in, where their caseworker set one (the others are absent). */
  async noticeLanguagesOf(manager: EntityManager, candidateIds: readonly string[]): Promise<Map<string, 'zh-CN' | 'en'>> {
    const rows: { id: string; language: 'zh-CN' | 'en' }[] = await manager.query(
      `SELECT id, notice_preferences->>'language' AS language FROM candidates WHERE id = ANY($1::uuid[]) AND notice_preferences->>'language' IS NOT NULL`,
      [candidateIds],
    );
    return new Map(rows.map((row) => [row.id, row.language]));
  }

  /** Offers by id (one that is gone is absent). */
  async offers(manager: EntityManager, kind: 'opening' | 'slot', ids: readonly string[]): Promise<Map<string, OfferRow>> {
    const rows: OfferRow[] = await manager.query(
      kind === 'opening'
        ? `SELECT id, organization_id, title, lat, lng FROM openings WHERE id = ANY($1::uuid[])`
        : `SELECT id, organization_id, title, lat, lng, windows, kind, occurrences, offer FROM slots WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** Counts of each offer's matches by status: what its owner may see (an offer without matches is absent). */
  async summaries(manager: EntityManager, kind: 'opening' | 'slot', ids: readonly string[]): Promise<Map<string, Record<string, number>>> {
    const column = kind === 'opening' ? 'opening_id' : 'slot_id';
    const rows: { offer_id: string; status: string; count: string }[] = await manager.query(
      `SELECT ${column} AS offer_id, status, count(*) AS count FROM matches WHERE ${column} = ANY($1::uuid[]) GROUP BY ${column}, status`,
      [ids],
    );
    const summaries = new Map<string, Record<string, number>>();
    for (const row of rows) summaries.set(row.offer_id, { ...summaries.get(row.offer_id), [row.status]: Number(row.count) });
    return summaries;
  }

  /** Records a notification unless one with the same dedupe key exists; returns its id when new. */
  async record(manager: EntityManager, notification: NewNotification): Promise<string | undefined> {
    const [id] = await this.recordAll(manager, [notification]);
    return id;
  }

  /**
   * Records notifications in one statement, each unless one with its dedupe key exists. Answers, in order,
   * the id of each one recorded now (undefined: it existed).
   */
  async recordAll(manager: EntityManager, notifications: readonly NewNotification[]): Promise<(string | undefined)[]> {
    if (notifications.length === 0) return [];
    const document = JSON.stringify(
      notifications.map((notification) => ({
        id: randomUUID(),
        recipient_kind: notification.recipientKind,
        recipient_id: notification.recipientId,
        type: notification.type,
        dedupe_key: notification.dedupeKey,
        payload: notification.payload,
        candidate_ids: notification.candidateIds,
      })),
    );
    const rows: { id: string; dedupe_key: string }[] = await manager.query(
      `INSERT INTO notifications (id, recipient_kind, recipient_id, type, dedupe_key, payload, candidate_ids)
       SELECT id, recipient_kind, recipient_id, type, dedupe_key, payload, candidate_ids
         FROM jsonb_to_recordset($1::jsonb) AS n(id uuid, recipient_kind text, recipient_id uuid, type text, dedupe_key text, payload jsonb, candidate_ids uuid[])
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id, dedupe_key`,
      [document],
    );
    const recorded = new Map(rows.map((row) => [row.dedupe_key, row.id]));
    return notifications.map((notification) => recorded.get(notification.dedupeKey));
  }

  /** How each of these caseworkers and organizations can be reached besides the inbox (contactsOf), one statement per kind. */
  async contactsOfAll(
    manager: EntityManager,
    recipients: readonly { kind: NotificationRecipientKind; id: string }[],
  ): Promise<Map<string, { webhook: boolean; email: boolean }>> {
    const contacts = new Map<string, { webhook: boolean; email: boolean }>();
    for (const kind of ['caseworker', 'organization'] as const) {
      const ids = [...new Set(recipients.filter((recipient) => recipient.kind === kind).map((recipient) => recipient.id))];
      if (ids.length === 0) continue;
      const rows: { id: string; webhook: boolean; email: boolean }[] = await manager.query(
        `SELECT id, webhook_url IS NOT NULL AND webhook_disabled_at IS NULL AS webhook, email IS NOT NULL AS email
           FROM ${kind === 'caseworker' ? 'caseworkers' : 'organizations'} WHERE id = ANY($1::uuid[])`,
        [ids],
      );
      for (const row of rows) contacts.set(`${kind}:${row.id}`, { webhook: row.webhook, email: row.email });
    }
    return contacts;
  }

  /** Pending deliveries of recorded notifications, one statement for all; answers their ids in order. */
  async addDeliveries(
    manager: EntityManager,
    deliveries: readonly { notificationId: string; channel: DeliveryChannel; notBefore?: Date | null }[],
  ): Promise<string[]> {
    if (deliveries.length === 0) return [];
    const ids = deliveries.map(() => randomUUID());
    await manager.query(
      `INSERT INTO notification_deliveries (id, notification_id, channel, status, not_before)
       SELECT id, notification_id, channel, 'pending', not_before FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::timestamptz[]) AS d(id, notification_id, channel, not_before)`,
      [
        ids,
        deliveries.map((delivery) => delivery.notificationId),
        deliveries.map((delivery) => delivery.channel),
        deliveries.map((delivery) => delivery.notBefore ?? null),
      ],
    );
    return ids;
  }

  /** Proposed job matches of active people that have not moved for `days` days, per caseworker. */
  staleProposals(
    manager: EntityManager,
    days: number,
  ): Promise<{ caseworker_id: string; match_id: string; candidate_id: string; display_name: string; opening_id: string; title: string; since: Date }[]> {
    return manager.query(
      `SELECT m.caseworker_id, m.id AS match_id, m.candidate_id, c.display_name, m.opening_id, o.title, m.updated_at AS since
         FROM matches m
         JOIN candidates c ON c.id = m.candidate_id AND c.status = 'active'
         JOIN openings o ON o.id = m.opening_id AND o.status = 'open'
        WHERE m.offer_kind = 'opening' AND m.status = 'proposed' AND m.updated_at < now() - make_interval(days => $1)
        ORDER BY m.caseworker_id, m.updated_at`,
      [days],
    );
  }

  /**
   * Hires whose retention check at `days` is due: hired (their last move into hired) between `days` and
   * `days` + `graceDays` ago, still standing (no `left`), not checked at that checkpoint, of active people.
   */
  dueRetentionChecks(
    manager: EntityManager,
    days: number,
    graceDays: number,
  ): Promise<{ caseworker_id: string; match_id: string; candidate_id: string; display_name: string; opening_id: string; title: string; hired_at: Date }[]> {
    return manager.query(
      `WITH hires AS (
         SELECT h.match_id, max(h.changed_at) AS hired_at FROM match_status_history h
          WHERE h.to_status = 'hired' AND h.changed_at > now() - make_interval(days => $1::int + $2::int)
          GROUP BY h.match_id)
       SELECT m.caseworker_id, m.id AS match_id, m.candidate_id, c.display_name, m.opening_id, o.title, hires.hired_at
         FROM hires
         JOIN matches m ON m.id = hires.match_id AND m.status = 'hired'
         JOIN candidates c ON c.id = m.candidate_id AND c.status = 'active'
         JOIN openings o ON o.id = m.opening_id
        WHERE hires.hired_at <= now() - make_interval(days => $1::int)
          AND NOT EXISTS (SELECT 1 FROM retention_checks r WHERE r.match_id = m.id AND (r.checkpoint_days = $1::int OR r.outcome = 'left'))
        ORDER BY m.caseworker_id, hires.hired_at`,
      [days, graceDays],
    );
  }

  /** How a caseworker or organization can be reached besides the inbox: a webhook that is on, an email address. */
  async contactsOf(manager: EntityManager, kind: NotificationRecipientKind, id: string): Promise<{ webhook: boolean; email: boolean }> {
    return (await this.contactsOfAll(manager, [{ kind, id }])).get(`${kind}:${id}`) ?? { webhook: false, email: false };
  }

  async addDelivery(manager: EntityManager, notificationId: string, channel: DeliveryChannel, notBefore: Date | null = null): Promise<string> {
    const [id] = await this.addDeliveries(manager, [{ notificationId, channel, notBefore }]);
    return id;
  }

  /** Candidate lists recorded for a caseworker since `since`, other than those of `except`. */
  async candidateListsSince(manager: EntityManager, caseworkerId: string, since: Date, except: readonly string[]): Promise<number> {
    const [row]: { n: number }[] = await manager.query(
      `SELECT count(*)::int AS n FROM notifications
        WHERE type = 'candidate_list' AND recipient_id = $1 AND created_at >= $2 AND id <> ALL($3::uuid[])`,
      [caseworkerId, since, except],
    );
    return row.n;
  }

  /**
   * Adds a candidate list to the caseworker's digest of the window starting at `windowStart`: the digest is
   * recorded once (by dedupe key) and grows by one entry (offer and count, no names) per list. Answers the
   * digest's id, and whether this call recorded it (then it needs its delivery).
   */
  async addToDigest(
    manager: EntityManager,
    caseworkerId: string,
    window: { start: Date; end: Date },
    entry: { notificationId: string; offer: { kind: string; id: string; title: string }; candidates: number },
  ): Promise<{ digestId: string; recorded: boolean }> {
    const dedupeKey = `candidate_digest:${caseworkerId}:${window.start.toISOString()}`;
    const recordedId = await this.record(manager, {
      recipientKind: 'caseworker',
      recipientId: caseworkerId,
      type: 'candidate_digest',
      dedupeKey,
      payload: { windowStart: window.start.toISOString(), windowEnd: window.end.toISOString(), candidates: 0, lists: [] },
      candidateIds: [],
    });
    // TypeORM answers an UPDATE ... RETURNING with [rows, count].
    const [[row]]: [{ id: string }[], number] = await manager.query(
      `UPDATE notifications
          SET payload = jsonb_set(jsonb_set(payload, '{lists}', (payload->'lists') || jsonb_build_array($2::jsonb)),
                                  '{candidates}', to_jsonb((payload->>'candidates')::int + $3))
        WHERE dedupe_key = $1 RETURNING id`,
      [dedupeKey, JSON.stringify(entry), entry.candidates],
    );
    return { digestId: row.id, recorded: recordedId !== undefined };
  }

  /** Deliveries with what is needed to send them now (the webhook's URL and secret, read at send time). */
  async deliveryTargets(deliveryIds: readonly string[]): Promise<DeliveryTarget[]> {
    return this.dataSource.query(
      `SELECT d.id AS "deliveryId", d.status, d.attempts, d.not_before AS "notBefore", d.channel, n.id AS "notificationId", n.type, n.created_at AS "createdAt", n.payload,
              n.recipient_kind AS "recipientKind", n.recipient_id AS "recipientId",
              COALESCE(cw.webhook_url, o.webhook_url) AS "webhookUrl", COALESCE(cw.webhook_secret, o.webhook_secret) AS "webhookSecret",
              COALESCE(cw.webhook_disabled_at, o.webhook_disabled_at) IS NOT NULL AS "webhookDisabled",
              COALESCE(cw.email, o.email) AS email
         FROM notification_deliveries d
         JOIN notifications n ON n.id = d.notification_id
         LEFT JOIN caseworkers cw ON n.recipient_kind = 'caseworker' AND cw.id = n.recipient_id
         LEFT JOIN organizations o ON n.recipient_kind = 'organization' AND o.id = n.recipient_id
        WHERE d.id = ANY($1::uuid[])`,
      [deliveryIds],
    );
  }

  /** Records the outcome of one attempt at each delivery, in one statement. Not inside a transaction: it takes a connection of its own. */
  async markAttempts(outcomes: readonly DeliveryAttemptOutcome[]): Promise<void> {
    await markAttempts(this.dataSource.manager, outcomes, this.counts);
  }

  /**
   * Runs `work` holding a lock on one worker's offers, so that two deliveries at once (in this process or
   * another) cannot both slip under the daily cap. The lock is a transaction's, and `work` gets that
   * transaction as a session: what it reads (the offers delivered since `since`, the delivery as it is now,
   * the phone) and what it writes (the attempt's outcome, a hold) all go over the lock's one connection, so
   * it never waits for a second connection from the pool while holding one. A delivered offer is recorded
   * in the same transaction that counted, and counts against the cap once the lock is released.
   */
  async withWorkerOffers<T>(candidateId: string, deliveryId: string, since: Date, work: (session: WorkerOfferSession) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('worker-offers:' || $1))`, [candidateId]);
      const [row]: {
        deliveredSince: number;
        status: string | null;
        attempts: number | null;
        phone: string | null;
        preferences: CandidateEntity['noticePreferences'] | null;
      }[] = await manager.query(
        `SELECT (SELECT count(*)::int FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
                  WHERE n.recipient_kind = 'candidate' AND n.recipient_id = $1 AND n.type = 'offer' AND d.status = 'delivered' AND d.delivered_at >= $2) AS "deliveredSince",
                (SELECT status FROM notification_deliveries WHERE id = $3) AS status,
                (SELECT attempts FROM notification_deliveries WHERE id = $3) AS attempts,
                (SELECT phone FROM candidates WHERE id = $1 AND status = 'active') AS phone,
                (SELECT notice_preferences FROM candidates WHERE id = $1) AS preferences`,
        [candidateId, since, deliveryId],
      );
      return work({
        deliveredSince: row.deliveredSince,
        delivery: row.status === null ? undefined : { status: row.status, attempts: row.attempts ?? 0 },
        phone: row.phone,
        preferences: row.preferences ?? {},
        markAttempt: (outcome) => markAttempts(manager, [{ ...outcome, deliveryId }], this.counts),
        noteHeld: (reason) => noteHeld(manager, deliveryId, reason),
      });
    });
  }

  /** A 410 from a webhook switches it off until its owner sets it again. */
  async disableWebhook(kind: NotificationRecipientKind, id: string): Promise<void> {
    if (kind === 'candidate') return;
    await this.dataSource.query(`UPDATE ${kind === 'caseworker' ? 'caseworkers' : 'organizations'} SET webhook_disabled_at = now() WHERE id = $1`, [id]);
  }

  /**
   * Makes a dead or switched-off delivery pending again (a new series of attempts), in the caller's
   * transaction; false when there is no such delivery. Replaying after a 410 means the receiver is back:
   * the webhook it was going to is switched on again.
   */
  async replayDelivery(manager: EntityManager, deliveryId: string): Promise<boolean> {
    const rows: { id: string }[] = await manager
      .query(
        `UPDATE notification_deliveries SET status = 'pending', attempts = 0, last_error = NULL, updated_at = now()
          WHERE id = $1 AND status IN ('dead', 'disabled') RETURNING id`,
        [deliveryId],
      )
      .then((result: [{ id: string }[], number]) => result[0]);
    if (rows.length === 0) return false;
    await manager.query(
      `UPDATE caseworkers SET webhook_disabled_at = NULL WHERE id = (SELECT n.recipient_id FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.id = $1 AND d.channel = 'webhook' AND n.recipient_kind = 'caseworker')`,
      [deliveryId],
    );
    await manager.query(
      `UPDATE organizations SET webhook_disabled_at = NULL WHERE id = (SELECT n.recipient_id FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.id = $1 AND d.channel = 'webhook' AND n.recipient_kind = 'organization')`,
      [deliveryId],
    );
    return true;
  }

  /** Deliveries in this status, the last 500, most recently changed first: where each was going and what happened, never the payload. */
  async deliveries(filter: { status: string }): Promise<DeliveryRow[]> {
    const rows: {
      id: string;
      notification_id: string;
      type: string;
      channel: string;
      recipient_kind: string;
      recipient_id: string;
      status: string;
      attempts: number;
      last_status_code: number | null;
      last_error: string | null;
      created_at: Date;
      updated_at: Date;
    }[] = await this.dataSource.query(
      `SELECT d.id, d.notification_id, n.type, d.channel, n.recipient_kind, n.recipient_id, d.status, d.attempts,
              d.last_status_code, d.last_error, d.created_at, d.updated_at
         FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
        WHERE d.status = $1 ORDER BY d.updated_at DESC LIMIT 500`,
      [filter.status],
    );
    return rows.map((row) => ({
      deliveryId: row.id,
      notificationId: row.notification_id,
      type: row.type,
      channel: row.channel,
      recipientKind: row.recipient_kind,
      recipientId: row.recipient_id,
      status: row.status,
      attempts: row.attempts,
      lastStatusCode: row.last_status_code ?? null,
      lastError: row.last_error ?? null,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    }));
  }

  /** The notifications of one recipient, newest first. */
  async inbox(filter: { recipientKind: NotificationRecipientKind; recipientId: string; limit: number }): Promise<InboxRow[]> {
    const rows: { id: string; type: string; created_at: Date; payload: Record<string, unknown> }[] = await this.dataSource.query(
      `SELECT id, type, created_at, payload FROM notifications
        WHERE recipient_kind = $1 AND recipient_id = $2
        ORDER BY created_at DESC, id DESC LIMIT $3`,
      [filter.recipientKind, filter.recipientId, filter.limit],
    );
    return rows.map((row) => ({ id: row.id, type: row.type, createdAt: row.created_at, payload: row.payload }));
  }
}
