import type { INestApplicationContext } from '@nestjs/common';
import { QueueName, bullConnection, closeBullConnection, queuePrefix } from '@huigong/messaging';
import { Queue } from 'bullmq';
import { MatchingService } from '../apps/matcher/src/matching.service';
import { ADMIN, aCandidate, anOpening, aSlot, bearer, weekdays } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, matcherCaughtUp, startApi, startWorker } from './support/test-environment';

/**
 * Region shards: the same city, the same requests in the same order, once with one matcher over the whole
 * area and once with two matchers, each owning half of it (MATCHER_REGIONS, split at longitude 121.55).
 * People and offers sit on both sides of the split, within each other's reach across it; some people move
 * across it. Both deployments must end with exactly the same matches: the same people for each offer, in
 * the same order, with the same scores.
 */

const SPLIT_LNG = 121.55;
const REGIONS = `west:121.30,31.10,${SPLIT_LNG},31.45;east:${SPLIT_LNG},31.10,121.80,31.45`;

/** A small pseudo-random sequence, the same in both deployments. */
function sequence(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

/** A place within about 6 km of the split, on either side. */
function nearTheSplit(random: () => number): { lat: number; lng: number } {
  return { lat: 31.25 + (random() - 0.5) * 0.08, lng: SPLIT_LNG + (random() - 0.5) * 0.12 };
}

interface Deployment {
  world: TestWorld;
  api: RunningApi;
  /** Waits until every event written so far has been handled by the matchers it went to. */
  settle: () => Promise<void>;
  /** The matcher that does not decide for a place (with regions: the other region's), else the only one. */
  matcherNotOwning: (place: { lat: number; lng: number }) => INestApplicationContext;
}

async function deploy(teardown: Teardown, regions: string[]): Promise<Deployment> {
  // A border of 8 km: wider than any reach here (openings 7 km at most, slots 3 km).
  const env: Record<string, string> = regions.length > 0 ? { MATCHER_REGIONS: REGIONS, MATCHER_REGION_BORDER_KM: '8' } : {};
  const world = teardown.add(await createTestWorld({ env }), (started) => started.destroy());
  const api = teardown.add(await startApi(world), (started) => started.close());
  const connection = bullConnection(world.config, 'worker');
  teardown.add(connection, (opened) => closeBullConnection(opened));
  const queues: Queue[] = [];
  const matchers = new Map<string, INestApplicationContext>();
  for (const region of regions) {
    const config = { ...world.config, matcherRegions: world.config.matcherRegions === null ? null : { ...world.config.matcherRegions, mine: region } };
    matchers.set(
      region,
      teardown.add(await startWorker({ ...world, config }, 'matcher'), (started: INestApplicationContext) => started.close()),
    );
    queues.push(
      teardown.add(new Queue(QueueName.DomainEvents, { connection, prefix: queuePrefix(world.config, QueueName.DomainEvents, region) }), (queue) =>
        queue.close(),
      ),
    );
  }
  if (regions.length === 0)
    matchers.set(
      'all',
      teardown.add(await startWorker(world, 'matcher'), (started) => started.close()),
    );
  // West owns the split itself (listed first); a place east of it is the east's.
  const matcherNotOwning = (place: { lat: number; lng: number }) =>
    (regions.length === 0 ? matchers.get('all') : matchers.get(place.lng > SPLIT_LNG ? 'west' : 'east')) as INestApplicationContext;
  const settle = async () => {
    if (regions.length === 0) return matcherCaughtUp(world, 30_000);
    let quietTimes = 0;
    await eventually(
      async () => {
        const { rows } = await world.db.query<{ pending: number }>(`SELECT count(*)::int AS pending FROM outbox_events WHERE published_at IS NULL`);
        const counts = await Promise.all(queues.map((queue) => queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized')));
        const busy = rows[0].pending + counts.reduce((sum, count) => sum + Object.values(count).reduce((a, b) => a + b, 0), 0);
        quietTimes = busy === 0 ? quietTimes + 1 : 0;
        return quietTimes >= 3;
      },
      30_000,
      'both regions to handle every event',
    );
  };
  return { world, api, settle, matcherNotOwning };
}

/** Every match, as a user compares them: per offer (by title), its people (by reference) best first, with scores and statuses. */
async function matchesOf(world: TestWorld): Promise<string[]> {
  const { rows } = await world.db.query<{ line: string }>(
    `SELECT concat_ws(' | ', coalesce(o.title, s.title), c.external_ref, m.status, round(m.score::numeric, 6)) AS line
       FROM matches m
       JOIN candidates c ON c.id = m.candidate_id
       LEFT JOIN openings o ON o.id = m.opening_id
       LEFT JOIN slots s ON s.id = m.slot_id
      ORDER BY coalesce(o.title, s.title), m.score DESC, c.external_ref, m.status`,
  );
  return rows.map((row) => row.line);
}

describe('region shards: two matchers over two halves of a city', () => {
  const teardown = new Teardown();
  let whole: Deployment;
  let halves: Deployment;

  beforeAll(async () => {
    whole = await deploy(teardown, []);
    halves = await deploy(teardown, ['west', 'east']);
  });

  afterAll(() => teardown.run());

  it('routes each event to the regions around its place, and both deployments make the same matches', async () => {
    // The same script of requests against both deployments, step by step.
    const run = async ({ api, settle, world, matcherNotOwning }: Deployment): Promise<void> => {
      const random = sequence(7);
      const employer = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Yangpu Assembly', kind: 'employer' }).expect(201)).body
        .apiKey as string;
      const merchant = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Dinghai Canteen', kind: 'merchant' }).expect(201)).body
        .apiKey as string;
      const caseworker = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Both banks' }).expect(201)).body.apiKey as string;
      const person = (i: number) =>
        aCandidate({
          externalRef: `P-${String(i).padStart(3, '0')}`,
          groups: i % 3 === 0 ? ['veteran'] : ['rider', 'veteran'],
          skills: ['assembly', 'delivery'],
          availability: weekdays('08:00', '16:00'),
          location: nearTheSplit(random),
          maxTravelKm: 3 + Math.floor(random() * 8),
        });
      const opening = (i: number) => anOpening({ title: `Opening ${i}`, positions: 1 + (i % 3), radiusKm: 4 + (i % 4), location: nearTheSplit(random) });

      const people: string[] = [];
      for (let i = 0; i < 2; i++) await api.http.post('/v1/openings').set(bearer(employer)).send(opening(i)).expect(201);
      await settle();
      for (let i = 0; i < 24; i++) people.push((await api.http.post('/v1/candidates').set(bearer(caseworker)).send(person(i)).expect(201)).body.id as string);
      await settle();
      for (let i = 2; i < 5; i++) await api.http.post('/v1/openings').set(bearer(employer)).send(opening(i)).expect(201);
      const lunchPlace = nearTheSplit(random);
      const lunch = (
        await api.http
          .post('/v1/slots')
          .set(bearer(merchant))
          .send(aSlot({ title: 'Lunch by the split', location: lunchPlace, capacity: 3 }))
          .expect(201)
      ).body.id as string;
      await settle();
      // The lunch's offers pass their occurrence; the sweep that expires them runs in the matcher of the other
      // region, and the lunch's own region offers the seats to the next people, as one matcher would.
      const { rowCount: lapsed } = await world.db.query(
        `UPDATE matches SET expires_at = now() - interval '1 minute' WHERE slot_id = $1 AND status = 'proposed'`,
        [lunch],
      );
      expect(lapsed).toBeGreaterThan(0);
      await matcherNotOwning(lunchPlace).get(MatchingService, { strict: false }).expireSlotOffers();
      await settle();
      // People move across the split, and a caseworker declines a proposal: its place goes to the next in line.
      for (const i of [1, 4, 9]) {
        await api.http
          .patch(`/v1/candidates/${people[i]}`)
          .set(bearer(caseworker))
          .send({ location: nearTheSplit(random) })
          .expect(200);
        await settle();
      }
      const { rows: best } = await world.db.query<{ id: string }>(
        `SELECT m.id FROM matches m JOIN openings o ON o.id = m.opening_id JOIN candidates c ON c.id = m.candidate_id
          WHERE o.title = 'Opening 0' AND m.status = 'proposed' ORDER BY m.score DESC, c.external_ref LIMIT 1`,
      );
      expect(best).toHaveLength(1);
      await api.http.patch(`/v1/matches/${best[0].id}`).set(bearer(caseworker)).send({ status: 'declined', reason: 'found other work' }).expect(200);
      // A person is hired through an opening on the other side of the split, while proposed to other openings:
      // employed now, those proposals go, decided by the person's own region.
      const { rows: hire } = await world.db.query<{ id: string }>(
        `SELECT m.id FROM matches m JOIN openings o ON o.id = m.opening_id JOIN candidates c ON c.id = m.candidate_id
          WHERE m.status = 'proposed' AND (o.lng > $1) <> (c.lng > $1)
            AND EXISTS (SELECT 1 FROM matches other WHERE other.candidate_id = c.id AND other.id <> m.id AND other.status = 'proposed' AND other.opening_id IS NOT NULL)
          ORDER BY o.title, m.score DESC, c.external_ref LIMIT 1`,
        [SPLIT_LNG],
      );
      expect(hire).toHaveLength(1);
      for (const status of ['contacted', 'interested', 'interview', 'hired']) {
        await api.http.patch(`/v1/matches/${hire[0].id}`).set(bearer(caseworker)).send({ status }).expect(200);
        await settle();
      }
      // And a few people far east of the split (20 km and more): the west never hears of them.
      for (let i = 0; i < 4; i++) {
        await api.http
          .post('/v1/candidates')
          .set(bearer(caseworker))
          .send({ ...person(100 + i), location: { lat: 31.25, lng: SPLIT_LNG + 0.21 + i * 0.01 } })
          .expect(201);
      }
      for (let i = 24; i < 36; i++) await api.http.post('/v1/candidates').set(bearer(caseworker)).send(person(i)).expect(201);
      await settle();
    };

    await run(whole);
    await run(halves);

    const expected = await matchesOf(whole.world);
    expect(expected.length).toBeGreaterThan(20);
    expect(await matchesOf(halves.world)).toEqual(expected);

    // Each region's matcher handled (decided for, or copied) the events of its side and its border only: the
    // registrations far east of the split reached the east alone; those by the split, both.
    const handledBy = async (refs: string[]) => {
      const { rows } = await halves.world.db.query<{ consumer: string }>(
        `SELECT DISTINCT p.consumer FROM processed_events p JOIN outbox_events e ON e.id = p.event_id JOIN candidates c ON c.id::text = e.payload->>'candidateId'
          WHERE e.event_name = 'CandidateRegistered' AND c.external_ref = ANY($1) ORDER BY 1`,
        [refs],
      );
      return rows.map((row) => row.consumer);
    };
    expect(await handledBy(['P-100', 'P-101', 'P-102', 'P-103'])).toEqual(['matcher:east']);
    expect(await handledBy(['P-000', 'P-001', 'P-002'])).toEqual(['matcher:east', 'matcher:west']);
  });

  it("watches each region's own tick queue, where its matchers' schedulers wait for their next sweep", async () => {
    // The API's monitor (its configuration names the regions, not one of its own) reads both regions' queues.
    const text = (await halves.api.http.get('/metrics').expect(200)).text;
    const delayed = (queue: string) => {
      const line = text.split('\n').find((row) => row.startsWith('huigong_queue_jobs{') && row.includes(`queue="${queue}"`) && row.includes('state="delayed"'));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    // Each region's two schedulers: the next ExpireOffers and OfferStandbySeats of that region.
    expect({ west: delayed('matcher-ticks:west'), east: delayed('matcher-ticks:east') }).toEqual({ west: 2, east: 2 });
    expect(delayed('domain-events:west')).toBe(0);
  });
});
