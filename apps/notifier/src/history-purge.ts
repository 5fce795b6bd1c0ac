import { Inject, Injectable, Logger } from '@nestjs/common';
import { deletePublishedEvents, deleteProcessedMarks } from '@huigong/messaging';
import { IdempotencyStore } from '@huigong/persistence';
import { APP_CONFIG, type AppConfig, type BatchedDeleteOptions, deleteInBatches } from '@huigong/platform';
import { DataSource } from 'typeorm';

export interface PurgedRows {
  idempotencyRecords: number;
  publishedEvents: number;
  processedMarks: number;
}

/**
 * The `PurgeHistory` tick (once an hour, in one notifier however many run: NotifierTicksProcessor): rows
 * past their use are deleted, in batches of at most PURGE_BATCH_ROWS, each one short statement of its own
 * with a pause between them, so no statement holds its locks for long: idempotency records past their 24 h;
 * outbox events published more than OUTBOX_RETENTION_DAYS ago (never one still to be relayed); the marks
 * of events handled more than PROCESSED_EVENTS_RETENTION_DAYS ago. Each batch reads its rows by an index
 * range from the oldest. Deliveries are not purged: `notification_deliveries` holds one row per
 * notification and channel, the latest state of each delivery, and no row per attempt.
 */
@Injectable()
export class HistoryPurge {
  private readonly logger = new Logger(HistoryPurge.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly idempotency: IdempotencyStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async purge(options: BatchedDeleteOptions = {}): Promise<PurgedRows> {
    const { publishedOutboxDays, processedEventsDays } = this.config.retention;
    const manager = this.dataSource.manager;
    const purged = {
      idempotencyRecords: await this.idempotency.purgeExpired(options),
      publishedEvents: await deleteInBatches((limit) => deletePublishedEvents(manager, publishedOutboxDays, limit), options),
      processedMarks: await deleteInBatches((limit) => deleteProcessedMarks(manager, processedEventsDays, limit), options),
    };
    if (purged.idempotencyRecords + purged.publishedEvents + purged.processedMarks > 0) {
      this.logger.log(
        `Purged ${purged.idempotencyRecords} idempotency records, ${purged.publishedEvents} published outbox events and ${purged.processedMarks} processed-event marks.`,
      );
    }
    return purged;
  }
}
