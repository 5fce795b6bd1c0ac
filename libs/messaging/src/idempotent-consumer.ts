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
  async handleOnce(
    consumer: string,
    event: Pick<EventJobData, 'eventId' | 'eventName'>,
    handler: (manager: EntityManager) => Promise<void>,
  ): Promise<boolean> {
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
}
