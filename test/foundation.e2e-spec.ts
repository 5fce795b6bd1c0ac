import { ADMIN, aCandidate, aSlot, bearer, createParties } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, startApi, startWorker } from './support/test-environment';

describe('foundation: a write reaches the matcher through the outbox', () => {
  let world: TestWorld;
  let api: RunningApi;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
  });

  afterAll(() => teardown.run());

  it('records each domain event once in the matcher', async () => {
    const keys = await createParties(api);
    const slot = await api.http.post('/v1/slots').set(bearer(keys.merchant)).send(aSlot()).expect(201);
    const candidate = await api.http.post('/v1/candidates').set(bearer(keys.caseworker)).send(aCandidate()).expect(201);
    expect(slot.body).toMatchObject({ status: 'active', offerSummary: { offered: 0, redeemed: 0 } });

    const processed = await eventually(
      async () => {
        const { rows } = await world.db.query(`SELECT event_name FROM processed_events WHERE consumer = 'matcher' ORDER BY event_name`);
        return rows.length === 2 ? rows.map((row) => row.event_name) : undefined;
      },
      15_000,
      'the matcher to record both events',
    );
    expect(processed).toEqual(['CandidateRegistered', 'SlotPublished']);

    const { rows: outbox } = await world.db.query(`SELECT event_name, payload FROM outbox_events WHERE event_name <> 'MatchesProposed' ORDER BY created_at`);
    expect(outbox.map((row) => row.payload)).toEqual([{ slotId: slot.body.id }, { candidateId: candidate.body.id }]);

    // The rider fits the slot: the matcher proposed an offer and announced it once, for the notifier.
    const announced = await eventually(
      async () => {
        const { rows } = await world.db.query(`SELECT payload FROM outbox_events WHERE event_name = 'MatchesProposed'`);
        return rows.length === 1 ? rows[0].payload : undefined;
      },
      15_000,
      'the offer to be announced',
    );
    const { rows: offers } = await world.db.query(`SELECT id, candidate_id, status FROM matches WHERE slot_id = $1`, [slot.body.id]);
    expect(offers).toEqual([{ id: announced.matchIds[0], candidate_id: candidate.body.id, status: 'proposed' }]);
    expect(announced).toEqual({ offerKind: 'slot', offerId: slot.body.id, matchIds: [offers[0].id] });
  });

  it('rejects the admin key on caseworker routes and unknown keys everywhere', async () => {
    await api.http.get('/v1/candidate-lists').set(ADMIN).expect(403);
    await api.http.get('/v1/candidate-lists').set(bearer('hg_not-a-key')).expect(401);
  });
});
