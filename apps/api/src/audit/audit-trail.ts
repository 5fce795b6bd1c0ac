import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { type AuditRead, AuditStore, type AuditedRead } from '@huigong/persistence';
import { type Principal, currentRequestContext } from '@huigong/platform';

/** Reads are written at most this long after they happen, or at once when this many wait. */
const FLUSH_AFTER_MS = 250;
const FLUSH_AT = 500;

/**
 * The audit of reads: a handler notes which people's data it returned, and the reads are written in
 * batches, never in the way of the request (a failed write is logged, and the reads it held are kept for
 * the next). What waits is written on shutdown, before the pool closes.
 */
@Injectable()
export class AuditTrail implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AuditTrail.name);
  private pending: AuditRead[] = [];
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;

  constructor(private readonly store: AuditStore) {}

  /** `reader` read `what` of each of these people (repeats count once). */
  noteReads(reader: Principal, candidateIds: Iterable<string>, what: AuditedRead): void {
    const readAt = new Date();
    const requestId = currentRequestContext()?.correlationId ?? null;
    const readerId = reader.role === 'admin' ? 'admin' : reader.role === 'caseworker' ? reader.caseworkerId : reader.organizationId;
    for (const candidateId of new Set(candidateIds)) this.pending.push({ readAt, readerKind: reader.role, readerId, candidateId, what, requestId });
    if (this.pending.length >= FLUSH_AT) void this.flush();
    else if (this.timer === undefined && this.pending.length > 0) {
      this.timer = setTimeout(() => void this.flush(), FLUSH_AFTER_MS);
      this.timer.unref();
    }
  }

  /** Writes what waits; one write at a time. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
    const reads = this.pending;
    if (reads.length === 0) return;
    this.pending = [];
    this.writing = this.store.insertReads(reads).catch((error: unknown) => {
      this.logger.warn(`Audit of ${reads.length} reads not written yet, will retry: ${error instanceof Error ? error.message : String(error)}`);
      this.pending = [...reads, ...this.pending];
      this.timer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS * 4);
      this.timer.unref();
    });
    await this.writing;
  }

  /** Before the pool closes (onApplicationShutdown): what waits is written. */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flush();
  }
}
