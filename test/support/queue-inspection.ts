import {
  DEFAULT_JOB_OPTIONS,
  type EventJobData,
  QueueName,
  type RedisClient,
  bullConnection,
  closeBullConnection,
  createRedisClient,
  queuePrefix,
} from '@huigong/messaging';
import { Queue } from 'bullmq';
import { Cluster } from 'ioredis';
import type { TestWorld } from './test-environment';

/** What one queue holds, read the way an operator would: from BullMQ's own lists and from the raw keys. */
export interface QueueContents {
  /**
   * Job ids as listed in the queue's state lists and sets (wait, paused, active, prioritized, delayed,
   * waiting-children, completed, failed), with repeats: an id listed twice appears twice.
   */
  listed: string[];
  /** Ids of every job hash stored under the queue's key prefix (found by SCAN), listed or not. */
  stored: string[];
  /** The stored jobs' name and data, by id. */
  jobs: Map<string, { name: string; data: EventJobData }>;
  /** Ids from the queue's event stream that BullMQ reported as `duplicated` (an add of an id it already held). */
  duplicated: string[];
}

const LISTS = ['wait', 'paused', 'active'] as const;
const SORTED_SETS = ['prioritized', 'delayed', 'waiting-children', 'completed', 'failed'] as const;

/**
 * BullMQ queues of a test world, opened on the same connection and prefix as the product (RESP2), plus a
 * raw client for what BullMQ's getters hide (repeated ids, job hashes listed nowhere, the event stream).
 */
export class QueueInspector {
  readonly queues: Record<QueueName, Queue>;
  private readonly raw: RedisClient;
  private readonly connection: ReturnType<typeof bullConnection>;

  constructor(private readonly world: TestWorld) {
    // The product's own connection (RESP2, as BullMQ's scripts expect; a cluster client on a cluster) and key prefixes.
    this.connection = bullConnection(world.config, 'worker');
    const queue = (name: QueueName) => {
      const q = new Queue(name, { connection: this.connection, prefix: queuePrefix(world.config, name), defaultJobOptions: DEFAULT_JOB_OPTIONS });
      q.on('error', () => undefined); // a failing command rejects; the event would only crash the test
      return q;
    };
    this.queues = Object.fromEntries(Object.values(QueueName).map((name) => [name, queue(name)])) as Record<QueueName, Queue>;
    this.raw = createRedisClient(world.config, 'worker');
    this.raw.on('error', () => undefined);
  }

  queue(name: QueueName): Queue {
    return this.queues[name];
  }

  async contents(name: QueueName): Promise<QueueContents> {
    const base = `${queuePrefix(this.world.config, name)}:${name}:`;
    const listed: string[] = [];
    for (const list of LISTS) listed.push(...(await this.raw.lrange(base + list, 0, -1)));
    for (const set of SORTED_SETS) listed.push(...(await this.raw.zrange(base + set, '0', '-1')));

    const jobs = new Map<string, { name: string; data: EventJobData }>();
    for (const key of await this.keysStartingWith(base)) {
      const id = key.slice(base.length);
      if (id.includes(':') || (await this.raw.type(key)) !== 'hash') continue;
      const [jobName, data] = await this.raw.hmget(key, 'name', 'data');
      if (jobName === null || data === null) continue; // a hash of the queue itself (meta), not a job
      jobs.set(id, { name: jobName, data: JSON.parse(data) as EventJobData });
    }

    const events = await this.raw.xrange(`${base}events`, '-', '+');
    const duplicated: string[] = [];
    for (const [, fields] of events) {
      const entry = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) entry.set(fields[i], fields[i + 1]);
      if (entry.get('event') === 'duplicated') duplicated.push(entry.get('jobId') ?? '');
    }
    return { listed, stored: [...jobs.keys()], jobs, duplicated };
  }

  /** Every key of a queue, as stored. */
  keys(name: QueueName): Promise<string[]> {
    return this.keysStartingWith(`${queuePrefix(this.world.config, name)}:${name}:`);
  }

  /** SCAN of every node that holds keys (on a cluster, each master: a queue's keys are in one slot). */
  private async keysStartingWith(base: string): Promise<string[]> {
    const nodes = this.raw instanceof Cluster ? this.raw.nodes('master') : [this.raw];
    const keys: string[] = [];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, found] = await node.scan(cursor, 'MATCH', `${base}*`, 'COUNT', '1000');
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
    }
    return keys;
  }

  /** Jobs that still wait to be processed or are being processed, over every state that is not finished. */
  async unfinished(name: QueueName): Promise<number> {
    const counts = await this.queues[name].getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children');
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
  }

  async close(): Promise<void> {
    await Promise.all(Object.values(this.queues).map((queue) => queue.close()));
    await this.raw.quit().catch(() => {
      this.raw.disconnect();
    });
    await closeBullConnection(this.connection);
  }
}
