import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './support/redis-server';
import { TEST_ADMIN_KEY, TEST_DATABASE_PREFIX, TEST_REDIS_URL } from './support/test-environment';

// `npm test` builds first; this test runs the launcher exactly as `npm start` does.
const LAUNCHER = join(process.cwd(), 'dist', 'apps', 'launcher', 'src', 'main.js');
const SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Launched {
  child: ChildProcess;
  port: number;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function launch(databaseUrl: string, queuePrefix: string, port: number): Launched {
  const child = spawn(process.execPath, [LAUNCHER], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: databaseUrl,
      REDIS_URL: TEST_REDIS_URL,
      PORT: String(port),
      ADMIN_API_KEY: TEST_ADMIN_KEY,
      QUEUE_PREFIX: queuePrefix,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // Decoded as streams, so a character split between two chunks stays whole.
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      output += chunk;
    });
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  return { child, port, output: () => output, exited };
}

async function waitUntilServing(launched: Launched, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (launched.child.exitCode !== null) throw new Error(`launcher exited early:\n${launched.output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${launched.port}/v1/inbox`);
      if (response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the API did not answer within ${timeoutMs} ms:\n${launched.output()}`);
}

describe('npm start (the launcher, as built)', () => {
  beforeAll(() => {
    if (!existsSync(LAUNCHER)) throw new Error(`${LAUNCHER} is missing: run \`npm run build\` first (npm test does).`);
  });

  const databaseName = `${TEST_DATABASE_PREFIX}launcher_${randomBytes(4).toString('hex')}`;
  const databaseUrl = Object.assign(new URL(SERVER_URL), { pathname: `/${databaseName}` }).toString();
  const launched: Launched[] = [];

  afterAll(async () => {
    for (const { child } of launched) if (child.exitCode === null) child.kill('SIGKILL');
    const admin = new pg.Client({ connectionString: SERVER_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${databaseName}" WITH (FORCE)`);
    await admin.end();
  });

  it('creates and migrates a missing database from two launchers at once, then stops cleanly on SIGTERM', async () => {
    const prefix = `test-launcher-${randomBytes(4).toString('hex')}`;
    launched.push(launch(databaseUrl, prefix, await freePort()), launch(databaseUrl, prefix, await freePort()));
    await Promise.all(launched.map((one) => waitUntilServing(one)));

    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    const { rows } = await db.query('SELECT name, count(*)::int AS times FROM schema_migrations GROUP BY name');
    const { rows: apps } = await db.query(
      `SELECT DISTINCT application_name FROM pg_stat_activity WHERE datname = $1 AND application_name LIKE 'huigong-%' ORDER BY 1`,
      [databaseName],
    );
    await db.end();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((row) => row.times === 1)).toBe(true);
    // All three processes of a launcher hold connections.
    expect(apps.map((row) => row.application_name)).toEqual(['huigong-api', 'huigong-matcher', 'huigong-notifier']);

    for (const one of launched) one.child.kill('SIGTERM');
    const exits = await Promise.all(launched.map((one) => one.exited));
    expect(exits).toEqual([
      { code: 0, signal: null },
      { code: 0, signal: null },
    ]);
  }, 60_000);
});
