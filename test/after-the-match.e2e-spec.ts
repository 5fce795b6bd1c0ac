import { ADMIN, DINGHAI_ROAD, aCandidate, aSlot, bearer, weekdays } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, matcherCaughtUp, startApi, startWorker } from './support/test-environment';

/**
 * What happens after a match steers what the engine does next (issue 11), through the API with the real
 * matcher: seats that run out, positions that fill.
 */
describe('after the match', () => {
  let world: TestWorld;
  let api: RunningApi;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
  });

  afterAll(() => teardown.run());

  async function organization(kind: 'employer' | 'merchant', name: string): Promise<string> {
    return (await api.http.post('/v1/organizations').set(ADMIN).send({ name, kind }).expect(201)).body.apiKey;
  }
  async function caseworker(name: string): Promise<string> {
    return (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name }).expect(201)).body.apiKey;
  }
  /** People through the bulk import, as a street union loads its riders. */
  async function importPeople(key: string, people: Record<string, unknown>[]): Promise<void> {
    const body = people.map((person) => JSON.stringify(person)).join('\n');
    const response = await api.http.post('/v1/candidates/bulk').set(bearer(key)).set('Content-Type', 'application/x-ndjson').send(body).expect(200);
    expect(response.body.rejected).toEqual([]);
  }

  describe('seats of one occurrence', () => {
    it('a 40-seat meal takes 40 redemptions for one occurrence: the 41st is 409 occurrence_full, and of 20 at once on the last seat one wins', async () => {
      const canteen = await organization('merchant', 'Dinghai canteen, 40 seats');
      const desk = await caseworker('Riders desk, canteen');
      const canteenAt = { lat: DINGHAI_ROAD.lat - 0.15, lng: DINGHAI_ROAD.lng - 0.15 };
      const near = { lat: canteenAt.lat + 0.002, lng: canteenAt.lng - 0.002 };
      await importPeople(
        desk,
        Array.from({ length: 80 }, (_, i) =>
          aCandidate({ displayName: `Canteen rider ${i}`, groups: ['rider'], location: near, breaks: weekdays('12:45', '14:15'), maxTravelKm: 5 }),
        ),
      );
      await matcherCaughtUp(world);
      const slot = (await api.http.post('/v1/slots').set(bearer(canteen)).send(aSlot({ capacity: 40, location: canteenAt })).expect(201)).body;
      // Offers go to twice as many people as there are seats: not everyone comes.
      const offers = await eventually(
        async () => {
          const { rows } = await world.db.query(`SELECT redemption_code AS code, expires_at FROM matches WHERE slot_id = $1 AND status = 'proposed'`, [slot.id]);
          return rows.length === 80 ? (rows as { code: string; expires_at: Date }[]) : undefined;
        },
        30_000,
        '80 offers of the slot',
      );
      expect(new Set(offers.map((offer) => offer.expires_at.getTime())).size).toBe(1);
      const redeem = (code: string) => api.http.post(`/v1/slots/${slot.id}/redemptions`).set(bearer(canteen)).send({ code });

      for (const offer of offers.slice(0, 39)) expect((await redeem(offer.code)).status).toBe(201);
      // 20 workers at the counter for the last seat at once: one gets it, the others hear the meal is full.
      const atOnce = await Promise.all(offers.slice(39, 59).map((offer) => redeem(offer.code)));
      expect(atOnce.map((response) => response.status).sort()).toEqual([201, ...Array<number>(19).fill(409)]);
      for (const response of atOnce.filter((response) => response.status === 409)) {
        expect(response.body).toEqual(expect.objectContaining({ statusCode: 409, error: 'Conflict', code: 'occurrence_full', message: expect.stringContaining('40 seats') }));
      }
      // The 41st, after them.
      const late = await redeem(offers[59].code);
      expect(late.status).toBe(409);
      expect(late.body.code).toBe('occurrence_full');

      const { rows } = await world.db.query(`SELECT status, count(*)::int AS n FROM matches WHERE slot_id = $1 GROUP BY status ORDER BY status`, [slot.id]);
      // The refused offers stay open until the occurrence ends: their workers came, and were not at fault.
      expect(rows).toEqual([
        { status: 'proposed', n: 40 },
        { status: 'redeemed', n: 40 },
      ]);
      const summary = (await api.http.get(`/v1/slots/${slot.id}`).set(bearer(canteen)).expect(200)).body.offerSummary;
      expect(summary.redeemed).toBe(40);
    });
  });
});
