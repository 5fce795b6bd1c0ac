import { Injectable } from '@nestjs/common';
import {
  type BatchedDeleteOptions,
  IDEMPOTENCY_TTL_HOURS,
  IdempotencyRaceLost,
  type IdempotencyRecord,
  IdempotencyRecords,
  type RequestContext,
  deleteInBatches,
} from '@huigong/platform';
import { DataSource, type EntityManager } from 'typeorm';

/** `idempotency_records`: the first response to each POST with an Idempotency-Key, per API key, for 24 h. */
@Injectable()
export class IdempotencyStore extends IdempotencyRecords {
  constructor(private readonly dataSource: DataSource) {
    super();
  }

  async find(scope: string, key: string): Promise<IdempotencyRecord | null> {
    const rows: IdempotencyRecord[] = await this.dataSource.query(
      `SELECT request_hash AS "requestHash", status_code AS "statusCode", response_body AS "responseBody"
         FROM idempotency_records
        WHERE scope = $1 AND idempotency_key = $2 AND created_at > now() - make_interval(hours => $3)`,
      [scope, key, IDEMPOTENCY_TTL_HOURS],
    );
    return rows[0] ?? null;
  }

  /**
   * Records the response in the transaction of the write that produced it: the write and its record
   * commit together or not at all. A record older than the TTL is replaced.
   */
  async record(manager: EntityManager, request: NonNullable<RequestContext['idempotency']>, responseBody: unknown, resourceId: string | null): Promise<void> {
    await this.recordAll(manager, [{ request, responseBody, resourceId }]);
  }

  /**
   * The records of a group commit's writes, in one statement, in their transaction. Throws
   * IdempotencyRaceLost when any key was taken meanwhile (the group is then redone one write at a time,
   * where the loser replays the winner's answer).
   */
  async recordAll(
    manager: EntityManager,
    records: readonly { request: NonNullable<RequestContext['idempotency']>; responseBody: unknown; resourceId: string | null }[],
  ): Promise<void> {
    if (records.length === 0) return;
    const rows: unknown[] = await manager.query(
      `INSERT INTO idempotency_records (scope, idempotency_key, request_hash, status_code, response_body, resource_id, created_at)
       SELECT scope, idempotency_key, request_hash, status_code, response_body, resource_id, now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::jsonb[], $6::uuid[])
              AS r(scope, idempotency_key, request_hash, status_code, response_body, resource_id)
       ON CONFLICT (scope, idempotency_key) DO UPDATE
          SET request_hash = EXCLUDED.request_hash, status_code = EXCLUDED.status_code,
              response_body = EXCLUDED.response_body, resource_id = EXCLUDED.resource_id, created_at = EXCLUDED.created_at
        WHERE idempotency_records.created_at <= now() - make_interval(hours => $7)
       RETURNING scope`,
      [
        records.map((record) => record.request.scope),
        records.map((record) => record.request.key),
        records.map((record) => record.request.requestHash),
        records.map((record) => record.request.statusCode),
        records.map((record) => JSON.stringify(record.responseBody ?? null)),
        records.map((record) => record.resourceId),
        IDEMPOTENCY_TTL_HOURS,
      ],
    );
    if (rows.length < records.length) throw new IdempotencyRaceLost();
  }

  /** Forgets records past the TTL, in batches (the notifier's PurgeHistory tick); returns how many. */
  purgeExpired(options: BatchedDeleteOptions = {}): Promise<number> {
    return deleteInBatches((limit) => this.deleteExpired(this.dataSource.manager, limit), options);
  }

  /**
   * One batch of the purge: at most `limit` records past the TTL, oldest first, read by the index on
   * created_at. Rows are deleted by the ctid read in the same statement: a record replaced meanwhile (a
   * key used again, ON CONFLICT in recordAll) is a new row version and stays. Returns how many were deleted.
   */
  async deleteExpired(manager: EntityManager, limit: number): Promise<number> {
    // TypeORM answers a DELETE with [rows, count].
    const result: [unknown[], number] = await manager.query(
      `DELETE FROM idempotency_records WHERE ctid = ANY(ARRAY(
         SELECT ctid FROM idempotency_records WHERE created_at <= now() - make_interval(hours => $1) ORDER BY created_at LIMIT $2))`,
      [IDEMPOTENCY_TTL_HOURS, limit],
    );
    return result[1];
  }
}
