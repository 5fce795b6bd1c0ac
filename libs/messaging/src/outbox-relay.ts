import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@huigong/platform';
import { type ConnectionOptions, Queue } from 'bullmq';
import { DataSource, type EntityManager } from 'typeorm';
import { regionsHolding } from '@huigong/domain';
import { placesOf } from '@huigong/persistence';
import {
  DEFAULT_JOB_OPTIONS,
  EVENT_JOB_OPTIONS,
  EVENT_QUEUE,
  type EventJobData,
  type EventName,
  type OutboxQueueName,
  QueueName,
  eventSubject,
  isEventName,
} from './queues';
import { awaitReplicas, bullConnection, closeBullConnection, queuePrefix } from './redis-connection';

export interface OutboxRelayOptions {
  /** Rows claimed per transaction. */
  batchSize: number;
  /** How long to sleep when the outbox is empty, unless woken by `wake()`. */
  idleMs: number;
  /** Longest pause between attempts while Redis or PostgreSQL is away. */
  maxBackoffMs: number;
  /** Whether this process relays at all (a worker that writes no events may leave it to the API). */
  enabled: boolean;
}

export const OUTBOX_RELAY_OPTIONS = Symbol('OUTBOX_RELAY_OPTIONS');

/** How long a batch's jobs may take to reach a replica (Redis Cluster) before the batch is tried again. */
const REPLICATION_TIMEOUT_MS = 5_000;

interface OutboxRow {
  id: string;
  event_name: string;
  payload: Record<string, unknown>;
  correlation_id: string;
  created_at: Date;
}

/**
 * Moves committed outbox rows to BullMQ. Each pass claims a batch with FOR UPDATE SKIP LOCKED (so several
 * relays share the work without taking the same row), adds the jobs with the outbox id as the job id (so
 * a row sent twice after a crash is still one job), and marks the rows published in the same transaction.
 * While Redis is away the add fails, the transaction rolls back, and the relay retries with backoff:
 * nothing committed is lost.
 */
@Injectable()
export class OutboxRelay implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OutboxRelay.name);
  private readonly queues: Record<OutboxQueueName, Queue>;
  /** The domain events' queue of each matcher region (MATCHER_REGIONS), instead of the one queue; empty without regions. */
  private readonly regionQueues = new Map<string, Queue>();
  private readonly connection: ConnectionOptions;
  private running = false;
  private loop?: Promise<void>;
  private wakeUp?: () => void;
  /** Set by a wake that came while a pass was running: rows committed after its SELECT go in the next pass at once. */
  private woken = false;
  private failing = false;

  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OUTBOX_RELAY_OPTIONS) private readonly options: OutboxRelayOptions,
  ) {
    // The relay is the only producer. Its connection fails fast while Redis is away, instead of queueing
    // commands in memory: the outbox is the buffer, and nothing is lost if this process dies meanwhile.
    this.connection = bullConnection(config, 'producer');
    const queue = (name: QueueName) =>
      new Queue(name, { connection: this.connection, prefix: queuePrefix(config, name), defaultJobOptions: DEFAULT_JOB_OPTIONS });
    this.queues = {
      [QueueName.DomainEvents]: queue(QueueName.DomainEvents),
      [QueueName.Notifications]: queue(QueueName.Notifications),
      [QueueName.Deliveries]: queue(QueueName.Deliveries),
    };
    for (const region of config.matcherRegions?.regions ?? []) {
      this.regionQueues.set(
        region.name,
        new Queue(QueueName.DomainEvents, {
          connection: this.connection,
          prefix: queuePrefix(config, QueueName.DomainEvents, region.name),
          defaultJobOptions: DEFAULT_JOB_OPTIONS,
        }),
      );
    }
    for (const q of [...Object.values(this.queues), ...this.regionQueues.values()]) q.on('error', () => undefined); // reported by the relay loop
  }

  onApplicationBootstrap(): void {
    if (!this.options.enabled) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops before the data source and connections close, finishing the batch in flight. */
  async beforeApplicationShutdown(): Promise<void> {
    this.running = false;
    this.wake();
    await this.loop;
    await Promise.all([...Object.values(this.queues), ...this.regionQueues.values()].map((queue) => queue.close()));
    await closeBullConnection(this.connection);
  }

  /**
   * Ends the idle sleep early: called after a transaction that appended events commits. A wake during a
   * pass is not lost: the relay goes round again instead of sleeping (the rows may have committed after
   * the pass claimed its batch).
   */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Relays one batch; returns how many rows it published. Exposed for tests and tools. */
  async relayBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const rows: OutboxRow[] = await manager.query(
        `SELECT id, event_name, payload, correlation_id, created_at
           FROM outbox_events
          WHERE published_at IS NULL
          ORDER BY created_at, id
          LIMIT $1
          FOR UPDATE SKIP LOCKED`,
        [this.options.batchSize],
      );
      if (rows.length === 0) return 0;

      const byQueue = new Map<Queue, OutboxRow[]>();
      const regional: OutboxRow[] = [];
      for (const row of rows) {
        if (!isEventName(row.event_name)) throw new Error(`outbox row ${row.id} has an unknown event ${row.event_name}`);
        const queue = EVENT_QUEUE[row.event_name];
        if (queue === QueueName.DomainEvents && this.regionQueues.size > 0) regional.push(row);
        else byQueue.set(this.queues[queue], [...(byQueue.get(this.queues[queue]) ?? []), row]);
      }
      for (const [queue, regionRows] of await this.byRegion(manager, regional)) byQueue.set(queue, regionRows);
      for (const [queue, queueRows] of byQueue) {
        await queue.addBulk(
          queueRows.map((row) => ({
            name: row.event_name,
            data: {
              eventId: row.id,
              eventName: row.event_name as EventName,
              correlationId: row.correlation_id,
              occurredAt: new Date(row.created_at).toISOString(),
              payload: row.payload,
            } as EventJobData,
            opts: { ...EVENT_JOB_OPTIONS[row.event_name as EventName], jobId: row.id },
          })),
        );
      }
      // On a Redis Cluster, the jobs are on a replica too before their rows are marked published.
      await awaitReplicas(this.connection, REPLICATION_TIMEOUT_MS);
      await manager.query(`UPDATE outbox_events SET published_at = clock_timestamp() WHERE id = ANY($1::uuid[])`, [rows.map((row) => row.id)]);
      return rows.length;
    });
  }

  /** The domain events of a batch, by the queue of each region around their place (see `eventSubject`). */
  private async byRegion(manager: EntityManager, rows: readonly OutboxRow[]): Promise<Map<Queue, OutboxRow[]>> {
    const split = this.config.matcherRegions;
    const routed = new Map<Queue, OutboxRow[]>();
    if (split === null || rows.length === 0) return routed;
    const subjects = rows.map((row) => eventSubject(row.event_name as EventName, row.payload));
    const places = await placesOf(
      manager,
      subjects.filter((subject) => typeof subject === 'object'),
    );
    rows.forEach((row, i) => {
      const subject = subjects[i];
      const place = typeof subject === 'object' ? places.get(subject.id) : undefined;
      const regions =
        subject === 'first-region' ? [split.regions[0]] : place === undefined ? split.regions : regionsHolding(split.regions, place, split.borderKm);
      for (const region of regions) {
        const queue = this.regionQueues.get(region.name) as Queue;
        routed.set(queue, [...(routed.get(queue) ?? []), row]);
      }
    });
    return routed;
  }

  private async run(): Promise<void> {
    let backoffMs = 0;
    while (this.running) {
      this.woken = false;
      try {
        const relayed = await this.relayBatch();
        if (this.failing) {
          this.logger.log('Outbox relay is moving events again.');
          this.failing = false;
        }
        backoffMs = 0;
        if (relayed < this.options.batchSize && !this.isWoken()) await this.sleep(this.options.idleMs);
      } catch (error) {
        if (!this.failing) {
          this.logger.warn(`Outbox relay paused: ${(error as Error).message}. Events stay in the outbox and will be retried.`);
          this.failing = true;
        }
        backoffMs = Math.min(Math.max(backoffMs * 2, 100), this.options.maxBackoffMs);
        await this.sleep(backoffMs);
      }
    }
  }

  /** Read through a method: a wake may set the flag during any await, which narrowing cannot see. */
  private isWoken(): boolean {
    return this.woken;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wakeUp = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
