import type { RedisOptions } from 'bullmq';

/**
 * Connection options from a redis:// URL. A producer fails fast while Redis is away instead
 * of buffering commands forever; workers keep retrying (BullMQ requires maxRetriesPerRequest null).
 */
export function redisOptions(redisUrl: string, role: 'producer' | 'worker'): RedisOptions {
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
