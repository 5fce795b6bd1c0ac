import { Injectable } from '@nestjs/common';
import { EventBus, EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { IdempotencyStore } from '@huigong/persistence';
import { currentRequestContext } from '@huigong/platform';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { type PendingEvent, appendToOutbox } from './outbox';
import { OutboxRelay } from './outbox-relay';

/** What a unit of work hands its body: the transaction, and a way to emit events in it. */
export interface WriteTransaction {
  manager: EntityManager;
  /** Appends events to this transaction's outbox: one, or a list (a bulk import's thousands). */
  /** A function, not a method: it may be destructured from the transaction (`({ manager, emit }) => ...`). */
  emit: (events: PendingEvent | readonly PendingEvent[]) => void;
}

export interface UnitOfWorkOptions<T> {
  /** The id of the resource the write created, kept with the idempotency record (for erasure). */
  resourceId?: (result: T) => string | null;
  /** Outside an HTTP request (a job), the correlation id to stamp on the events. */
  correlationId?: string;
}

/** Array.isArray narrows a readonly list to `any[]`; this keeps the element type. */
function isEventList(events: PendingEvent | readonly PendingEvent[]): events is readonly PendingEvent[] {
  return Array.isArray(events);
}

/** Published in-process after a transaction that appended outbox events commits. */
export class OutboxEventsAppended {
  constructor(readonly count: number) {}
}

/**
 * One write of the intake API: the rows, the domain events they cause (outbox) and, for a POST with an
 * Idempotency-Key, the response to replay, all committed in one transaction. The value `work` returns is
 * the response body.
 */
@Injectable()
export class UnitOfWork {
  constructor(
    private readonly dataSource: DataSource,
    private readonly eventBus: EventBus,
    private readonly idempotency: IdempotencyStore,
  ) {}

  async run<T>(work: (tx: WriteTransaction) => Promise<T>, options: UnitOfWorkOptions<T> = {}): Promise<T> {
    const context = currentRequestContext();
    const correlationId = context?.correlationId ?? options.correlationId ?? randomUUID();
    let appended = 0;
    const result = await this.dataSource.transaction(async (manager) => {
      const events: PendingEvent[] = [];
      const value = await work({
        manager,
        emit: (more) => {
          if (isEventList(more)) for (const event of more) events.push(event);
          else events.push(more);
        },
      });
      await appendToOutbox(manager, events, correlationId);
      appended = events.length;
      if (context?.idempotency !== undefined) {
        await this.idempotency.record(manager, context.idempotency, value, options.resourceId?.(value) ?? null);
      }
      return value;
    });
    if (appended > 0) this.eventBus.publish(new OutboxEventsAppended(appended));
    return result;
  }
}

/** Wakes this process's relay as soon as new events are committed, instead of at its next poll. */
@EventsHandler(OutboxEventsAppended)
export class WakeRelayOnOutboxEvents implements IEventHandler<OutboxEventsAppended> {
  constructor(private readonly relay: OutboxRelay) {}

  handle(): void {
    this.relay.wake();
  }
}
