import type { AppConfig } from '@huigong/platform';
import type { ConnectionOptions, RedisOptions } from 'bullmq';
import { Cluster, type ClusterOptions, Redis } from 'ioredis';

/** What a process needs to reach Redis: one node (REDIS_URL) or a cluster (REDIS_CLUSTER_NODES). */
export type RedisSettings = Pick<AppConfig, 'redisUrl' | 'redisClusterNodes'>;

/** A connection to one Redis or to a Redis Cluster: both take the same commands. */
export type RedisClient = Redis | Cluster;

/**
 * A producer fails fast while Redis is away instead of buffering commands forever (the outbox is the
 * buffer); a worker keeps retrying (BullMQ requires maxRetriesPerRequest null for blocking connections).
 */
export type RedisRole = 'producer' | 'worker';

/**
 * Connection options from a redis:// URL. A producer fails fast while Redis is away instead
 * of buffering commands forever; workers keep retrying (BullMQ requires maxRetriesPerRequest null).
 */
export function redisOptions(redisUrl: string, role: RedisRole): RedisOptions {
  const url = new URL(redisUrl);
  const options: RedisOptions = {
    host: url.hostname,
    port: url.port === '' ? 6379 : Number(url.port),
    username: url.username === '' ? undefined : decodeURIComponent(url.username),
    password: url.password === '' ? undefined : decodeURIComponent(url.password),
    db: url.pathname.length > 1 ? Number(url.pathname.slice(1)) : 0,
    tls: url.protocol === 'rediss:' ? {} : undefined,
    // BullMQ's scripts expect RESP2 reply shapes; ioredis 6 speaks RESP3 unless told.
    protocol: 2,
    maxRetriesPerRequest: null,
    retryStrategy: (attempt: number) => Math.min(200 * 2 ** Math.min(attempt, 5), 5_000),
  };
  if (role === 'producer') {
    options.enableOfflineQueue = false;
    options.maxRetriesPerRequest = 1;
  }
  return options;
}

/**
 * Options of a Redis Cluster client reached at REDIS_CLUSTER_NODES, each node with REDIS_URL's credentials
 * and TLS. Failover of a master to its replica takes the cluster's node timeout: commands meanwhile are
 * retried by ioredis after MOVED or CLUSTERDOWN replies (a producer's once, then it fails and the outbox
 * keeps the event; a worker's until the cluster answers).
 */
export function clusterOptions(settings: RedisSettings, role: RedisRole): ClusterOptions {
  // The URL's host, port and database do not apply: the nodes come from REDIS_CLUSTER_NODES, and a cluster has one database.
  const node = redisOptions(settings.redisUrl, role);
  return {
    redisOptions: {
      username: node.username,
      password: node.password,
      tls: new URL(settings.redisUrl).protocol === 'rediss:' ? {} : undefined,
      protocol: 2, // RESP2, as for one Redis: BullMQ's scripts expect its reply shapes
      maxRetriesPerRequest: node.maxRetriesPerRequest,
    },
    enableOfflineQueue: node.enableOfflineQueue ?? true,
    clusterRetryStrategy: (attempt: number) => Math.min(200 * 2 ** Math.min(attempt, 5), 5_000),
    // A failed-over slot answers on its new master within the node timeout; ioredis asks the cluster again.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    retryDelayOnTryAgain: 200,
    // BullMQ's scripts read what they write: every command goes to the slot's master.
    scaleReads: 'master',
  };
}

/** A client of its own (not shared with BullMQ): for pub/sub, health checks, the queue monitor, rate limits. */
export function createRedisClient(settings: RedisSettings, role: RedisRole, extra: Partial<RedisOptions> = {}): RedisClient {
  if (settings.redisClusterNodes === null) return new Redis({ ...redisOptions(settings.redisUrl, role), ...extra });
  const options = clusterOptions(settings, role);
  const { lazyConnect, connectionName, ...nodeExtra } = extra;
  return new Cluster(settings.redisClusterNodes, {
    ...options,
    lazyConnect,
    redisOptions: { ...options.redisOptions, ...nodeExtra, connectionName },
  });
}

/**
 * The `connection` to give BullMQ: options for one Redis (BullMQ opens and closes its own connections), or a
 * Cluster client for a cluster (BullMQ cannot build one from options). A Cluster client is the caller's to
 * close after the queues and workers using it are closed.
 */
export function bullConnection(settings: RedisSettings, role: RedisRole): ConnectionOptions {
  return settings.redisClusterNodes === null ? redisOptions(settings.redisUrl, role) : createRedisClient(settings, role);
}

/** Closes what `bullConnection` gave, if it was a client (BullMQ leaves clients it was given open). */
export async function closeBullConnection(connection: ConnectionOptions): Promise<void> {
  if (connection instanceof Redis || connection instanceof Cluster) {
    await connection.quit().catch(() => {
      connection.disconnect();
    });
  }
}

/**
 * Waits until the writes sent on a cluster client are held by a replica of each master (WAIT), since Redis
 * replicates asynchronously: a master lost just after acknowledging a job would otherwise take it along,
 * and its replica would take over without it. Throws if a master with replicas has none acknowledge within
 * `timeoutMs` (the caller tries again; adding a job twice under one id keeps one). A master without any
 * replica has nothing to wait for. One Redis (no cluster): returns at once.
 */
export async function awaitReplicas(connection: ConnectionOptions, timeoutMs: number): Promise<void> {
  if (!(connection instanceof Cluster)) return;
  await Promise.all(
    connection.nodes('master').map(async (node) => {
      // A master whose replica took over from it, or was lost, has none: waiting would only time out.
      const replicas = Number(/connected_slaves:(\d+)/.exec(await node.info('replication'))?.[1] ?? '0');
      if (replicas > 0 && (await node.wait(1, timeoutMs)) < 1)
        throw new Error(`Redis ${node.options.host ?? ''}:${String(node.options.port)} did not replicate within ${timeoutMs} ms`);
    }),
  );
}

/**
 * The BullMQ key prefix of a queue, and of a region's own queue when the matchers are split by region
 * (`huigong:east`: the queue keeps its name). On one Redis, QUEUE_PREFIX. On a Redis Cluster every key of
 * one queue must hash to one slot (BullMQ's scripts touch several), so the prefix becomes a hash tag naming
 * the queue (`{huigong:domain-events}`, `{huigong:east:domain-events}`): each queue's keys stay together, and
 * different queues spread over the cluster. A QUEUE_PREFIX that already holds a hash tag (`{huigong}`) is
 * kept: every queue in that one slot, as its operator chose.
 */
export function queuePrefix(settings: Pick<AppConfig, 'queuePrefix' | 'redisClusterNodes'>, queue: string, region: string | null = null): string {
  const base = region === null ? settings.queuePrefix : `${settings.queuePrefix}:${region}`;
  if (settings.redisClusterNodes === null || settings.queuePrefix.includes('{')) return base;
  return `{${base}:${queue}}`;
}
