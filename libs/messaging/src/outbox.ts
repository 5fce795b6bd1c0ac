import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { EventName, EventPayloads } from './queues';

/** One event to append to the outbox, in the transaction of the write that caused it. */
export interface PendingEvent<N extends EventName = EventName> {
  name: N;
  payload: EventPayloads[N];
  /**
   * The request that caused this event, when its transaction carries the events of several (openings
   * proposed together in one transaction of the matcher); otherwise the transaction's.
   */
  correlationId?: string;
}

/** Builds a typed pending event: `outboxEvent('OpeningPosted', { openingId })`. */
export function outboxEvent<N extends EventName>(name: N, payload: EventPayloads[N]): PendingEvent<N> {
  return { name, payload };
}

/**
 * Appends events to the outbox inside the caller's transaction, in one statement however many there are
 * (a bulk import appends tens of thousands). `correlationId`: one for every event, or one per event (the
 * writes of a group commit, each its own request's); an event's own `correlationId` comes first. Returns
 * the event ids.
 */
export async function appendToOutbox(manager: EntityManager, events: readonly PendingEvent[], correlationId: string | readonly string[]): Promise<string[]> {
  if (events.length === 0) return [];
  if (typeof correlationId !== 'string' && correlationId.length !== events.length) {
    throw new Error(`${events.length} events with ${correlationId.length} correlation ids`);
  }
  const ids = events.map(() => randomUUID());
  await manager.query(
    `INSERT INTO outbox_events (id, event_name, payload, correlation_id, created_at)
     SELECT id, event_name, payload, correlation_id, clock_timestamp()
       FROM unnest($1::uuid[], $2::text[], $3::jsonb[], $4::text[]) WITH ORDINALITY AS e(id, event_name, payload, correlation_id, position)
      ORDER BY position`,
    [
      ids,
      events.map((event) => event.name),
      events.map((event) => JSON.stringify(event.payload)),
      events.map((event, index) => event.correlationId ?? (typeof correlationId === 'string' ? correlationId : correlationId[index])),
    ],
  );
  return ids;
}

/**
 * One batch of the purge of published events: at most `limit` rows published more than `retentionDays` ago,
 * oldest first (`outbox_events_published_idx`). A row not yet published (published_at null) is never
 * taken, however old: it is still to be relayed. Returns how many were deleted.
 */
export async function deletePublishedEvents(manager: EntityManager, retentionDays: number, limit: number): Promise<number> {
  // Deleted by the ctid read in the same statement: each batch one short statement of its own.
  const result: [unknown[], number] = await manager.query(
    `DELETE FROM outbox_events WHERE ctid = ANY(ARRAY(
       SELECT ctid FROM outbox_events WHERE published_at < now() - make_interval(days => $1) ORDER BY published_at LIMIT $2))`,
    [retentionDays, limit],
  );
  return result[1];
}
