import { Injectable } from '@nestjs/common';
import { IdempotencyRecordEntity } from '@huigong/persistence/entities';
import { DataSource, type EntityManager } from 'typeorm';
import type { RequestContext } from '../http/request-context';

/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_HOURS = 24;

/** Raised inside a transaction when a concurrent request with the same key committed first. */
export class IdempotencyRaceLost extends Error {
  constructor() {
    super('a concurrent request with the same Idempotency-Key committed first');
  }
}

@Injectable()
export class IdempotencyStore {
  constructor(private readonly dataSource: DataSource) {}

  /** The live record of a key, if any. */
  async find(scope: string, key: string): Promise<IdempotencyRecordEntity | null> {
    const rows: IdempotencyRecordEntity[] = await this.dataSource.query(
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
  async record(
    manager: EntityManager,
    request: NonNullable<RequestContext['idempotency']>,
    responseBody: unknown,
    resourceId: string | null,
  ): Promise<void> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO idempotency_records (scope, idempotency_key, request_hash, status_code, response_body, resource_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, now())
       ON CONFLICT (scope, idempotency_key) DO UPDATE
          SET request_hash = EXCLUDED.request_hash, status_code = EXCLUDED.status_code,
              response_body = EXCLUDED.response_body, resource_id = EXCLUDED.resource_id, created_at = EXCLUDED.created_at
        WHERE idempotency_records.created_at <= now() - make_interval(hours => $7)
       RETURNING scope`,
      [request.scope, request.key, request.requestHash, request.statusCode, JSON.stringify(responseBody ?? null), resourceId, IDEMPOTENCY_TTL_HOURS],
    );
    if (rows.length === 0) throw new IdempotencyRaceLost();
  }

  /** Forgets records past the TTL. */
  async purgeExpired(): Promise<number> {
    const result: [unknown[], number] = await this.dataSource.query(
      `DELETE FROM idempotency_records WHERE created_at <= now() - make_interval(hours => $1)`,
      [IDEMPOTENCY_TTL_HOURS],
    );
    return result[1];
  }
}
