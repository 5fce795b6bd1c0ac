import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { freePort } from './support/redis-server';
import { TEST_DATABASE_PREFIX, TEST_REDIS_URL } from './support/test-environment';

// `npm test` builds first; this test runs the demo exactly as `npm run demo` does, on a database of its own.
const DEMO = join(process.cwd(), 'dist', 'demo', 'main.js');
const SERVER_URL = process.env.TEST_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function runDemo(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [DEMO, ...args], {
    env: { ...process.env, REDIS_URL: TEST_REDIS_URL, DATABASE_URL: Object.assign(new URL(SERVER_URL), { pathname: '/huigong' }).toString(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  // Decoded as streams, so a character split between two chunks stays whole (the report is in Chinese).
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function waitForOutput(run: Run, marker: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (run.stdout().includes(marker)) return run.stdout();
    if (run.child.exitCode !== null) throw new Error(`the demo exited early:\n${run.stdout()}\n${run.stderr()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`no "${marker}" within ${timeoutMs} ms:\n${run.stdout()}\n${run.stderr()}`);
}

/** The lines of a report section: after the `== title` line, up to the next `==` line. */
function section(output: string, title: string): string[] {
  const lines = output.split('\n');
  const start = lines.findIndex((line) => line.startsWith(`== ${title}`));
  if (start < 0) throw new Error(`no section "${title}" in:\n${output}`);
  const end = lines.findIndex((line, i) => i > start && line.startsWith('=='));
  return lines.slice(start + 1, end < 0 ? undefined : end);
}

const numbers = (line: string): number[] => (line.match(/\d[\d,]*(?=\s|$)/g) ?? []).map((n) => Number(n.replace(/,/g, '')));

async function databaseExists(name: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rowCount === 1;
  } finally {
    await client.end();
  }
}

describe('npm run demo (as built)', () => {
  const database = `${TEST_DATABASE_PREFIX}demo_${randomBytes(4).toString('hex')}`;
  const runs: Run[] = [];

  beforeAll(() => {
    if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing: run \`npm run build\` first (npm test does).`);
  });

  afterAll(async () => {
    for (const { child } of runs) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    const admin = new pg.Client({ connectionString: SERVER_URL });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await admin.end();
    // The demo's queue prefix is its database's name.
    const redis = new Redis(TEST_REDIS_URL, { protocol: 2 });
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${database}:*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
    redis.disconnect();
    rmSync(join(tmpdir(), `${database}.log`), { force: true });
  });

  it('loads both scenarios through the API, prints offers, candidate lists, matches with reasons and the URLs, and stops on Ctrl-C', async () => {
    const port = await freePort();
    const run = runDemo(['--scale', '0.02', '--port', String(port), '--database', database], {});
    runs.push(run);
    const output = await waitForOutput(run, 'Press Ctrl-C', 150_000);

    // Progress was shown while loading, then the matcher caught up.
    expect(output).toMatch(/people imported \(POST \/v1\/candidates\/bulk\)/);
    expect(output).toMatch(/The matcher caught up: [\d,]+ events handled/);

    // Offers per slot: every one of the street's 30 service points is listed, some offered and delivered,
    // and no slot offered more than twice its seats.
    const slotRows = section(output, 'Offers sent per slot').filter(
      (line) => /^\s{2}\S/.test(line) && !/^\s+service point/.test(line) && !/offers in all/.test(line),
    );
    expect(slotRows).toHaveLength(30);
    const slotFigures = slotRows.map((line) => numbers(line).slice(-3));
    expect(slotFigures.some(([, offered]) => offered > 0)).toBe(true);
    expect(slotFigures.reduce((sum, [, , delivered]) => sum + delivered, 0)).toBeGreaterThan(0);
    for (const [seats, offered, delivered] of slotFigures) {
      expect(offered).toBeLessThanOrEqual(2 * seats);
      expect(delivered).toBeLessThanOrEqual(offered);
    }

    // Candidate lists per caseworker: the street's 5 and the job fair's 12, with job matches and slot offers.
    const caseworkerRows = section(output, 'Candidate lists per caseworker').filter(
      (line) => /^\s{2}\S/.test(line) && !/^\s+caseworker/.test(line) && !/job matches over/.test(line),
    );
    expect(caseworkerRows).toHaveLength(17);
    const caseworkerFigures = caseworkerRows.map((line) => numbers(line).slice(-5));
    expect(caseworkerFigures.some(([, , jobMatches]) => jobMatches > 0)).toBe(true);
    expect(caseworkerFigures.some(([, , , slotOffers]) => slotOffers > 0)).toBe(true);

    // The best job matches, each with its reasons in words.
    const best = section(output, 'The 5 best job matches').join('\n');
    expect(best.match(/^\s+\d\. score 0\.\d{4} /gm)?.length).toBe(5);
    expect(best.match(/reasons: [\d.]+ km away; free for \d+% of the shift hours/g)?.length).toBe(5);

    // The terminal is a log too: no phone number and no full name of a person.
    expect(output).not.toMatch(/\+86 1\d\d \d{4} \d{4}/);

    // The URLs, and the admin key printed at start and in the report, which the API accepts.
    const where = section(output, 'Where to look').join('\n');
    const base = `http://127.0.0.1:${port}`;
    for (const url of [`${base}/v1`, `${base}/docs`, `${base}/console`, `${base}/admin/queues`, `${base}/health/ready`, `${base}/metrics`])
      expect(where).toContain(url);
    const adminKey = /admin key\s+(hg_admin_\S+)/.exec(where)?.[1];
    expect(adminKey).toBeDefined();
    expect(output).toContain(`Admin key of this run: ${adminKey}`);
    const funnel = await fetch(`${base}/v1/reports/funnel`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(funnel.status).toBe(200);
    const report = (await funnel.json()) as { openings: { funnel: { proposed: number } }[] };
    expect(report.openings.length).toBeGreaterThan(0);
    expect(report.openings.some((opening) => opening.funnel.proposed > 0)).toBe(true);
    expect((await fetch(`${base}/v1/reports/funnel`)).status).toBe(401);

    // After the match: one opening filled by hires, and the slots' uptake with the codes workers showed.
    const filled = section(output, 'After the match: an opening filled').join('\n');
    expect(filled).toMatch(/status filled/);
    expect(filled).toMatch(/hired \d+, withdrawn \d+;/);
    const uptakeRows = section(output, 'Slot uptake per service point').filter((line) => /^\s{2}\S/.test(line) && !/^\s+service point/.test(line));
    expect(uptakeRows.length).toBeGreaterThan(0);
    expect(uptakeRows.map((line) => numbers(line).slice(-4)[2]).reduce((sum, redeemed) => sum + redeemed, 0)).toBeGreaterThan(0);

    // The street's service points on the benefit map, and the map near Dinghai Road in the report.
    const mapSection = section(output, 'The benefit map within 1 km of Dinghai Road');
    expect(output).toMatch(/== The benefit map within 1 km of Dinghai Road \(GET \/v1\/benefits; 30 service points registered\)/);
    expect(mapSection.filter((line) => /\d+ min/.test(line)).length).toBeGreaterThan(0);
    const points = await fetch(`${base}/v1/service-points`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(((await points.json()) as { kind: string }[]).filter((point) => point.kind === 'canteen').length).toBeGreaterThanOrEqual(5);

    // Minle county's menu: ten orders of one topic made a demand, and a course was scheduled from it and offered.
    const menu = section(output, "Minle county's course menu").join('\n');
    expect(menu).toMatch(/course_demand to the station: .*Electrician skills, 10 orders; best windows: Wed 18:30-20:00 \(suits 7\)/);
    expect(menu).toMatch(/course scheduled from the orders: .*Electrician skills, \d{4}-\d{2}-\d{2} 18:30-20:00, offered to 7 /);

    // The Baise fair live: the burst's intents on the live board, each a lead; the report follows them up.
    const live = section(output, 'The Baise fair, live').join('\n');
    const sent = Number(/the streaming partner sent (\d+) intents/.exec(live)?.[1]);
    const onBoard = Number(/live board, final counts \(\d+ updates streamed\): intents (\d+)/.exec(live)?.[1]);
    expect(sent).toBeGreaterThan(onBoard);
    expect(onBoard).toBe(60);
    const fairReport = section(output, 'The fair report').join('\n');
    const [intents, contacted, interview, hired] = (/intents (\d+) -> contacted (\d+) -> interview (\d+) -> hired (\d+)/.exec(fairReport) ?? [])
      .slice(1)
      .map(Number);
    expect(intents).toBe(onBoard);
    expect(contacted).toBeGreaterThan(interview);
    expect(hired).toBeGreaterThan(0);
    expect(fairReport).toMatch(/leads waiting for a first contact: \d+; their caseworkers are reminded 48 hours after the intent/);
    expect(`${live}\n${fairReport}`).not.toMatch(/\+86|139 /);

    // A caseworker's and a merchant's key of this run, for the console: each is accepted in its role.
    const caseworkerKey = /caseworker key\s+(hg_\S+)/.exec(where)?.[1];
    const merchantKey = /merchant key\s+(hg_\S+)/.exec(where)?.[1];
    expect((await fetch(`${base}/v1/caseworkers/me/seekers`, { headers: { authorization: `Bearer ${caseworkerKey}` } })).status).toBe(200);
    expect((await fetch(`${base}/v1/reports/slot-uptake`, { headers: { authorization: `Bearer ${merchantKey}` } })).status).toBe(200);

    // Ctrl-C: the three processes stop cleanly and the demo exits 0; nothing serves on the port any more.
    run.child.kill('SIGINT');
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => {
        resolve('timeout');
      }, 20_000);
    });
    const exit = await Promise.race([run.exited, timedOut]);
    clearTimeout(timer);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(run.stdout()).toContain('Stopped.');
    await expect(fetch(`${base}/v1/inbox`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
  }, 200_000);

  it('says in one sentence that PostgreSQL cannot be reached and how to start it, and exits 1', async () => {
    const run = runDemo(['--scale', '0.02', '--port', String(await freePort()), '--database', database], {
      DATABASE_URL: 'postgres://postgres@127.0.0.1:1/huigong',
    });
    runs.push(run);
    const exit = await run.exited;
    expect(exit.code).toBe(1);
    const problems = run.stderr().trim().split('\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^PostgreSQL is not reachable at postgres:\/\/postgres@127\.0\.0\.1:1 \(ECONNREFUSED\): start it with `docker compose -f docker\/compose\.yml up -d postgres`.*\.$/,
    );
    expect(run.stdout() + run.stderr()).not.toMatch(/^\s+at /m);
  }, 30_000);

  it('says in one sentence that Redis cannot be reached and how to start it, exits 1, and touches no database', async () => {
    const untouched = `${TEST_DATABASE_PREFIX}demo_never_${randomBytes(4).toString('hex')}`;
    const run = runDemo(['--scale', '0.02', '--port', String(await freePort()), '--database', untouched], { REDIS_URL: 'redis://127.0.0.1:1' });
    runs.push(run);
    const exit = await run.exited;
    expect(exit.code).toBe(1);
    const problems = run.stderr().trim().split('\n');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(
      /^Redis is not reachable at redis:\/\/127\.0\.0\.1:1 \(ECONNREFUSED\): start it with `docker compose -f docker\/compose\.yml up -d redis`, or `redis-server .*\.$/,
    );
    expect(run.stdout() + run.stderr()).not.toMatch(/^\s+at /m);
    expect(await databaseExists(untouched)).toBe(false);
  }, 30_000);
});
