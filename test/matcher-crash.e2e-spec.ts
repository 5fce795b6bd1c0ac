import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ADMIN, DINGHAI_ROAD, aCandidate, anOpening, bearer } from './support/builders';
import { type RunningApi, TEST_ADMIN_KEY, Teardown, type TestWorld, createTestWorld, eventually, matcherCaughtUp, startApi } from './support/test-environment';

const MATCHER = join(process.cwd(), 'dist', 'apps', 'matcher', 'src', 'main.js');
const PEOPLE = 400;
const OPENINGS = 60;

/**
 * A matcher killed with SIGKILL in the middle of a burst of openings and started again: every event is
 * handled, no cap is broken, no pair is matched twice, and no match is announced twice (so nobody is
 * told of it twice).
 */
describe('a matcher killed mid-burst', () => {
  let world: TestWorld;
  let api: RunningApi;
  let matcher: ChildProcess | undefined;
  const teardown = new Teardown();

  function startMatcher(): ChildProcess {
    return spawn(process.execPath, [MATCHER], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: world.config.databaseUrl,
        REDIS_URL: world.config.redisUrl,
        QUEUE_PREFIX: world.config.queuePrefix,
        ADMIN_API_KEY: TEST_ADMIN_KEY,
        MATCHER_OPS_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
  }

  beforeAll(async () => {
    if (!existsSync(MATCHER)) throw new Error(`${MATCHER} is missing: run \`npm run build\` first (npm test does).`);
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
  });

  afterAll(async () => {
    if (matcher?.exitCode === null) matcher.kill('SIGKILL');
    await teardown.run();
  });

  it('handles every event after a restart, within every cap, matching and announcing each pair once', async () => {
    const caseworker = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Crash desk' }).expect(201)).body.apiKey as string;
    const employer = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Crash fair', kind: 'employer' }).expect(201)).body.apiKey as string;
    const lines = Array.from({ length: PEOPLE }, (_, i) =>
      JSON.stringify(
        aCandidate({
          displayName: `Seeker ${i}`,
          groups: ['laid_off'],
          accessibilityNeeds: [],
          location: { lat: DINGHAI_ROAD.lat + (i % 20) * 0.001, lng: DINGHAI_ROAD.lng },
        }),
      ),
    );
    const imported = await api.http
      .post('/v1/candidates/bulk')
      .set(bearer(caseworker))
      .set('Content-Type', 'application/x-ndjson')
      .send(lines.join('\n'))
      .expect(200);
    expect(imported.body.accepted).toBe(PEOPLE);

    matcher = startMatcher();
    for (let i = 0; i < OPENINGS; i++) {
      await api.http
        .post('/v1/openings')
        .set(bearer(employer))
        .send(anOpening({ title: `Fair job ${i}`, targetGroups: ['laid_off'], accessibilityFeatures: [], positions: 2 }))
        .expect(201);
    }
    // Killed while the burst is being matched: some openings are done, others not yet.
    await eventually(
      async () => {
        const { rows } = await world.db.query(`SELECT count(DISTINCT opening_id)::int AS n FROM matches`);
        return rows[0].n >= 5;
      },
      30_000,
      'the first openings matched',
    );
    matcher.kill('SIGKILL');
    await new Promise((resolve) => matcher?.once('exit', resolve));
    const { rows: before } = await world.db.query(`SELECT count(*)::int AS n FROM processed_events WHERE consumer = 'matcher'`);
    expect(before[0].n).toBeLessThan(PEOPLE + OPENINGS);

    matcher = startMatcher();
    await matcherCaughtUp(world, 60_000);
    matcher.kill('SIGTERM');

    // Every opening got its shortlist: max(10, 3 x 2 positions) = 10 people, enough fit every one.
    const { rows: perOpening } = await world.db.query(
      `SELECT o.id, count(m.id)::int AS n FROM openings o LEFT JOIN matches m ON m.opening_id = o.id GROUP BY o.id`,
    );
    expect(perOpening).toHaveLength(OPENINGS);
    expect(perOpening.every((row) => row.n === 10)).toBe(true);
    // Nobody holds more than 6 open job matches; no pair twice.
    const { rows: perPerson } = await world.db.query(`SELECT max(n)::int AS most FROM (SELECT count(*) AS n FROM matches GROUP BY candidate_id) t`);
    expect(perPerson[0].most).toBeLessThanOrEqual(6);
    const { rows: pairs } = await world.db.query(`SELECT count(*)::int AS n, count(DISTINCT (opening_id, candidate_id))::int AS distinct_pairs FROM matches`);
    expect(pairs[0].n).toBe(pairs[0].distinct_pairs);
    // Each match is announced (MatchesProposed, what the notifier tells people from) exactly once.
    const { rows: announced } = await world.db.query(
      `SELECT match_id, count(*)::int AS times FROM outbox_events, jsonb_array_elements_text(payload->'matchIds') AS match_id
        WHERE event_name = 'MatchesProposed' GROUP BY match_id`,
    );
    expect(announced).toHaveLength(pairs[0].n);
    expect(announced.every((row) => row.times === 1)).toBe(true);
  }, 150_000);
});
