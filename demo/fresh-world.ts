/** A fresh database and an empty queue prefix of the demo's own, so every run starts from nothing. */
import { Redis } from 'ioredis';
import pg from 'pg';
import { runMigrations } from '@huigong/persistence';
import type { DemoOptions } from './options';

/** Drops and creates the demo's database, then applies every migration; returns the migrations applied. */
export async function freshDatabase(options: DemoOptions): Promise<string[]> {
  const admin = new pg.Client({ connectionString: options.serverUrl });
  await admin.connect();
  try {
    const name = `"${options.database.replace(/"/g, '""')}"`;
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return runMigrations(options.databaseUrl);
}

/** Deletes what an earlier run left under the demo's queue prefix (jobs that point at a dropped database). */
export async function emptyQueues(options: DemoOptions): Promise<number> {
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, protocol: 2 });
  redis.on('error', () => undefined);
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${options.queuePrefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) deleted += await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
