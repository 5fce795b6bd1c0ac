import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { DEFAULT_JOB_OPTIONS, QueueName, type RedisClient, createRedisClient, queuePrefix } from '@huigong/messaging';
import { APP_CONFIG, type AppConfig } from '@huigong/platform';
import { Queue } from 'bullmq';

/** The job states an operator watches, as BullMQ names them in getJobCounts. */
export const WATCHED_STATES = ['waiting', 'active', 'delayed', 'failed'] as const;
export type WatchedState = (typeof WATCHED_STATES)[number];

export interface QueueDepth {
  /** The queue's name, and its region's after a colon where the matchers are split (`domain-events:east`). */
  queue: string;
  counts: Record<WatchedState, number>;
  /** Seconds since the oldest job still waiting was added; 0 when none waits. */
  oldestWaitingSeconds: number;
}

/** Fails a slow call instead of letting a probe or a scrape hang. */
export function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not answer within ${ms} ms`));
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

/**
 * Every queue of queues.ts, opened read-mostly for health checks, metrics and the admin board, on one
 * connection of its own (with QUEUE_PREFIX; on a Redis Cluster, a hash tag per queue). The connection reconnects by itself after Redis comes back;
 * while it is down, calls fail at once instead of waiting in ioredis's offline queue.
 */
@Injectable()
export class QueueMonitor implements OnApplicationShutdown {
  readonly redis: RedisClient;
  readonly queues: Record<QueueName, Queue>;
  /**
   * The queues of each matcher region (MATCHER_REGIONS), its domain events and its ticks, watched as
   * `domain-events:<region>` and `matcher-ticks:<region>`.
   */
  private readonly regionQueues = new Map<string, Queue>();

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.redis = createRedisClient(config, 'worker', { connectionName: 'huigong-ops' });
    this.redis.on('error', () => undefined); // reported by the health check
    const open = (name: QueueName) => {
      const queue = new Queue(name, { connection: this.redis, prefix: queuePrefix(config, name), defaultJobOptions: DEFAULT_JOB_OPTIONS });
      queue.on('error', () => undefined);
      return queue;
    };
    this.queues = Object.fromEntries(Object.values(QueueName).map((name) => [name, open(name)])) as Record<QueueName, Queue>;
    for (const region of config.matcherRegions?.regions ?? []) {
      for (const name of [QueueName.DomainEvents, QueueName.MatcherTicks]) {
        const queue = new Queue(name, {
          connection: this.redis,
          prefix: queuePrefix(config, name, region.name),
          defaultJobOptions: DEFAULT_JOB_OPTIONS,
        });
        queue.on('error', () => undefined);
        this.regionQueues.set(`${name}:${region.name}`, queue);
      }
    }
  }

  /** Throws unless Redis answers a PING within `timeoutMs`. */
  async ping(timeoutMs = 1_000): Promise<void> {
    this.requireConnected();
    // A connection that is not subscribed answers PING with PONG or an error (LOADING, ...), which rejects.
    await withTimeout(this.redis.ping(), timeoutMs, 'Redis');
  }

  async depths(timeoutMs = 2_000): Promise<QueueDepth[]> {
    this.requireConnected();
    const watched: [string, Queue][] = [...Object.entries(this.queues), ...this.regionQueues];
    return withTimeout(Promise.all(watched.map(([name, queue]) => this.depth(name, queue))), timeoutMs, 'Redis');
  }

  private async depth(name: string, queue: Queue): Promise<QueueDepth> {
    const [counts, oldest] = await Promise.all([queue.getJobCounts(...WATCHED_STATES), queue.getWaiting(0, 0)]);
    const timestamp = oldest.at(0)?.timestamp; // none when nothing waits
    return {
      queue: name,
      counts: Object.fromEntries(WATCHED_STATES.map((state) => [state, counts[state] ?? 0])) as Record<WatchedState, number>,
      oldestWaitingSeconds: timestamp === undefined ? 0 : Math.max(0, (Date.now() - timestamp) / 1000),
    };
  }

  private requireConnected(): void {
    if (this.redis.status !== 'ready') throw new Error(`Redis is not connected (${this.redis.status})`);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...Object.values(this.queues), ...this.regionQueues.values()].map((queue) => queue.close().catch(() => undefined)));
    await this.redis.quit().catch(() => {
      this.redis.disconnect();
    });
  }
}
