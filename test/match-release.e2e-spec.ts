import type { INestApplicationContext } from '@nestjs/common';
import { COUNT_TRUST_MS, MatchingService } from '../apps/matcher/src/matching.service';
import { ADMIN, DINGHAI_ROAD, aCandidate, aSlot, anOpening, bearer, weekdays } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, matcherCaughtUp, startApi, startWorker } from './support/test-environment';

const OPEN_JOB_STATUSES = ['proposed', 'contacted', 'interested', 'interview'];

/**
 * A count in memory that says "full" is believed for COUNT_TRUST_MS after PostgreSQL confirmed it; a change
 * made where no matcher sees it shows once that much time has passed since the change. A wait on the
 * product's own clock, not on the machine's speed.
 */
const countsGoStale = () => new Promise((resolve) => setTimeout(resolve, COUNT_TRUST_MS + 250));

/** Each test works in a town of its own, 55 km from the next: openings reach 10 km, people travel 5. */
const town = (n: number) => ({ lat: DINGHAI_ROAD.lat + n * 0.5, lng: DINGHAI_ROAD.lng });

/**
 * Issue 9, defect 2: every path that ends a match gives the person's place back. Nobody who held
 * matches with closed, lapsed or changed openings, or whose match was declined, stays invisible to the
 * openings that come next, and the matcher's counts in memory never hide a person the database says has
 * room (as when another matcher ended the matches). All through the public API, with the real matcher.
 */
function releaseSuite(matcherCount: number) {
  let world: TestWorld;
  let api: RunningApi;
  const matchers: INestApplicationContext[] = [];
  let employer: string;
  let worker: string;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    for (let i = 0; i < matcherCount; i++) matchers.push(teardown.add(await startWorker(world, 'matcher'), (started) => started.close()));
    employer = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Release works', kind: 'employer' }).expect(201)).body.apiKey;
    worker = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Release desk' }).expect(201)).body.apiKey;
  });

  afterAll(() => teardown.run());

  const settle = () => matcherCaughtUp(world, 60_000);

  async function seekers(where: { lat: number; lng: number }, count: number, label: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const body = aCandidate({
        displayName: `${label} ${i}`,
        groups: ['laid_off'],
        location: where,
        availability: weekdays('08:00', '16:00'),
        accessibilityNeeds: [],
      });
      ids.push((await api.http.post('/v1/candidates').set(bearer(worker)).send(body).expect(201)).body.id);
    }
    return ids;
  }

  /** One position: a shortlist of max(10, 3 x 1) = 10 people. */
  async function postOpening(where: { lat: number; lng: number }, title: string): Promise<string> {
    const body = anOpening({ title, location: where, targetGroups: ['laid_off'], skills: [], accessibilityFeatures: [], positions: 1 });
    return (await api.http.post('/v1/openings').set(bearer(employer)).send(body).expect(201)).body.id;
  }

  async function openings(where: { lat: number; lng: number }, count: number, label: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) ids.push(await postOpening(where, `${label} ${i}`));
    return ids;
  }

  /** Open job matches per person, as the database (and `explain`) counts them. */
  async function held(people: string[]): Promise<number[]> {
    const { rows } = await world.db.query(
      `SELECT p.id, count(m.id)::int AS n FROM unnest($1::uuid[]) AS p(id)
         LEFT JOIN matches m ON m.candidate_id = p.id AND m.offer_kind = 'opening' AND m.status = ANY($2)
        GROUP BY p.id`,
      [people, OPEN_JOB_STATUSES],
    );
    const count = new Map(rows.map((row) => [row.id as string, row.n as number]));
    return people.map((id) => count.get(id) ?? 0);
  }

  async function proposedOn(offerColumn: 'opening_id' | 'slot_id', offerId: string): Promise<string[]> {
    const { rows } = await world.db.query(`SELECT candidate_id FROM matches WHERE ${offerColumn} = $1 AND status = 'proposed'`, [offerId]);
    return rows.map((row) => row.candidate_id as string);
  }

  async function matchOf(openingId: string, candidateId: string): Promise<{ id: string; status: string } | undefined> {
    const { rows } = await world.db.query(`SELECT id, status FROM matches WHERE opening_id = $1 AND candidate_id = $2`, [openingId, candidateId]);
    return rows.at(0);
  }

  /** The id of a match that must exist. */
  async function matchIdOf(openingId: string, candidateId: string): Promise<string> {
    const match = await matchOf(openingId, candidateId);
    if (match === undefined) throw new Error(`no match of ${candidateId} with ${openingId}`);
    return match.id;
  }

  /** The one person of `people` that `chosen` left out. */
  function leftOut(people: string[], chosen: string[]): string {
    const missing = people.filter((id) => !chosen.includes(id));
    expect(missing).toHaveLength(1);
    return missing.join();
  }

  async function explain(candidateId: string, openingId: string) {
    return (await api.http.get(`/v1/candidates/${candidateId}/explain`).query({ openingId }).set(bearer(worker)).expect(200)).body as {
      eligible: boolean;
      caps: { rule: string; pass: boolean }[];
    };
  }

  /**
   * 12 people and 9 shortlists of 10: the ten who waited longest fill their caps of 6 on the first six
   * openings, the last two take the room left on the other three. No opening has room that a person
   * under the cap could take.
   */
  async function expectFilled(people: string[], jobs: string[]): Promise<void> {
    const counts = await held(people);
    expect(counts.filter((n) => n === 6)).toHaveLength(10);
    const { rows } = await world.db.query(
      `SELECT o.id AS opening, p.id AS person FROM unnest($1::uuid[]) AS o(id), unnest($2::uuid[]) AS p(id)
        WHERE NOT EXISTS (SELECT 1 FROM matches m WHERE m.opening_id = o.id AND m.candidate_id = p.id)
          AND (SELECT count(*) FROM matches m WHERE m.opening_id = o.id AND m.status = ANY($3)) < 10
          AND (SELECT count(*) FROM matches m WHERE m.candidate_id = p.id AND m.offer_kind = 'opening' AND m.status = ANY($3)) < 6`,
      [jobs, people, OPEN_JOB_STATUSES],
    );
    expect(rows).toEqual([]);
  }

  /** One person, alone in their town, holding the 6 open job matches the cap allows. */
  async function personAtCap(where: { lat: number; lng: number }, label: string): Promise<{ person: string; jobs: string[] }> {
    const [person] = await seekers(where, 1, label);
    const jobs = await openings(where, 6, `${label} job`);
    await settle();
    expect(await held([person])).toEqual([6]);
    return { person, jobs };
  }

  it('the issue: 12 people fill 9 openings, all 9 are closed, and a 10th opening proposes 10 people, not 2', async () => {
    const here = town(1);
    const people = await seekers(here, 12, 'Seeker');
    const nine = await openings(here, 9, 'Workshop job');
    await settle();
    await expectFilled(people, nine);

    for (const id of nine) await api.http.post(`/v1/openings/${id}/close`).set(bearer(employer)).expect(200);
    await settle();
    expect(await held(people)).toEqual(people.map(() => 0));

    const tenth = await postOpening(here, 'Workshop job 10');
    await settle();
    const proposed = await proposedOn('opening_id', tenth);
    expect(proposed).toHaveLength(10);
    // The two left out are eligible and under their cap: only the full shortlist keeps them out.
    for (const id of people.filter((person) => !proposed.includes(person))) {
      const why = await explain(id, tenth);
      expect(why.eligible).toBe(true);
      expect(why.caps).toEqual(
        expect.arrayContaining([expect.objectContaining({ rule: 'person_cap', pass: true }), expect.objectContaining({ rule: 'shortlist', pass: false })]),
      );
    }
  });

  it('a declined match frees the person for the opening their cap kept them from; no_response frees them for the next one', async () => {
    const here = town(2);
    const { person, jobs } = await personAtCap(here, 'Decliner');
    const seventh = await postOpening(here, 'Decliner job 6');
    await settle();
    expect(await matchOf(seventh, person)).toBeUndefined();

    const declined = await matchIdOf(jobs[0], person);
    await api.http.patch(`/v1/matches/${declined}`).set(bearer(worker)).send({ status: 'declined', reason: 'Too far for the night bus' }).expect(200);
    await settle();
    expect((await matchOf(seventh, person))?.status).toBe('proposed');
    expect(await held([person])).toEqual([6]);

    const silent = await matchIdOf(jobs[1], person);
    await api.http.patch(`/v1/matches/${silent}`).set(bearer(worker)).send({ status: 'no_response' }).expect(200);
    await settle();
    expect(await held([person])).toEqual([5]);
    const eighth = await postOpening(here, 'Decliner job 7');
    await settle();
    expect((await matchOf(eighth, person))?.status).toBe('proposed');
  });

  it('an opening changed so that its people no longer fit frees them for the next opening', async () => {
    const here = town(3);
    const { person, jobs } = await personAtCap(here, 'Misfit');
    await api.http
      .patch(`/v1/openings/${jobs[0]}`)
      .set(bearer(employer))
      .send({ targetGroups: ['veteran'] })
      .expect(200);
    await settle();
    expect((await matchOf(jobs[0], person))?.status).toBe('withdrawn');
    const next = await postOpening(here, 'Misfit job 6');
    await settle();
    expect((await matchOf(next, person))?.status).toBe('proposed');
  });

  it('an opening past its validUntil: the sweep withdraws its matches and its people reach the next opening', async () => {
    const here = town(4);
    const { person, jobs } = await personAtCap(here, 'Lapsed');
    // Time passes (validUntil cannot be set in the past through the API).
    await world.db.query(`UPDATE openings SET valid_until = now() - interval '1 minute' WHERE id = $1`, [jobs[0]]);
    for (const matcher of matchers) await matcher.get(MatchingService, { strict: false }).expireLapsedOpenings();
    expect((await matchOf(jobs[0], person))?.status).toBe('withdrawn');
    await settle();
    expect(await held([person])).toEqual([5]);
    const next = await postOpening(here, 'Lapsed job 6');
    await settle();
    expect((await matchOf(next, person))?.status).toBe('proposed');
  });

  it('consent withdrawn and given again: the person reaches the next opening', async () => {
    const here = town(5);
    const { person, jobs } = await personAtCap(here, 'Returning');
    await api.http
      .patch(`/v1/candidates/${person}`)
      .set(bearer(worker))
      .send({ consent: { contact: false } })
      .expect(200);
    await settle();
    expect(await held([person])).toEqual([0]);
    for (const id of jobs) await api.http.post(`/v1/openings/${id}/close`).set(bearer(employer)).expect(200);
    await settle();
    await api.http
      .patch(`/v1/candidates/${person}`)
      .set(bearer(worker))
      .send({ consent: { contact: true } })
      .expect(200);
    await settle();
    const next = await postOpening(here, 'Returning job 6');
    await settle();
    expect((await matchOf(next, person))?.status).toBe('proposed');
  });

  it("erasure: the erased person's place on a full shortlist goes to the next in line", async () => {
    const here = town(6);
    const people = await seekers(here, 11, 'Erasure seeker');
    const opening = await postOpening(here, 'Erasure job');
    await settle();
    const first = await proposedOn('opening_id', opening);
    expect(first).toHaveLength(10);
    const waiting = leftOut(people, first);
    await api.http.delete(`/v1/candidates/${first[0]}`).set(bearer(worker)).expect(204);
    await settle();
    const after = await proposedOn('opening_id', opening);
    expect(after).toHaveLength(10);
    expect(after).toContain(waiting);
    expect(after).not.toContain(first[0]);
  });

  it("erasure: the erased rider's seat offer goes to the next rider", async () => {
    const here = town(7);
    const merchant = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Erasure canteen', kind: 'merchant' }).expect(201)).body.apiKey;
    const riders: string[] = [];
    for (let i = 0; i < 3; i++) {
      const body = aCandidate({
        displayName: `Erasure rider ${i}`,
        groups: ['rider'],
        location: here,
        breaks: weekdays('12:45', '14:15'),
        accessibilityNeeds: [],
      });
      riders.push((await api.http.post('/v1/candidates').set(bearer(worker)).send(body).expect(201)).body.id);
    }
    // One seat: at most 2 open offers.
    const slot = (
      await api.http
        .post('/v1/slots')
        .set(bearer(merchant))
        .send(aSlot({ capacity: 1, location: here }))
        .expect(201)
    ).body.id;
    await settle();
    const offered = await proposedOn('slot_id', slot);
    expect(offered).toHaveLength(2);
    const waiting = leftOut(riders, offered);
    await api.http.delete(`/v1/candidates/${offered[0]}`).set(bearer(worker)).expect(204);
    await settle();
    expect((await proposedOn('slot_id', slot)).sort()).toEqual([offered[1], waiting].sort());
  });

  it("matches ended behind the matcher's back (another matcher's work, a lost broadcast) hide nobody from a new opening", async () => {
    const here = town(8);
    const people = await seekers(here, 12, 'Hidden seeker');
    const nine = await openings(here, 9, 'Hidden job');
    await settle();
    await expectFilled(people, nine);
    // As another matcher would leave it, without an event this one hears.
    await world.db.query(`UPDATE openings SET status = 'closed', closed_at = now() WHERE id = ANY($1::uuid[])`, [nine]);
    await world.db.query(`UPDATE matches SET status = 'withdrawn' WHERE opening_id = ANY($1::uuid[])`, [nine]);
    await countsGoStale();
    const tenth = await postOpening(here, 'Hidden job 10');
    await settle();
    expect(await proposedOn('opening_id', tenth)).toHaveLength(10);
  });

  it("a shortlist emptied behind the matcher's back takes a newcomer: its count in memory does not hide the opening", async () => {
    const here = town(9);
    await seekers(here, 10, 'Early seeker');
    const opening = await postOpening(here, 'Emptied job');
    await settle();
    const first = await proposedOn('opening_id', opening);
    expect(first).toHaveLength(10);
    await world.db.query(`UPDATE matches SET status = 'withdrawn' WHERE opening_id = $1 AND candidate_id = ANY($2::uuid[])`, [opening, first.slice(0, 3)]);
    await countsGoStale();
    const [late] = await seekers(here, 1, 'Late seeker');
    await settle();
    expect(await proposedOn('opening_id', opening)).toContain(late);
  });
}

describe('match release: every path that ends a match gives the place back (one matcher)', () => {
  releaseSuite(1);
});

describe('match release: two matchers on one queue, each with its own counts', () => {
  releaseSuite(2);
});
