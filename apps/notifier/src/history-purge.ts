import { Injectable, Logger } from '@nestjs/common';
import { IdempotencyStore } from '@huigong/persistence';

/**
 * The `PurgeHistory` tick (once an hour, in one notifier however many run: NotifierTicksProcessor):
 * idempotency records past their 24 h are deleted. (The API ran this in every instance; it runs no
 * background work now.)
 */
@Injectable()
export class HistoryPurge {
  private readonly logger = new Logger(HistoryPurge.name);

  constructor(private readonly idempotency: IdempotencyStore) {}

  async purge(): Promise<{ idempotencyRecords: number }> {
    const idempotencyRecords = await this.idempotency.purgeExpired();
    if (idempotencyRecords > 0) this.logger.log(`Purged ${idempotencyRecords} idempotency records.`);
    return { idempotencyRecords };
  }
}
