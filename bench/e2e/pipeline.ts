/**
 * Has the pipeline finished the work given to it? Nothing unpublished in the outbox (the relays mark a row
 * published in the transaction that queues it), and nothing waiting or running in `domain-events`,
 * `notifications` or `deliveries`, on two polls in a row. Delayed deliveries are not work left now: an offer
 * held by a worker's daily budget or quiet hours waits as a delayed job for hours.
 */
import { QueueName, redisOptions } from '@huigong/messaging';
import { Queue } from 'bullmq';
import pg from 'pg';
import { sleep } from '../../demo/api-client';

/** The application_name of the bench's own connections, so /proc accounting can leave them out. */
export const BENCH_APPLICATION = 'bench-e2e';

const BUSY = ['waiting', 'active', 'prioritized', 'delayed', 'waiting-children'] as const;
const BUSY_DELIVERIES = ['waiting', 'active', 'prioritized', 'waiting-children'] as const;

export interface Backlog {
  outbox: number;
  jobs: number;
  /** Jobs that failed for good since the bench began (a handler that threw 12 times). */
  failed: number;
}

export class Pipeline {
  private readonly queues: Queue[];

  private constructor(
    private readonly db: pg.Client,
    redisUrl: string,
    prefix: string,
  ) {
    const connection = redisOptions(redisUrl, 'producer');
    this.queues = [QueueName.DomainEvents, QueueName.Notifications, QueueName.Deliveries].map((name) => new Queue(name, { connection, prefix }));
    for (const queue of this.queues) queue.on('error', () => undefined);
  }

  static async open(databaseUrl: string, redisUrl: string, prefix: string): Promise<Pipeline> {
    const db = new pg.Client({ connectionString: databaseUrl, application_name: BENCH_APPLICATION });
    await db.connect();
    return new Pipeline(db, redisUrl, prefix);
  }

  get client(): pg.Client {
    return this.db;
  }

  async backlog(): Promise<Backlog> {
    const [{ rows }, ...counts] = await Promise.all([
      this.db.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL'),
      ...this.queues.map((queue) => queue.getJobCounts(...(queue.name === QueueName.Deliveries ? BUSY_DELIVERIES : BUSY), 'failed')),
    ]);
    let jobs = 0;
    let failed = 0;
    for (const byState of counts) {
      for (const [state, n] of Object.entries(byState)) {
        if (state === 'failed') failed += n;
        else jobs += n;
      }
    }
    return { outbox: rows[0]?.n ?? 0, jobs, failed };
  }

  /**
   * Resolves true once the pipeline is idle on two polls in a row, false when `deadlineMs` passed first.
   * `onPoll` sees each poll, for progress.
   */
  async idle(deadlineMs: number, onPoll?: (backlog: Backlog, elapsedMs: number) => void): Promise<boolean> {
    const started = performance.now();
    let quiet = 0;
    for (;;) {
      const backlog = await this.backlog();
      const elapsed = performance.now() - started;
      onPoll?.(backlog, elapsed);
      quiet = backlog.outbox === 0 && backlog.jobs === 0 ? quiet + 1 : 0;
      if (quiet >= 2) return true;
      if (elapsed > deadlineMs) return false;
      await sleep(100);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.queues.map((queue) => queue.close().catch(() => undefined)));
    await this.db.end().catch(() => undefined);
  }
}
