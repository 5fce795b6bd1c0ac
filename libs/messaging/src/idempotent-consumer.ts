import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { EventJobData } from './queues';

/**
 * Runs a handler at most once per (consumer, event): the event's id is recorded in `processed_events` in
 * the handler's own transaction, so a redelivered job (a worker killed mid-job, a relay that sent a row
 * twice) commits nothing a second time. Errors propagate, so BullMQ retries the job.
 */
@Injectable()
export class IdempotentConsumer {
  constructor(private readonly dataSource: DataSource) {}

  /** Returns false when the event had already been handled by this consumer. */
  async handleOnce(consumer: string, event: Pick<EventJobData, 'eventId' | 'eventName'>, handler: (manager: EntityManager) => Promise<void>): Promise<boolean> {
    return this.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO processed_events (consumer, event_id, event_name) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [consumer, event.eventId, event.eventName],
      );
      if (inserted.length === 0) return false;
      await handler(manager);
      return true;
    });
  }

  /**
   * For handlers that commit in transactions of their own and are idempotent by nature (the matcher's
   * writes are unique per offer and person): ask first, handle, then record. A crash between handling and
   * recording repeats harmless work; recording first could lose the event.
   */
  async alreadyHandled(consumer: string, eventId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM processed_events WHERE consumer = $1 AND event_id = $2`, [consumer, eventId]);
    return rows.length > 0;
  }

  async markHandled(consumer: string, event: Pick<EventJobData, 'eventId' | 'eventName'>): Promise<void> {
    await this.dataSource.query(`INSERT INTO processed_events (consumer, event_id, event_name) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [
      consumer,
      event.eventId,
      event.eventName,
    ]);
  }
}
