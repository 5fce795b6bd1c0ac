import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { MicroBatch } from '@huigong/platform';
import type { EventJobData } from './queues';

/**
 * Runs a handler at most once per (consumer, event): the event's id is recorded in `processed_events` in
 * the handler's own transaction, so a redelivered job (a worker killed mid-job, a relay that sent a row
 * twice) commits nothing a second time. Errors propagate, so BullMQ retries the job.
 */
@Injectable()
export class IdempotentConsumer {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Several events in one transaction: all are recorded in one statement, and `handler` gets those this
   * consumer had not handled yet, in their order (an event listed twice, once). Answers, per event listed,
   * whether it was handled now (for an event listed twice, its first place).
   */
  async handleEachOnce<E extends Pick<EventJobData, 'eventId' | 'eventName'>>(
    consumer: string,
    events: readonly E[],
    handler: (manager: EntityManager, fresh: E[]) => Promise<void>,
  ): Promise<boolean[]> {
    return this.dataSource.transaction(async (manager) => {
      const inserted: { event_id: string }[] = await manager.query(
        `INSERT INTO processed_events (consumer, event_id, event_name)
         SELECT $1, event_id, event_name FROM unnest($2::uuid[], $3::text[]) AS e(event_id, event_name)
         ON CONFLICT DO NOTHING RETURNING event_id`,
        [consumer, events.map((event) => event.eventId), events.map((event) => event.eventName)],
      );
      const recordedNow = new Set(inserted.map((row) => row.event_id));
      const handled = events.map((event, index) => recordedNow.has(event.eventId) && events.findIndex((other) => other.eventId === event.eventId) === index);
      const fresh = events.filter((_event, index) => handled[index]);
      if (fresh.length > 0) await handler(manager, fresh);
      return handled;
    });
  }

  /**
   * For handlers that commit in transactions of their own and are idempotent by nature (the matcher's
   * writes are unique per offer and person): ask first, handle, then record. A crash between handling and
   * recording repeats harmless work; recording first could lose the event. The questions and the records of
   * concurrent jobs are gathered into one statement each (MicroBatch): never call these inside a transaction.
   */
  alreadyHandled(consumer: string, eventId: string): Promise<boolean> {
    return this.questions.run({ consumer, eventId });
  }

  markHandled(consumer: string, event: Pick<EventJobData, 'eventId' | 'eventName'>): Promise<void> {
    return this.records.run({ consumer, eventId: event.eventId, eventName: event.eventName });
  }

  private readonly questions = new MicroBatch<{ consumer: string; eventId: string }, boolean>(async (asked) => {
    const rows: { consumer: string; event_id: string }[] = await this.dataSource.query(
      `SELECT p.consumer, p.event_id FROM processed_events p
         JOIN unnest($1::text[], $2::uuid[]) AS asked(consumer, event_id) ON asked.consumer = p.consumer AND asked.event_id = p.event_id`,
      [asked.map((question) => question.consumer), asked.map((question) => question.eventId)],
    );
    const handled = new Set(rows.map((row) => `${row.consumer} ${row.event_id}`));
    return asked.map((question) => handled.has(`${question.consumer} ${question.eventId}`));
  });

  private readonly records = new MicroBatch<{ consumer: string; eventId: string; eventName: string }, undefined>(async (handled) => {
    await this.dataSource.query(
      `INSERT INTO processed_events (consumer, event_id, event_name)
       SELECT consumer, event_id, event_name FROM unnest($1::text[], $2::uuid[], $3::text[]) AS handled(consumer, event_id, event_name)
       ON CONFLICT DO NOTHING`,
      [handled.map((record) => record.consumer), handled.map((record) => record.eventId), handled.map((record) => record.eventName)],
    );
    return handled.map(() => undefined);
  });
}

/**
 * One batch of the purge of processed-event marks: at most `limit` marks recorded more than
 * `retentionDays` ago, oldest first (`processed_events_processed_at_idx`). The retention must outlive
 * every redelivery of a job (PROCESSED_EVENTS_RETENTION_DAYS: failed jobs stay 14 days and may be
 * retried from the board), or a redelivered event would be handled twice. Returns how many were deleted.
 */
export async function deleteProcessedMarks(manager: EntityManager, retentionDays: number, limit: number): Promise<number> {
  const result: [unknown[], number] = await manager.query(
    `DELETE FROM processed_events WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM processed_events WHERE processed_at < now() - make_interval(days => $1) ORDER BY processed_at LIMIT $2))`,
    [retentionDays, limit],
  );
  return result[1];
}
