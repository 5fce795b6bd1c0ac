import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import request from 'supertest';
import { EVENT_QUEUE, QueueName } from '@huigong/messaging';
import { runMigrations } from '@huigong/persistence';
import { type AppConfig, loadConfig } from '@huigong/platform';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { MatcherModule } from '../../apps/matcher/src/matcher.module';
import { NotifierModule } from '../../apps/notifier/src/notifier.module';

export const TEST_DATABASE_PREFIX = 'huigong_test_';
const SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdefghij';

/** One isolated world per test file: its own database and its own BullMQ prefix. */
export interface TestWorld {
  config: AppConfig;
  databaseName: string;
  /** A pool on the test database, for assertions on what was written. */
  db: pg.Pool;
  /** Removes the database and the queue keys. */
  destroy(): Promise<void>;
}

export interface ConfigOverrides {
  redisUrl?: string;
  /** A PostgreSQL server of the test's own (its maintenance database), instead of the shared one. */
  databaseServerUrl?: string;
  webhookAllowedHosts?: string;
  /** Further environment variables for this world's configuration. */
  env?: Record<string, string>;
}

/** Creates a fresh database (migrated) and a unique queue prefix. */
export async function createTestWorld(overrides: ConfigOverrides = {}): Promise<TestWorld> {
  const suffix = `${process.pid}_${randomBytes(4).toString('hex')}`;
  const databaseName = `${TEST_DATABASE_PREFIX}${suffix}`;
  const serverUrl = new URL(overrides.databaseServerUrl ?? SERVER_URL);
  const databaseUrl = new URL(overrides.databaseServerUrl ?? SERVER_URL);
  databaseUrl.pathname = `/${databaseName}`;
  await runMigrations(databaseUrl.toString());
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: databaseUrl.toString(),
    REDIS_URL: overrides.redisUrl ?? TEST_REDIS_URL,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    QUEUE_PREFIX: `test-${suffix}`,
    WEBHOOK_ALLOWED_HOSTS: overrides.webhookAllowedHosts ?? '',
    ...overrides.env,
  });
  const db = new pg.Pool({ connectionString: config.databaseUrl, max: 4 });
  // Dropping the database WITH (FORCE) may end a connection that is still closing: not a test failure.
  db.on('error', () => undefined);
  return {
    config,
    databaseName,
    db,
    async destroy() {
      await db.end();
      await dropTestDatabase(serverUrl.toString(), databaseName);
      // A test's own cluster is stopped with everything in it; only a shared Redis is cleaned.
      if (config.redisClusterNodes === null) await deleteQueueKeys(overrides.redisUrl ?? TEST_REDIS_URL, config.queuePrefix).catch(() => undefined);
    },
  };
}

async function dropTestDatabase(serverUrl: string, databaseName: string): Promise<void> {
  // Never drop anything but a database this harness created.
  if (!databaseName.startsWith(TEST_DATABASE_PREFIX)) throw new Error(`refusing to drop ${databaseName}`);
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function deleteQueueKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1, protocol: 2 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** The intake API in this process, on a test world; `http` is a supertest client of it. */
export interface RunningApi {
  app: NestExpressApplication;
  http: ReturnType<typeof request>;
  close(): Promise<void>;
}

export async function startApi(world: TestWorld): Promise<RunningApi> {
  const app = await createApiApp(world.config, process.env.TEST_LOGS ? {} : { logger: false });
  await app.init();
  return {
    app,
    http: request(app.getHttpServer()),
    close: () => app.close(),
  };
}

/** The matcher or the notifier in this process, consuming the test world's queues. */
export async function startWorker(world: TestWorld, worker: 'matcher' | 'notifier'): Promise<INestApplicationContext> {
  const module = worker === 'matcher' ? MatcherModule.forRoot(world.config) : NotifierModule.forRoot(world.config);
  const app = await NestFactory.createApplicationContext(module, { ...(process.env.TEST_LOGS ? {} : { logger: false as const }), abortOnError: false });
  await app.init();
  return app;
}

/**
 * What a test file starts in beforeAll, stopped in afterAll newest first. When beforeAll fails half way, the
 * variables it had still to assign are unset in afterAll; this stops exactly what did start. A stop that
 * fails does not keep the others from running: the first failure is thrown once all have run.
 */
export class Teardown {
  private readonly stops: (() => Promise<unknown>)[] = [];

  /** Stops `resource` with `stop` at teardown, and gives it back, to be assigned where it is started. */
  add<T>(resource: T, stop: (resource: T) => Promise<unknown>): T {
    this.stops.push(() => stop(resource));
    return resource;
  }

  async run(): Promise<void> {
    let failure: { error: unknown } | undefined;
    for (const stop of this.stops.splice(0).reverse()) {
      try {
        await stop();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure !== undefined) throw failure.error;
  }
}

/** Polls until `check` returns a truthy value, or fails after `timeoutMs`; `check` may answer at once or later. */
export async function eventually<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

/** The events the matcher consumes: those of the domain-events queue. */
const MATCHER_EVENTS = Object.entries(EVENT_QUEUE)
  .filter(([, queue]) => queue === QueueName.DomainEvents)
  .map(([name]) => name);

/** Waits until the matcher has handled every domain event the API wrote and the outbox is empty. */
export async function matcherCaughtUp(world: TestWorld, timeoutMs = 20_000): Promise<void> {
  await eventually(
    async () => {
      const { rows } = await world.db.query(
        `SELECT (SELECT count(*) FROM outbox_events WHERE event_name = ANY($1)) AS events,
              (SELECT count(*) FROM processed_events WHERE consumer = 'matcher') AS handled,
              (SELECT count(*) FROM outbox_events WHERE published_at IS NULL) AS pending`,
        [MATCHER_EVENTS],
      );
      return rows[0].events === rows[0].handled && rows[0].pending === '0';
    },
    timeoutMs,
    'the matcher to handle every event',
  );
}
