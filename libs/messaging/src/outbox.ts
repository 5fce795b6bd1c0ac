import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { EventName, EventPayloads } from './queues';

/** One event to append to the outbox, in the transaction of the write that caused it. */
export interface PendingEvent<N extends EventName = EventName> {
  name: N;
  payload: EventPayloads[N];
}

/** Builds a typed pending event: `outboxEvent('OpeningPosted', { openingId })`. */
export function outboxEvent<N extends EventName>(name: N, payload: EventPayloads[N]): PendingEvent<N> {
  return { name, payload };
}

/**
 * Appends events to the outbox inside the caller's transaction, in one statement however many there are
 * (a bulk import appends tens of thousands). Returns the event ids.
 */
export async function appendToOutbox(manager: EntityManager, events: readonly PendingEvent[], correlationId: string): Promise<string[]> {
  if (events.length === 0) return [];
  const ids = events.map(() => randomUUID());
  await manager.query(
    `INSERT INTO outbox_events (id, event_name, payload, correlation_id, created_at)
     SELECT id, event_name, payload, $4, clock_timestamp()
       FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS e(id, event_name, payload, position)
      ORDER BY position`,
    [ids, events.map((event) => event.name), events.map((event) => JSON.stringify(event.payload)), correlationId],
  );
  return ids;
}
