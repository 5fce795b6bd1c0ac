import type { INestApplicationContext } from '@nestjs/common';
import { OPEN_JOB_MATCH_STATUSES } from '@huigong/domain';
import { OPEN_JOB_MATCH } from '@huigong/persistence';
import { MatchingService } from '../apps/matcher/src/matching.service';
import { ADMIN, DINGHAI_ROAD, aCandidate, aSlot, anOpening, bearer, weekdays } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, matcherCaughtUp, startApi, startWorker } from './support/test-environment';

interface ListEntry {
  matchId: string;
  candidateId: string;
  displayName: string;
  score: number;
  reasons: { code: string }[];
  status: string;
}
interface CandidateList {
  kind: string;
  offerId: string;
  title: string;
  matches: ListEntry[];
}

/** Scenarios of the brief, through the API, with the real matcher consuming the queue. */
describe('matching: the scenarios of the brief', () => {
  let world: TestWorld;
  let api: RunningApi;
  let matcher: INestApplicationContext;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    matcher = teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
  });

  afterAll(() => teardown.run());

  async function organization(kind: 'employer' | 'merchant', name: string): Promise<string> {
    return (await api.http.post('/v1/organizations').set(ADMIN).send({ name, kind }).expect(201)).body.apiKey;
  }
  async function caseworker(name: string): Promise<string> {
    return (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name }).expect(201)).body.apiKey;
  }
  async function register(key: string, body: Record<string, unknown>): Promise<string> {
    return (await api.http.post('/v1/candidates').set(bearer(key)).send(body).expect(201)).body.id;
  }
  async function lists(key: string): Promise<CandidateList[]> {
    return (await api.http.get('/v1/candidate-lists').set(bearer(key)).expect(200)).body;
  }
  async function listOf(key: string, offerId: string, count: number): Promise<CandidateList> {
    return eventually(
      async () => {
        const list = (await lists(key)).find((entry) => entry.offerId === offerId);
        return list !== undefined && list.matches.length === count ? list : undefined;
      },
      15_000,
      `${count} matches of ${offerId}`,
    );
  }
  const drained = () => matcherCaughtUp(world);

  it('scenario 1: riders near the canteen whose break overlaps get offers; an office worker does not; never more than 2 x seats open', async () => {
    const canteen = await organization('merchant', 'Dinghai community canteen');
    const worker = await caseworker('Street union, riders');
    const near = { lat: DINGHAI_ROAD.lat + 0.003, lng: DINGHAI_ROAD.lng + 0.002 };
    const riders: string[] = [];
    for (let i = 0; i < 6; i++) {
      riders.push(
        await register(
          worker,
          aCandidate({ displayName: `Rider ${i}`, groups: ['rider'], location: near, breaks: weekdays('12:45', '14:15'), maxTravelKm: 5 }),
        ),
      );
    }
    const office = await register(
      worker,
      aCandidate({ displayName: 'Office worker', groups: ['union_member'], location: near, breaks: weekdays('12:00', '13:30') }),
    );
    const lateLunch = await register(
      worker,
      aCandidate({ displayName: 'Rider on late lunch', groups: ['rider'], location: near, breaks: weekdays('14:00', '15:00') }),
    );

    const slot = (
      await api.http
        .post('/v1/slots')
        .set(bearer(canteen))
        .send(aSlot({ capacity: 2 }))
        .expect(201)
    ).body;
    const list = await listOf(worker, slot.id, 4);
    await drained();
    const offered = list.matches.map((match) => match.candidateId);
    expect(offered.every((id) => riders.includes(id))).toBe(true);
    expect(offered).not.toContain(office);
    expect(offered).not.toContain(lateLunch);
    expect(list.matches[0].reasons.map((reason) => reason.code)).toEqual(expect.arrayContaining(['distance', 'break_overlap', 'group']));

    // The merchant sees counts, never people.
    const seen = (await api.http.get(`/v1/slots/${slot.id}`).set(bearer(canteen)).expect(200)).body;
    expect(seen.offerSummary).toEqual({ offered: 4, redeemed: 0 });

    // The offers of this week pass: the seats rotate to the riders not offered yet.
    await world.db.query(`UPDATE matches SET expires_at = now() - interval '1 minute' WHERE slot_id = $1`, [slot.id]);
    await matcher.get(MatchingService, { strict: false }).expireSlotOffers();
    const { rows } = await world.db.query(`SELECT candidate_id FROM matches WHERE slot_id = $1 AND status = 'proposed'`, [slot.id]);
    const next = rows.map((row) => row.candidate_id);
    expect(next).toHaveLength(4);
    // The two riders left out the first time come first now.
    const leftOut = riders.filter((id) => !offered.includes(id));
    expect(next).toEqual(expect.arrayContaining(leftOut));
  });

  it('a worker who redeemed an offer is not offered the same meal again: the freed place waits for another rider', async () => {
    const canteen = await organization('merchant', 'Dinghai noodle house');
    const worker = await caseworker('Street union, noodle riders');
    // Across the river from the other tests' people, so these two are the only riders near the slot.
    const noodleHouse = { lat: DINGHAI_ROAD.lat + 0.2, lng: DINGHAI_ROAD.lng + 0.2 };
    const near = { lat: noodleHouse.lat - 0.002, lng: noodleHouse.lng + 0.003 };
    const rider = (i: number) =>
      aCandidate({ displayName: `Noodle rider ${i}`, groups: ['rider'], location: near, breaks: weekdays('12:45', '14:15'), maxTravelKm: 5 });
    const first = await register(worker, rider(0));
    const second = await register(worker, rider(1));
    const slot = (
      await api.http
        .post('/v1/slots')
        .set(bearer(canteen))
        .send(aSlot({ capacity: 1, location: noodleHouse }))
        .expect(201)
    ).body;
    await listOf(worker, slot.id, 2);
    await drained();
    const offers = async () =>
      (await world.db.query(`SELECT candidate_id, status, redemption_code FROM matches WHERE slot_id = $1 ORDER BY created_at`, [slot.id])).rows as {
        candidate_id: string;
        status: string;
        redemption_code: string;
      }[];
    const offered = (await offers()).find((row) => row.candidate_id === first);
    if (offered === undefined) throw new Error('the first worker holds no offer of the slot');
    const code = offered.redemption_code;
    await api.http.post(`/v1/slots/${slot.id}/redemptions`).set(bearer(canteen)).send({ code }).expect(201);
    await drained();
    // The redeemed seat frees a place among the open offers, but the only other rider near holds one.
    const statusOf = async (candidateId: string) => (await offers()).filter((row) => row.candidate_id === candidateId).map((row) => row.status);
    expect(await statusOf(first)).toEqual(['redeemed']);
    expect(await statusOf(second)).toEqual(['proposed']);

    // Nor when the first rider's details change.
    await api.http.patch(`/v1/candidates/${first}`).set(bearer(worker)).send({ maxTravelKm: 6 }).expect(200);
    await drained();
    expect(await statusOf(first)).toEqual(['redeemed']);

    // A new rider takes the freed place.
    const third = await register(worker, rider(2));
    await drained();
    expect(await statusOf(third)).toEqual(['proposed']);
    const summary = (await api.http.get(`/v1/slots/${slot.id}`).set(bearer(canteen)).expect(200)).body.offerSummary;
    expect(summary).toEqual({ offered: 3, redeemed: 1 });
  });

  it('scenario 2: a night guard matches a night shift across midnight and the week end', async () => {
    const company = await organization('employer', 'Yangpu security company');
    const worker = await caseworker('Security guards desk');
    const guard = await register(
      worker,
      aCandidate({
        displayName: 'Night guard',
        groups: ['security_guard'],
        availability: [
          { day: 7, start: '22:00', end: '06:00' },
          { day: 6, start: '22:00', end: '06:00' },
        ],
        breaks: [],
      }),
    );
    const dayOnly = await register(
      worker,
      aCandidate({ displayName: 'Day guard', groups: ['security_guard'], availability: weekdays('08:00', '17:00'), breaks: [] }),
    );
    const opening = (
      await api.http
        .post('/v1/openings')
        .set(bearer(company))
        .send(
          anOpening({
            title: 'Night patrol',
            targetGroups: ['security_guard'],
            accessibilityFeatures: [],
            skills: [],
            shifts: [
              { day: 6, start: '22:00', end: '06:00' },
              { day: 7, start: '22:00', end: '06:00' },
            ],
            positions: 1,
          }),
        )
        .expect(201)
    ).body;
    const list = await listOf(worker, opening.id, 1);
    expect(list.matches[0].candidateId).toBe(guard);
    expect(list.matches[0].candidateId).not.toBe(dayOnly);
  });

  it('scenario 3 and 4: each caseworker gets their own candidates with reasons, the employer counts only; a late registrant still reaches the opening', async () => {
    const factory = await organization('employer', 'Baise assembly plant');
    const east = await caseworker('East community');
    const west = await caseworker('West community');
    const veteran = await register(
      east,
      aCandidate({ displayName: 'Veteran Liu', groups: ['veteran'], availability: weekdays('08:00', '16:00'), skills: ['assembly'] }),
    );
    const wheelchair = await register(
      west,
      aCandidate({ displayName: 'Wheelchair user Zhao', groups: ['disabled'], accessibilityNeeds: ['wheelchair'], availability: weekdays('08:00', '16:00') }),
    );
    const signLanguage = await register(
      west,
      aCandidate({ displayName: 'Deaf worker Sun', groups: ['disabled'], accessibilityNeeds: ['sign_language'], availability: weekdays('08:00', '16:00') }),
    );

    const opening = (await api.http.post('/v1/openings').set(bearer(factory)).send(anOpening()).expect(201)).body;
    const eastList = await listOf(east, opening.id, 1);
    const westList = await listOf(west, opening.id, 1);
    expect(eastList.matches.map((match) => match.candidateId)).toEqual([veteran]);
    expect(westList.matches.map((match) => match.candidateId)).toEqual([wheelchair]);
    expect(westList.matches[0].reasons.map((reason) => reason.code)).toEqual(expect.arrayContaining(['distance', 'schedule', 'group', 'waiting']));
    expect(JSON.stringify(westList)).not.toContain(signLanguage);

    const employerView = (await api.http.get(`/v1/openings/${opening.id}`).set(bearer(factory)).expect(200)).body;
    expect(employerView.matchSummary).toMatchObject({ proposed: 2 });
    expect(JSON.stringify(employerView)).not.toMatch(/Zhao|Liu|disabled.*wheelchair.*need|displayName/);

    // Scenario 4: registered after the opening, matched all the same.
    const late = await register(east, aCandidate({ displayName: 'Late veteran Ma', groups: ['veteran'], availability: weekdays('07:00', '17:00') }));
    const eastLater = await listOf(east, opening.id, 2);
    expect(eastLater.matches.map((match) => match.candidateId)).toContain(late);
  });

  it('scenario 5 and 6: a declined match makes room for the next person; withdrawn consent removes the person and proposes another', async () => {
    const employer = await organization('employer', 'Small workshop');
    const worker = await caseworker('Workshop desk');
    const people: string[] = [];
    for (let i = 0; i < 11; i++)
      people.push(await register(worker, aCandidate({ displayName: `Seeker ${i}`, groups: ['laid_off'], availability: weekdays('08:00', '16:00') })));
    const opening = (
      await api.http
        .post('/v1/openings')
        .set(bearer(employer))
        .send(anOpening({ targetGroups: ['laid_off'], accessibilityFeatures: [], positions: 1 }))
        .expect(201)
    ).body;
    // One position: a shortlist of max(10, 3 x 1) = 10 of the 11.
    const first = await listOf(worker, opening.id, 10);
    const waiting = people.find((id) => !first.matches.some((match) => match.candidateId === id)) as string;

    const declined = first.matches[0];
    await api.http.patch(`/v1/matches/${declined.matchId}`).set(bearer(worker)).send({ status: 'contacted' }).expect(200);
    await api.http.patch(`/v1/matches/${declined.matchId}`).set(bearer(worker)).send({ status: 'declined', reason: 'Found work elsewhere' }).expect(200);
    const after = await eventually(
      async () => {
        const list = (await lists(worker)).find((entry) => entry.offerId === opening.id);
        return list?.matches.some((match) => match.candidateId === waiting) ? list : undefined;
      },
      15_000,
      'the next person to be proposed',
    );
    // The nine still proposed, and the newcomer; the declined one stays on the list as declined.
    expect(after.matches.filter((match) => match.status === 'proposed')).toHaveLength(10);
    expect(after.matches.find((match) => match.matchId === declined.matchId)?.status).toBe('declined');

    // Consent withdrawn: gone from the list, match withdrawn.
    const leaving = after.matches.find((match) => match.status === 'proposed') as ListEntry;
    await api.http.delete(`/v1/candidates/${leaving.candidateId}`).set(bearer(worker)).expect(204);
    await drained();
    const finalList = (await lists(worker)).find((entry) => entry.offerId === opening.id) as CandidateList;
    expect(finalList.matches.map((match) => match.candidateId)).not.toContain(leaving.candidateId);
    const summary = (await api.http.get(`/v1/openings/${opening.id}`).set(bearer(employer)).expect(200)).body.matchSummary;
    expect(summary).toMatchObject({ declined: 1, withdrawn: 1 });

    // One goes all the way: the funnel counts each match at the furthest stage it reached.
    const hired = finalList.matches.find((match) => match.status === 'proposed') as ListEntry;
    for (const status of ['contacted', 'interested', 'interview', 'hired']) {
      await api.http.patch(`/v1/matches/${hired.matchId}`).set(bearer(worker)).send({ status }).expect(200);
    }
    const { rows: history } = await world.db.query(
      `SELECT from_status, to_status, changed_by_kind FROM match_status_history WHERE match_id = $1 ORDER BY changed_at, to_status`,
      [hired.matchId],
    );
    expect(history.map((row) => `${row.from_status}->${row.to_status}`)).toEqual([
      'proposed->contacted',
      'contacted->interested',
      'interested->interview',
      'interview->hired',
    ]);
    await eventually(
      async () => {
        const { rows } = await world.db.query(`SELECT count(*)::int AS n FROM matches WHERE opening_id = $1 AND status = 'proposed'`, [opening.id]);
        return rows[0].n === 8; // 11 proposed in all: one declined, one withdrawn, one hired, eight waiting
      },
      15_000,
      'the shortlist to settle',
    );
    const report = (await api.http.get('/v1/reports/funnel').query({ openingId: opening.id }).set(bearer(employer)).expect(200)).body;
    expect(report.openings).toEqual([
      expect.objectContaining({
        openingId: opening.id,
        funnel: { proposed: 11, contacted: 2, interested: 1, interview: 1, hired: 1, retained30: 0, retained90: 0 },
        byGroup: [{ group: 'laid_off', funnel: { proposed: 10, contacted: 2, interested: 1, interview: 1, hired: 1, retained30: 0, retained90: 0 } }],
      }),
    ]);
    expect(report.stillSeeking).toBeUndefined();
    // Another employer sees none of it.
    const stranger = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Stranger', kind: 'employer' }).expect(201)).body.apiKey;
    expect((await api.http.get('/v1/reports/funnel').set(bearer(stranger)).expect(200)).body.openings).toEqual([]);
    await api.http.get('/v1/reports/funnel').set(bearer(worker)).expect(403);
    // Dynamic tracking: the people registered over 30 days ago and not hired are counted for the union admin.
    // Two people still seeking, and the hired one (who does not count), registered 40 days ago.
    const seeking = people.filter((id) => id !== hired.candidateId && id !== leaving.candidateId).slice(0, 2);
    await world.db.query(`UPDATE candidates SET created_at = now() - interval '40 days' WHERE id = ANY($1::uuid[])`, [[hired.candidateId, ...seeking]]);
    const adminReport = (await api.http.get('/v1/reports/funnel').set(ADMIN).expect(200)).body;
    expect(adminReport.stillSeeking).toEqual({ after30Days: 2, byGroup: [{ group: 'laid_off', count: 2 }] });
  });

  it('caps: a person holds at most 6 open job matches', async () => {
    const employer = await organization('employer', 'Many openings');
    const worker = await caseworker('Busy desk');
    const person = await register(worker, aCandidate({ displayName: 'Sought after', groups: ['veteran'], availability: weekdays('06:00', '22:00') }));
    const jobs: string[] = [];
    for (let i = 0; i < 8; i++) {
      jobs.push(
        (
          await api.http
            .post('/v1/openings')
            .set(bearer(employer))
            .send(anOpening({ title: `Job ${i}`, accessibilityFeatures: [], targetGroups: ['veteran'] }))
            .expect(201)
        ).body.id,
      );
    }
    await drained();
    const { rows } = await world.db.query(`SELECT count(*)::int AS open FROM matches WHERE candidate_id = $1 AND status = 'proposed'`, [person]);
    expect(rows[0].open).toBe(6);

    // Why not the others: every rule passes, but the person's cap is reached.
    const { rows: unmatched } = await world.db.query(
      `SELECT o.id FROM openings o WHERE o.id = ANY($2::uuid[]) AND NOT EXISTS (SELECT 1 FROM matches m WHERE m.opening_id = o.id AND m.candidate_id = $1)`,
      [person, jobs],
    );
    expect(unmatched.length).toBeGreaterThanOrEqual(2);
    const why = (await api.http.get(`/v1/candidates/${person}/explain`).query({ openingId: unmatched[0].id }).set(bearer(worker)).expect(200)).body;
    expect(why.eligible).toBe(true);
    expect(why.caps).toEqual(expect.arrayContaining([{ rule: 'person_cap', pass: false, openJobMatches: 6, max: 6 }]));
    expect(why.match).toBeNull();
  });

  it('a registry imported in bulk is matched offer-side to the offers waiting: the nearest who fit, nobody who does not', async () => {
    const employer = await organization('employer', 'Baise import employer');
    const canteen = await organization('merchant', 'Baise import canteen');
    const desk = await caseworker('Baise import desk');
    // In Baise, far from every other test's people: only the imported can fit.
    const BAISE = { lat: 23.9025, lng: 106.6186 };
    const openings: string[] = [];
    for (let i = 0; i < 2; i++) {
      const opening = anOpening({
        title: `Import job ${i}`,
        targetGroups: ['laid_off'],
        accessibilityFeatures: [],
        positions: 2,
        location: BAISE,
        radiusKm: 10,
      });
      openings.push((await api.http.post('/v1/openings').set(bearer(employer)).send(opening).expect(201)).body.id);
    }
    const slot = (
      await api.http
        .post('/v1/slots')
        .set(bearer(canteen))
        .send(aSlot({ title: 'Import lunch', eligibleGroups: ['sanitation'], capacity: 3, location: BAISE }))
        .expect(201)
    ).body.id;
    await drained();

    // 30 laid-off workers 0.3 km apart going north (alike but for distance: the nearest score best), 6
    // beyond the openings' 10 km, 10 sanitation workers on lunch near the canteen, and 1,154 people whom
    // nothing fits: 1,200 lines, two CandidatesImported events.
    const north = (km: number) => ({ lat: BAISE.lat + km / 111.2, lng: BAISE.lng });
    const people = [
      ...Array.from({ length: 30 }, (_, i) => ({ ref: `IMP-LAID-${i}`, groups: ['laid_off'], location: north(0.3 * (i + 1)) })),
      ...Array.from({ length: 6 }, (_, i) => ({ ref: `IMP-FAR-${i}`, groups: ['laid_off'], location: north(12 + i) })),
      ...Array.from({ length: 10 }, (_, i) => ({ ref: `IMP-SAN-${i}`, groups: ['sanitation'], location: north(0.1 * (i + 1)) })),
      ...Array.from({ length: 1_154 }, (_, i) => ({ ref: `IMP-OTHER-${i}`, groups: ['union_member'], location: north(0.001 * i) })),
    ];
    const lines = people.map(({ ref, groups, location }) =>
      JSON.stringify(
        aCandidate({
          displayName: ref,
          externalRef: ref,
          groups,
          location,
          maxTravelKm: 30,
          availability: weekdays('08:00', '16:00'),
          breaks: weekdays('13:00', '14:00'),
        }),
      ),
    );
    const imported = await api.http
      .post('/v1/candidates/bulk')
      .set(bearer(desk))
      .set('Content-Type', 'application/x-ndjson')
      .send(lines.join('\n'))
      .expect(200);
    expect(imported.body).toEqual({ accepted: 1_200, rejected: [] });
    await drained();

    const { rows } = await world.db.query(
      `SELECT c.external_ref AS ref, m.opening_id, m.slot_id FROM matches m JOIN candidates c ON c.id = m.candidate_id
        WHERE m.opening_id = ANY($1) OR m.slot_id = $2`,
      [openings, slot],
    );
    // Each opening's shortlist of 10 holds the 10 nearest laid-off workers within its radius.
    const nearest = Array.from({ length: 10 }, (_, i) => `IMP-LAID-${i}`).sort();
    for (const opening of openings) {
      expect(
        rows
          .filter((row) => row.opening_id === opening)
          .map((row) => row.ref as string)
          .sort(),
      ).toEqual(nearest);
    }
    // The canteen's 2 x 3 offers go to sanitation workers; nobody else is offered anything.
    const offered = rows.filter((row) => row.slot_id === slot).map((row) => row.ref as string);
    expect(offered).toHaveLength(6);
    expect(offered.every((ref) => ref.startsWith('IMP-SAN-'))).toBe(true);
    const { rows: others } = await world.db.query(
      `SELECT count(*)::int AS n FROM matches m JOIN candidates c ON c.id = m.candidate_id WHERE c.external_ref LIKE 'IMP-OTHER-%' OR c.external_ref LIKE 'IMP-FAR-%'`,
    );
    expect(others[0].n).toBe(0);
  });

  it('counts open job matches from indexes of the open ones only, whose predicate is exactly the open statuses', async () => {
    const { rows } = await world.db.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'matches_open_job_matches_of_%' ORDER BY indexname`,
    );
    expect(rows.map((row) => row.indexname)).toEqual(['matches_open_job_matches_of_candidate_idx', 'matches_open_job_matches_of_opening_idx']);
    for (const { indexdef } of rows) {
      const statuses = [...indexdef.matchAll(/'([a-z_]+)'::text/g)].map((found) => found[1]).filter((value) => value !== 'opening');
      expect(statuses.sort()).toEqual([...OPEN_JOB_MATCH_STATUSES].sort());
    }
    // As the matcher's statements run once prepared and generic: the partial indexes, not every match ever
    // made. That the planner may use them shows the condition implies their predicate (a bound list would not).
    const client = await world.db.connect();
    try {
      await client.query(`SET plan_cache_mode = force_generic_plan`);
      for (const column of ['candidate_id', 'opening_id']) {
        await client.query(
          `PREPARE counted(uuid[]) AS SELECT ${column}, count(*) FROM matches WHERE ${column} = ANY($1) AND ${OPEN_JOB_MATCH} GROUP BY ${column}`,
        );
        const plan = (await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN EXECUTE counted('{}')`)).rows.map((row) => row['QUERY PLAN']).join('\n');
        // Each through its own: the other's predicate names the other key, which this query does not imply.
        expect(plan).toMatch(column === 'candidate_id' ? /matches_open_job_matches_of_candidate_idx/ : /matches_open_job_matches_of_opening_idx/);
        expect(plan).not.toMatch(column === 'candidate_id' ? /matches_open_job_matches_of_opening_idx/ : /matches_open_job_matches_of_candidate_idx/);
        await client.query('DEALLOCATE counted');
      }
    } finally {
      await client.query('RESET plan_cache_mode');
      client.release();
    }
  });

  it('handles each event once: MatchesProposed is emitted once per offer and batch', async () => {
    await drained();
    const { rows } = await world.db.query(
      `SELECT payload->>'offerId' AS offer, jsonb_array_elements_text(payload->'matchIds') AS match_id FROM outbox_events WHERE event_name = 'MatchesProposed'`,
    );
    const { rows: matches } = await world.db.query(`SELECT id FROM matches`);
    // Every match was announced exactly once.
    expect(rows.map((row) => row.match_id).sort()).toEqual(matches.map((row) => row.id).sort());
  });
});

describe('matching: two matchers competing for one queue', () => {
  let world: TestWorld;
  let api: RunningApi;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
  });

  afterAll(() => teardown.run());

  it('keeps every cap and never doubles a match, whichever matcher handles which event', async () => {
    const employer = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Job fair', kind: 'employer' }).expect(201)).body.apiKey;
    const worker = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Fair desk' }).expect(201)).body.apiKey;
    // People and openings arrive interleaved and at once: each matcher hears of some of them only
    // through the other's broadcast.
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      writes.push(
        api.http
          .post('/v1/candidates')
          .set(bearer(worker))
          .send(aCandidate({ displayName: `Job seeker ${i}`, groups: ['rural_migrant'], availability: weekdays('07:00', '19:00') }))
          .expect(201),
      );
      if (i % 3 === 0)
        writes.push(
          api.http
            .post('/v1/openings')
            .set(bearer(employer))
            .send(anOpening({ title: `Fair job ${i}`, targetGroups: ['rural_migrant'], accessibilityFeatures: [], positions: 2 }))
            .expect(201),
        );
    }
    await Promise.all(writes);
    await matcherCaughtUp(world, 30_000);

    // 10 openings x 10 places = 100 places and 30 people x 6 = 180: every place fills, whichever matcher
    // learned of a person first (a matcher reconsiders what the other one broadcasts).
    const perOpening = await eventually(
      async () => {
        const { rows } = await world.db.query(`SELECT opening_id, count(*)::int AS open FROM matches GROUP BY opening_id`);
        return rows.length === 10 && rows.every((row) => row.open === 10) ? rows : undefined;
      },
      30_000,
      'every opening to fill its shortlist',
    );
    expect(perOpening).toHaveLength(10);

    const { rows: perPerson } = await world.db.query(`SELECT candidate_id, count(*)::int AS open FROM matches WHERE status = 'proposed' GROUP BY candidate_id`);
    const { rows: overfull } = await world.db.query(`SELECT opening_id FROM matches GROUP BY opening_id HAVING count(*) > 10`);
    const { rows: doubled } = await world.db.query(`SELECT opening_id, candidate_id FROM matches GROUP BY 1, 2 HAVING count(*) > 1`);
    expect(perPerson.every((row) => row.open <= 6)).toBe(true);
    // Two positions: a shortlist of max(10, 3 x 2) = 10, never more.
    expect(overfull).toEqual([]);
    expect(doubled).toEqual([]);
  });

  it('fills every opening when imports and openings arrive at once on two matchers, within every cap', async () => {
    const employer = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Import fair', kind: 'employer' }).expect(201)).body.apiKey;
    const worker = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Import fair desk' }).expect(201)).body.apiKey;
    // Veterans only: the earlier test's rural migrants fit none of these openings.
    const chunk = (label: string) =>
      Array.from({ length: 400 }, (_, i) =>
        JSON.stringify(aCandidate({ displayName: `${label} ${i}`, groups: ['veteran'], availability: weekdays('07:00', '19:00') })),
      ).join('\n');
    const openings: Promise<string>[] = [];
    const imports: Promise<unknown>[] = [];
    for (let i = 0; i < 3; i++) {
      imports.push(
        api.http
          .post('/v1/candidates/bulk')
          .set(bearer(worker))
          .set('Content-Type', 'application/x-ndjson')
          .send(chunk(`Import ${i}`))
          .expect(200),
      );
      for (let j = 0; j < 4; j++) {
        openings.push(
          api.http
            .post('/v1/openings')
            .set(bearer(employer))
            .send(anOpening({ title: `Import fair job ${i}-${j}`, targetGroups: ['veteran'], accessibilityFeatures: [], positions: 2 }))
            .expect(201)
            .then((response) => response.body.id as string),
        );
      }
    }
    const ids = await Promise.all(openings);
    await Promise.all(imports);
    await matcherCaughtUp(world, 30_000);

    // 12 openings x 10 places, 1,200 people who fit them all: every shortlist fills, whichever matcher
    // learned of the people or the opening first.
    await eventually(
      async () => {
        const { rows } = await world.db.query(`SELECT opening_id, count(*)::int AS open FROM matches WHERE opening_id = ANY($1) GROUP BY opening_id`, [ids]);
        return rows.length === 12 && rows.every((row) => row.open === 10) ? rows : undefined;
      },
      30_000,
      'every opening to fill its shortlist',
    );
    const { rows: perPerson } = await world.db.query(
      `SELECT max(n)::int AS most FROM (SELECT count(*) AS n FROM matches WHERE status = 'proposed' GROUP BY candidate_id) t`,
    );
    const { rows: doubled } = await world.db.query(`SELECT opening_id, candidate_id FROM matches GROUP BY 1, 2 HAVING count(*) > 1`);
    expect(perPerson[0].most).toBeLessThanOrEqual(6);
    expect(doubled).toEqual([]);
  });
});
