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

/** The URL with any password hidden. */
export function safeUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
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
      return `PostgreSQL at ${safeUrl(serverUrl)} refused the login (${code === '28P01' ? 'wrong password' : 'no such user or not allowed'}): set the user and password in DATABASE_URL.`;
    }
    const why = code ?? ((error as Error).message.includes('timeout') ? 'timed out' : 'no answer');
    return `PostgreSQL is not reachable at ${safeUrl(serverUrl)} (${why}): ${START_POSTGRES}.`;
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
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return undefined;
  } catch (error) {
    const text = (error as Error).message ?? '';
    if (/NOAUTH|WRONGPASS|invalid password/i.test(text)) return `Redis at ${safeUrl(redisUrl)} refused the login: set the password in REDIS_URL.`;
    const code = (error as { code?: string }).code ?? (/ECONNREFUSED/.test(text) ? 'ECONNREFUSED' : 'no answer');
    return `Redis is not reachable at ${safeUrl(redisUrl)} (${code}): ${START_REDIS}.`;
  } finally {
    redis.disconnect();
  }
}

/** Undefined when nothing listens on `port` yet; otherwise the sentence to print. */
export function checkPortFree(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', (error: NodeJS.ErrnoException) =>
      resolve(
        error.code === 'EADDRINUSE'
          ? `Port ${port} is already in use (is \`npm start\` or another demo running?): stop it, or pass another port with \`npm run demo -- --port 3100\`.`
          : `Port ${port} cannot be used (${error.code ?? error.message}): pass another one with \`npm run demo -- --port 3100\`.`,
      ),
    );
    server.listen(port, () => server.close(() => resolve(undefined)));
  });
}

/** A free TCP port on this machine, for the workers' ops endpoints. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
