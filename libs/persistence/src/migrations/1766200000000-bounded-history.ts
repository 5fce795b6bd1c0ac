import type { MigrationInterface, QueryRunner } from 'typeorm';

const INDEXES = [
  // Published outbox rows, oldest first, for the purge of those past OUTBOX_RETENTION_DAYS; rows still to be
  // relayed are in outbox_events_pending_idx (published_at IS NULL), which the relay and /metrics read.
  ['outbox_events_published_idx', 'outbox_events (published_at) WHERE published_at IS NOT NULL'],
  // Processed-event marks, oldest first, for the purge of those past PROCESSED_EVENTS_RETENTION_DAYS.
  ['processed_events_processed_at_idx', 'processed_events (processed_at)'],
] as const;

/**
 * Indexes that let the notifier's PurgeHistory delete old rows in batches, each an index range scan from the
 * oldest row instead of a scan of the whole table. The two tables are the largest the pipeline writes (a row
 * per event, a mark per event and consumer), so the indexes are built CONCURRENTLY, outside a transaction:
 * writes go on meanwhile. A build that failed half way leaves an invalid index, dropped and built again here.
 */
export class BoundedHistory1766200000000 implements MigrationInterface {
  name = 'BoundedHistory1766200000000';
  transaction = false;

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const [name, definition] of INDEXES) {
      const invalid = (await queryRunner.query(`SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1 AND NOT i.indisvalid`, [
        name,
      ])) as unknown[];
      if (invalid.length > 0) await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
      await queryRunner.query(`CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${definition}`);
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const [name] of INDEXES) await queryRunner.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`);
  }
}
