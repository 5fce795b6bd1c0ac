import { ADMIN, aCandidate, anOpening, bearer } from './support/builders';
import { DisposablePostgres } from './support/postgres-server';
import request from 'supertest';
import { createApiApp } from '../apps/api/src/create-api-app';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, startWorker } from './support/test-environment';

/** The API's error lines, so that a 500 fails the test with the error that caused it. */
const errorLines: string[] = [];
const errorLog = { write: (chunk: string) => void errorLines.push(...chunk.split('\n').filter((line) => line.trim() !== '')) };

/**
 * PostgreSQL restarted under a running API and matcher (a failover, an upgrade): requests meanwhile get a
 * clear 503 with Retry-After, never a 500; every write answered 201 is there afterwards; and both processes
 * come back by themselves, the matcher catching up on what was written before and after.
 */
describe('PostgreSQL restarted under the running product', () => {
  let postgres: DisposablePostgres;
  let world: TestWorld;
  let api: RunningApi;
  const teardown = new Teardown();

  beforeAll(async () => {
    postgres = teardown.add(await DisposablePostgres.start(), (started) => started.destroy());
    // After the restart a close may fail on a connection the restart broke: not a test failure.
    world = teardown.add(await createTestWorld({ databaseServerUrl: postgres.serverUrl }), (started) => started.destroy().catch(() => undefined));
    const app = await createApiApp(world.config, { logs: { level: 'error', destination: errorLog } });
    await app.init();
    api = teardown.add({ app, http: request(app.getHttpServer()), close: () => app.close() }, (started) => started.close().catch(() => undefined));
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close().catch(() => undefined));
  }, 60_000);

  afterAll(() => teardown.run());

  it('answers 503 while it is away, loses nothing it accepted, and recovers by itself', async () => {
    const caseworker = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Outage desk' }).expect(201)).body.apiKey as string;
    const employer = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Outage plant', kind: 'employer' }).expect(201)).body.apiKey as string;
    const veteran = (i: number) => aCandidate({ displayName: `Outage veteran ${i}`, groups: ['veteran'], accessibilityNeeds: [] });

    // Writes keep coming while the server stops: each answer is 201 or 503, nothing else.
    const accepted: string[] = [];
    const statuses = new Set<number>();
    const stopWriting = new AbortController();
    const writer = (async () => {
      for (let i = 0; !stopWriting.signal.aborted; i++) {
        const res = await api.http.post('/v1/candidates').set(bearer(caseworker)).send(veteran(i));
        statuses.add(res.status);
        if (res.status === 201) accepted.push(res.body.id);
        else {
          if (res.status !== 503) throw new Error(`answered ${res.status} while PostgreSQL was away; the API logged:\n${errorLines.join('\n')}`);
          expect(res.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: expect.stringContaining('not applied') });
          expect(res.headers['retry-after']).toBe('5');
        }
      }
    })();
    await eventually(() => accepted.length >= 5, 10_000, 'some writes before the stop');
    await postgres.stop();
    await eventually(() => statuses.has(503), 10_000, 'a 503 while PostgreSQL is away');
    const ready = await api.http.get('/health/ready');
    expect(ready.status).toBe(503);
    await new Promise((resolve) => setTimeout(resolve, 1_000));

    await postgres.start();
    await eventually(async () => (await api.http.get('/health/ready')).status === 200, 20_000, 'ready again');
    const writtenAfter = accepted.length;
    await eventually(() => accepted.length > writtenAfter + 3, 20_000, 'writes accepted again');
    stopWriting.abort();
    await writer;
    expect([...statuses].sort()).toEqual([201, 503]);

    // Everything answered 201 was committed.
    const { rows } = await world.db.query(`SELECT id FROM candidates WHERE id = ANY($1::uuid[])`, [accepted]);
    expect(rows).toHaveLength(accepted.length);

    // The matcher recovers too: an opening posted now is matched with people registered before, during and after.
    const opening = (
      await api.http
        .post('/v1/openings')
        .set(bearer(employer))
        .send(anOpening({ targetGroups: ['veteran'], accessibilityFeatures: [], positions: 100 }))
        .expect(201)
    ).body.id;
    await eventually(
      async () => {
        const { rows: matched } = await world.db.query(`SELECT count(*)::int AS n FROM matches WHERE opening_id = $1`, [opening]);
        return matched[0].n >= Math.min(accepted.length, 200);
      },
      30_000,
      'the opening matched with everyone accepted',
    );
  }, 120_000);
});
