/** How long a key is remembered. */
export const IDEMPOTENCY_TTL_HOURS = 24;

/** The first response to a POST with an Idempotency-Key, as kept for replay. */
export interface IdempotencyRecord {
  requestHash: string;
  statusCode: number;
  responseBody: unknown;
}

/** Raised inside a transaction when a concurrent request with the same key committed first. */
export class IdempotencyRaceLost extends Error {
  constructor() {
    super('a concurrent request with the same Idempotency-Key committed first');
  }
}

/**
 * Where the idempotency interceptor reads earlier responses. An abstract class so Nest can inject it; the table
 * lives in libs/persistence (IdempotencyStore, which also records responses inside the unit of work).
 */
export abstract class IdempotencyRecords {
  /** The live record of a key in a scope (an API key), if any. */
  abstract find(scope: string, key: string): Promise<IdempotencyRecord | null>;
}
