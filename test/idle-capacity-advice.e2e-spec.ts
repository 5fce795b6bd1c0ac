import { ADMIN, DINGHAI_ROAD, aCandidate, aSlot, bearer, weekdays, without } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, startApi } from './support/test-environment';

/** A small city around one canteen, counted by hand: the advice must say the same. */
describe('idle-capacity advice for a merchant', () => {
  let world: TestWorld;
  let api: RunningApi;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
  });

  afterAll(() => teardown.run());

  it('counts the people within reach by their breaks, suggests the windows that reach most, and shows the uptake; never who', async () => {
    const canteen = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Dinghai canteen', kind: 'merchant' }).expect(201)).body.apiKey;
    const other = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Other shop', kind: 'merchant' }).expect(201)).body.apiKey;
    const desk = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Desk' }).expect(201)).body.apiKey;
    const point = (
      await api.http.post('/v1/service-points').set(bearer(canteen)).send({ name: 'Canteen No. 1', kind: 'canteen', location: DINGHAI_ROAD }).expect(201)
    ).body.id as string;
    const lunch = (await api.http.post(`/v1/service-points/${point}/slots`).set(bearer(canteen)).send(without(aSlot(), 'location')).expect(201)).body.id;

    const near = (km: number) => ({ lat: DINGHAI_ROAD.lat + km / 111.2, lng: DINGHAI_ROAD.lng });
    const register = (body: Record<string, unknown>) => api.http.post('/v1/candidates').set(bearer(desk)).send(aCandidate(body)).expect(201);
    const riderBreaks = weekdays('12:45', '14:15');
    // Counted: four riders on a long lunch within a kilometre, two night guards with a break at 02:00 on Saturdays.
    for (let i = 0; i < 4; i++) await register({ displayName: `Rider ${i}`, location: near(0.5), breaks: riderBreaks });
    for (let i = 0; i < 2; i++) {
      await register({ displayName: `Guard ${i}`, groups: ['security_guard'], location: near(0.8), breaks: [{ day: 6, start: '02:00', end: '03:00' }] });
    }
    // Not counted: jobs only (no benefit offers), too far, beyond their own travel limit, no breaks at all.
    await register({ displayName: 'Jobs only', location: near(0.5), breaks: riderBreaks, consent: { contact: true, jobs: true, benefits: false } });
    await register({ displayName: 'Far away', location: near(10), breaks: riderBreaks, maxTravelKm: 20 });
    await register({ displayName: 'Stays close to home', location: near(2), breaks: riderBreaks, maxTravelKm: 1 });
    await register({ displayName: 'No breaks', location: near(0.5), breaks: [] });

    const answer = await api.http.get('/v1/slots/advice').set(bearer(canteen)).expect(200);
    expect(answer.body).toHaveLength(1);
    const advice = answer.body[0];
    expect(advice).toMatchObject({ servicePointId: point, name: 'Canteen No. 1', radiusKm: 3, peopleWithinReach: 6 });
    // By hand: each weekday's 13:00-14:00 lies inside all four riders' breaks; the guards' hour counts two.
    expect(advice.busiestHours).toEqual([1, 2, 3, 4, 5].map((day) => ({ window: { day, start: '13:00', end: '14:00' }, suits: 4 })));
    // 12:30-13:30 overlaps 12:45-14:15 by 45 minutes: four riders, the earliest of the ties; then apart from it.
    expect(advice.suggestions[0]).toEqual({ window: { day: 1, start: '12:30', end: '13:30' }, suits: 4 });
    expect(advice.suggestions).toHaveLength(3);
    expect(advice.slots).toEqual([
      { slotId: lunch, title: 'Rider special lunch', windows: weekdays('13:00', '14:00'), offered: 0, redeemed: 0, uptakeRate: 0 },
    ]);
    expect(answer.text).not.toMatch(/Rider \d|Guard|rider|security_guard|138 0013/);

    // Half a kilometre: only the riders.
    const closer = (await api.http.get(`/v1/slots/advice?servicePointId=${point}&radiusKm=0.6`).set(bearer(canteen)).expect(200)).body;
    expect(closer[0].peopleWithinReach).toBe(4);
    // Another merchant has no points here; the admin sees every point; a caseworker may not ask.
    expect((await api.http.get('/v1/slots/advice').set(bearer(other)).expect(200)).body).toEqual([]);
    expect((await api.http.get('/v1/slots/advice').set(ADMIN).expect(200)).body.map((entry: { servicePointId: string }) => entry.servicePointId)).toEqual([
      point,
    ]);
    await api.http.get('/v1/slots/advice').set(bearer(desk)).expect(403);
    const bad = await api.http.get('/v1/slots/advice?radiusKm=0').set(bearer(canteen)).expect(400);
    expect(bad.body.details).toEqual([{ field: 'radiusKm', message: 'must be a number between 0.1 and 50' }]);
  });
});
