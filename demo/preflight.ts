/**
 * Before anything starts: are PostgreSQL and Redis there, and is the API's port free? Each problem is one
 * sentence with the way to fix it, never a stack trace: this is the first thing a newcomer runs.
 */
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';

const START_POSTGRES =
  'start it with `docker compose -f docker/compose.yml up -d postgres`, or `sudo pg_ctlcluster 15 main start` ' +
  "(Debian's postgresql package; `pg_lsclusters` shows the version), or point DATABASE_URL at a running server";
const START_REDIS =
  'start it with `docker compose -f docker/compose.yml up -d redis`, or `redis-server --daemonize yes --appendonly yes ' +
  '--maxmemory-policy noeviction`, or point REDIS_URL at a running server';

/** Where a server is, as a user wrote it: scheme, user and address, without a password or database. */
export function serverAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.username ? `${parsed.username}@` : ''}${parsed.host}`;
}

/** Undefined when PostgreSQL answers; otherwise the sentence to print. */
export async function checkPostgres(serverUrl: string): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === '28P01' || code === '28000') {
      return `PostgreSQL at ${serverAddress(serverUrl)} refused the login (${code === '28P01' ? 'wrong password' : 'no such user or not allowed'}): set the user and password in DATABASE_URL.`;
    }
    const why = code ?? ((error as Error).message.includes('timeout') ? 'timed out' : 'no answer');
    return `PostgreSQL is not reachable at ${serverAddress(serverUrl)} (${why}): ${START_POSTGRES}.`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Undefined when Redis answers PING; otherwise the sentence to print. */
export async function checkRedis(redisUrl: string): Promise<string | undefined> {
  const redis = new Redis(redisUrl, {
    lazyConnect: true,
    connectTimeout: 5_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    protocol: 2,
  });
  // connect() rejects with "Connection is closed"; the socket's own error (ECONNREFUSED, ...) comes as an event.
  let cause: (Error & { code?: string }) | undefined;
  redis.on('error', (error: Error) => (cause ??= error));
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (thrown) {
    // What ioredis rejects with is an Error, but nothing types it so: read its message and code as maybe absent.
    const error = (cause ?? thrown) as { message?: string; code?: string };
    const text = error.message ?? '';
    if (/NOAUTH|WRONGPASS|invalid password/i.test(text)) return `Redis at ${serverAddress(redisUrl)} refused the login: set the password in REDIS_URL.`;
    const code = error.code ?? (/ECONNREFUSED/.test(text) ? 'ECONNREFUSED' : 'no answer');
    return `Redis is not reachable at ${serverAddress(redisUrl)} (${code}): ${START_REDIS}.`;
  } finally {
    redis.disconnect();
  }
}

/** Undefined when nothing listens on `port` yet; otherwise the sentence to print. */
export function checkPortFree(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) => {
      resolve(
        error.code === 'EADDRINUSE'
          ? `Port ${port} is already in use (is \`npm start\` or another demo running?): stop it, or pass another port with \`npm run demo -- --port 3100\`.`
          : `Port ${port} cannot be used (${error.code ?? error.message}): pass another one with \`npm run demo -- --port 3100\`.`,
      );
    });
    server.listen(port, () => {
      server.close(() => {
        resolve(undefined);
      });
    });
  });
}

/** A free TCP port on this machine, for the workers' ops endpoints. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as { port: number };
      server.close(() => {
        resolve(port);
      });
    });
  });
}
