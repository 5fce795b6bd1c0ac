import { Injectable } from '@nestjs/common';
import { EventBus, EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { IdempotencyStore } from '@huigong/persistence';
import { GroupCommit, type RequestContext, type Settled, currentRequestContext, runInRequestContext } from '@huigong/platform';
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

/** A write waiting in a group commit, with what it needs from its own request. */
interface GroupedWrite {
  work: (tx: WriteTransaction) => Promise<unknown>;
  resourceId?: (result: unknown) => string | null;
  context: RequestContext;
}

/** Group commits: at most so many writes a group, so many groups at once (each holds one of the API's 20 connections). */
const GROUP_MAX_SIZE = 64;
const GROUPS_IN_FLIGHT = 4;

/**
 * One write of the intake API: the rows, the domain events they cause (outbox) and, for a POST with an
 * Idempotency-Key, the response to replay, all committed in one transaction. The value `work` returns is
 * the response body.
 */
@Injectable()
export class UnitOfWork {
  private readonly groups = new GroupCommit<GroupedWrite, unknown>((writes) => this.commitGroup(writes), {
    maxSize: GROUP_MAX_SIZE,
    maxInFlight: GROUPS_IN_FLIGHT,
  });

  constructor(
    private readonly dataSource: DataSource,
    private readonly eventBus: EventBus,
    private readonly idempotency: IdempotencyStore,
  ) {}

  run<T>(work: (tx: WriteTransaction) => Promise<T>, options: UnitOfWorkOptions<T> = {}): Promise<T> {
    const context = currentRequestContext();
    return this.runAs(work, options.resourceId, {
      correlationId: context?.correlationId ?? options.correlationId ?? randomUUID(),
      idempotency: context?.idempotency,
    });
  }

  /**
   * Like `run`, but writes asked for at about the same moment share one transaction (group commit, see
   * GroupCommit): one BEGIN, one multi-row outbox INSERT, one idempotency INSERT and one COMMIT for the
   * group, and each write still answers only once the group has committed. For writes that only insert
   * new rows and take no locks, so that one rarely fails; when one does (or an idempotency key was taken
   * meanwhile), the group is rolled back and each write is done again alone, so it fails alone. `work` may
   * then run twice: it must do nothing but its writes in the transaction. Each runs in its own request's
   * context.
   */
  runGrouped<T>(work: (tx: WriteTransaction) => Promise<T>, options: Pick<UnitOfWorkOptions<T>, 'resourceId'> = {}): Promise<T> {
    const context = currentRequestContext();
    return this.groups.submit({
      work,
      resourceId: options.resourceId as GroupedWrite['resourceId'],
      context: { correlationId: context?.correlationId ?? randomUUID(), idempotency: context?.idempotency },
    }) as Promise<T>;
  }

  /**
   * Writes of many requests done together by one function, in one transaction (intents arriving by the
   * hundred a second: one statement per table for all of them). `work` gets each request's item and
   * answers each one's outcome in order; an item refused (a 404 of its own) is an outcome, not a throw.
   * The events it emits carry the first request's correlation id; the response of each request that
   * succeeded and carried an Idempotency-Key is recorded with it. If `work` throws before the COMMIT
   * (an idempotency key taken meanwhile, say), each item is done again alone, so that it fails alone.
   */
  async runBatched<I, T>(
    items: readonly { item: I; context: RequestContext }[],
    work: (tx: WriteTransaction, items: readonly I[]) => Promise<Settled<T>[]>,
    resourceId?: (result: T) => string | null,
  ): Promise<Settled<T>[]> {
    // Set once every statement succeeded: a failure after it is the COMMIT's, whose outcome is unknown.
    const state = { committing: false };
    const once = async (batch: readonly { item: I; context: RequestContext }[]): Promise<Settled<T>[]> => {
      let appended = 0;
      const outcomes = await this.dataSource.transaction(async (manager) => {
        const events: PendingEvent[] = [];
        const settled = await work(
          {
            manager,
            emit: (more) => {
              pushEvents(events, more);
            },
          },
          batch.map((entry) => entry.item),
        );
        if (settled.length !== batch.length) throw new Error(`a batch of ${batch.length} writes gave ${settled.length} outcomes`);
        await appendToOutbox(manager, events, batch[0].context.correlationId);
        appended = events.length;
        await this.idempotency.recordAll(
          manager,
          batch.flatMap((entry, index) => {
            const request = entry.context.idempotency;
            const outcome = settled[index];
            return request === undefined || !outcome.ok ? [] : [{ request, responseBody: outcome.value, resourceId: resourceId?.(outcome.value) ?? null }];
          }),
        );
        state.committing = true;
        return settled;
      });
      if (appended > 0) this.eventBus.publish(new OutboxEventsAppended(appended));
      return outcomes;
    };
    if (items.length === 1) return once(items);
    try {
      return await once(items);
    } catch (error) {
      if (state.committing) return items.map(() => ({ ok: false, error }));
      // Nothing of the batch was kept. Each is done again alone.
      return Promise.all(
        items.map((entry) =>
          runInRequestContext(entry.context, () => once([entry])).then(
            (settled) => settled[0],
            (error: unknown): Settled<T> => ({ ok: false, error }),
          ),
        ),
      );
    }
  }

  private async runAs<T>(
    work: (tx: WriteTransaction) => Promise<T>,
    resourceId: ((result: T) => string | null) | undefined,
    context: RequestContext,
  ): Promise<T> {
    let appended = 0;
    const result = await this.dataSource.transaction(async (manager) => {
      const events: PendingEvent[] = [];
      const value = await work({
        manager,
        emit: (more) => {
          pushEvents(events, more);
        },
      });
      await appendToOutbox(manager, events, context.correlationId);
      appended = events.length;
      if (context.idempotency !== undefined) {
        await this.idempotency.record(manager, context.idempotency, value, resourceId?.(value) ?? null);
      }
      return value;
    });
    if (appended > 0) this.eventBus.publish(new OutboxEventsAppended(appended));
    return result;
  }

  private async commitGroup(writes: GroupedWrite[]): Promise<Settled<unknown>[]> {
    if (writes.length > 1) {
      // Set once every statement of the group succeeded: a failure after it is the COMMIT's, whose outcome
      // is unknown (the connection may have dropped after PostgreSQL committed), so nothing is redone.
      const group = { committing: false };
      try {
        let appended = 0;
        const values = await this.dataSource.transaction(async (manager) => {
          const events: PendingEvent[] = [];
          const correlationIds: string[] = [];
          const results: unknown[] = [];
          for (const write of writes) {
            const own: PendingEvent[] = [];
            results.push(
              await runInRequestContext(write.context, () =>
                write.work({
                  manager,
                  emit: (more) => {
                    pushEvents(own, more);
                  },
                }),
              ),
            );
            for (const event of own) {
              events.push(event);
              correlationIds.push(write.context.correlationId);
            }
          }
          await appendToOutbox(manager, events, correlationIds);
          appended = events.length;
          await this.idempotency.recordAll(
            manager,
            writes.flatMap((write, index) => {
              const request = write.context.idempotency;
              return request === undefined ? [] : [{ request, responseBody: results[index], resourceId: write.resourceId?.(results[index]) ?? null }];
            }),
          );
          group.committing = true;
          return results;
        });
        if (appended > 0) this.eventBus.publish(new OutboxEventsAppended(appended));
        return values.map((value) => ({ ok: true, value }));
      } catch (error) {
        if (group.committing) return writes.map(() => ({ ok: false, error }));
        // One of them failed (or lost an idempotency race) before the COMMIT: nothing of the group was
        // kept. Each is done again alone below, and fails (or replays) alone.
      }
    }
    return Promise.all(
      writes.map((write) =>
        runInRequestContext(write.context, () => this.runAs(write.work, write.resourceId, write.context)).then(
          (value): Settled<unknown> => ({ ok: true, value }),
          (error: unknown): Settled<unknown> => ({ ok: false, error }),
        ),
      ),
    );
  }
}

function pushEvents(into: PendingEvent[], more: PendingEvent | readonly PendingEvent[]): void {
  if (isEventList(more)) for (const event of more) into.push(event);
  else into.push(more);
}

/** Wakes this process's relay as soon as new events are committed, instead of at its next poll. */
@EventsHandler(OutboxEventsAppended)
export class WakeRelayOnOutboxEvents implements IEventHandler<OutboxEventsAppended> {
  constructor(private readonly relay: OutboxRelay) {}

  handle(): void {
    this.relay.wake();
  }
}
