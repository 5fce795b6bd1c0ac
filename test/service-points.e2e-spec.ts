import { ADMIN, DINGHAI_ROAD, aCandidate, aSlot, bearer, weekdays, without } from './support/builders';
import { distanceKm } from '@huigong/domain';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, startApi } from './support/test-environment';

/**
 * Dinghai Road's benefit service points and the benefit map (issue 12): 30 points of the street, the offers
 * published at them, and what a member standing somewhere finds near them.
 */
describe('service points and the benefit map', () => {
  let world: TestWorld;
  let api: RunningApi;
  let publicApi: RunningApi;
  const teardown = new Teardown();
  const merchants: string[] = [];
  type Point = { id: string; name: string; kind: string; location: { lat: number; lng: number }; memberBenefit: string | null };
  const points: Point[] = [];
  let lunch: { id: string; servicePointId: string } | undefined;
  let loneSlot: string;
  // Monday 30 November 2026, Shanghai time.
  const monday = (time: string) => `2026-11-30T${time}:00+08:00`;

  const KINDS = ['canteen', 'canteen', 'canteen', 'canteen', 'canteen', 'restaurant', 'barber', 'barber', 'barber', 'hotel'];
  /** 30 points on a 6 x 5 grid over the street's 4.44 km², about 400 m apart. */
  const placeOf = (i: number) => ({ lat: DINGHAI_ROAD.lat - 0.008 + (i % 6) * 0.0036, lng: DINGHAI_ROAD.lng - 0.008 + Math.floor(i / 6) * 0.0042 });

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    publicApi = teardown.add(await startApi({ ...world, config: { ...world.config, publicBenefitMap: true } }), (started) => started.close());
    for (const name of ['Dinghai canteens', 'Laoxiangji', 'Street barbers', 'Repair alliance']) {
      merchants.push((await api.http.post('/v1/organizations').set(ADMIN).send({ name, kind: 'merchant' }).expect(201)).body.apiKey as string);
    }
    for (let i = 0; i < 30; i++) {
      const kind = i < 10 ? KINDS[i] : i < 20 ? 'repair' : 'other';
      const merchant = merchants[kind === 'canteen' ? 0 : kind === 'restaurant' ? 1 : kind === 'barber' ? 2 : 3];
      const body = {
        name: `Dinghai ${kind} ${i}`,
        kind,
        location: placeOf(i),
        openingHours: kind === 'canteen' ? weekdays('10:30', '14:30') : weekdays('09:00', '18:00'),
        ...(kind === 'barber' ? { memberBenefit: 'Union members 20% off' } : {}),
        ...(kind === 'hotel' ? { memberBenefit: 'Agreement price for visiting families', accessibilityFeatures: ['wheelchair'] } : {}),
      };
      points.push((await api.http.post('/v1/service-points').set(bearer(merchant)).send(body).expect(201)).body as Point);
    }
    // The five canteens sell idle after-lunch seats to riders, guards and sanitation workers, in their own place.
    for (const point of points.filter((p) => p.kind === 'canteen')) {
      const slot = await api.http
        .post(`/v1/service-points/${point.id}/slots`)
        .set(bearer(merchants[0]))
        .send(without(aSlot({ title: `Rider special at ${point.name}`, capacity: 40, eligibleGroups: ['rider', 'security_guard', 'sanitation'] }), 'location'))
        .expect(201);
      expect(slot.body).toMatchObject({ servicePointId: point.id, location: point.location });
      lunch ??= slot.body as { id: string; servicePointId: string };
    }
    // A repair shop's offer for veterans, published without a point.
    loneSlot = (
      await api.http
        .post('/v1/slots')
        .set(bearer(merchants[3]))
        .send(
          aSlot({
            title: 'Bicycle repair for veterans',
            kind: 'repair',
            eligibleGroups: ['veteran'],
            location: DINGHAI_ROAD,
            windows: weekdays('16:00', '18:00'),
          }),
        )
        .expect(201)
    ).body.id as string;
    // People registered nearby: nothing about them may reach the map.
    const desk = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Dinghai desk' }).expect(201)).body.apiKey as string;
    await api.http
      .post('/v1/candidates')
      .set(bearer(desk))
      .send(aCandidate({ displayName: 'Sun Li', phone: '+86 139 1111 2222', groups: ['disabled', 'rider'], location: DINGHAI_ROAD }))
      .expect(201);
  });

  afterAll(() => teardown.run());

  type Place = {
    servicePointId: string | null;
    name: string;
    kind: string | null;
    distanceKm: number;
    walkingMinutes: number;
    memberBenefit: string | null;
    openNow: boolean | null;
    opens: { start: string; end: string } | null;
    offers: { slotId: string; eligibleGroups: string[]; availableNow: boolean; next: { start: string; end: string } | null }[];
  };
  /** The map as `key` reads it (null: no key at all). */
  const map = async (query: string, http = api.http, key: string | null = merchants[0]) => {
    const call = http.get(`/v1/benefits?${query}`);
    const answer = await (key === null ? call : call.set(bearer(key)));
    expect(answer.status).toBe(200);
    return answer.body as { at: string; radiusKm: number; places: Place[] };
  };

  it('lists the points and offers within the radius, nearest first, with walking minutes', async () => {
    const near = `lat=${DINGHAI_ROAD.lat}&lng=${DINGHAI_ROAD.lng}`;
    const within = (km: number) => points.filter((point) => distanceKm(DINGHAI_ROAD, point.location) <= km).map((point) => point.id);
    const small = await map(`${near}&radiusKm=0.6&at=${encodeURIComponent(monday('12:00'))}`);
    const pointIds = small.places.flatMap((place) => (place.servicePointId === null ? [] : [place.servicePointId]));
    expect(pointIds.sort()).toEqual(within(0.6).sort());
    expect(pointIds.length).toBeGreaterThan(1);
    expect(pointIds.length).toBeLessThan(30);
    const distances = small.places.map((place) => place.distanceKm);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    // On foot: 1.3 times the straight line, at 80 m a minute.
    for (const place of small.places.filter((one) => one.servicePointId !== null)) {
      const point = points.find((one) => one.id === place.servicePointId) as Point;
      expect(place.walkingMinutes).toBe(Math.ceil((distanceKm(DINGHAI_ROAD, point.location) * 1300) / 80));
    }
    // The veterans' repair offer has no point: it is a place of its own, at the very spot asked about.
    expect(small.places[0]).toMatchObject({ servicePointId: null, name: 'Bicycle repair for veterans', distanceKm: 0 });
    expect(small.places[0].offers.map((offer) => offer.slotId)).toEqual([loneSlot]);
    // The whole street lies within 3 km.
    const street = await map(`${near}&radiusKm=3`);
    expect(street.places.filter((place) => place.servicePointId !== null)).toHaveLength(30);
  });

  it('filters by group and by kind: a rider sees the canteens and the standing benefits, not the veterans offer', async () => {
    const near = `lat=${DINGHAI_ROAD.lat}&lng=${DINGHAI_ROAD.lng}&radiusKm=3`;
    const rider = await map(`${near}&group=rider`);
    expect(rider.places.some((place) => place.offers.some((offer) => offer.slotId === loneSlot))).toBe(false);
    for (const place of rider.places) {
      expect(place.offers.every((offer) => offer.eligibleGroups.includes('rider'))).toBe(true);
      expect(place.offers.length > 0 || place.memberBenefit !== null).toBe(true);
    }
    expect(rider.places.filter((place) => place.kind === 'canteen')).toHaveLength(5);
    expect(rider.places.filter((place) => place.kind === 'barber').map((place) => place.memberBenefit)).toEqual(Array(3).fill('Union members 20% off'));
    const barbers = await map(`${near}&kind=barber`);
    expect(barbers.places.map((place) => place.kind)).toEqual(['barber', 'barber', 'barber']);
  });

  it('says what is open now and what opens next, in Shanghai time', async () => {
    if (lunch === undefined) throw new Error('no canteen slot was published');
    const canteen = points.find((point) => point.id === lunch?.servicePointId) as Point;
    const near = `lat=${canteen.location.lat}&lng=${canteen.location.lng}&radiusKm=0.1`;
    const during = (await map(`${near}&at=${encodeURIComponent(monday('13:30'))}`)).places.find((place) => place.servicePointId === canteen.id) as Place;
    expect(during).toMatchObject({ openNow: true, opens: { start: new Date(monday('10:30')).toISOString(), end: new Date(monday('14:30')).toISOString() } });
    expect(during.offers[0]).toMatchObject({ slotId: lunch.id, availableNow: true, next: { end: new Date(monday('14:00')).toISOString() } });
    const after = (await map(`${near}&at=${encodeURIComponent(monday('15:00'))}`)).places.find((place) => place.servicePointId === canteen.id) as Place;
    expect(after.openNow).toBe(false);
    expect(after.opens?.start).toBe(new Date('2026-12-01T10:30:00+08:00').toISOString());
    expect(after.offers[0]).toMatchObject({ availableNow: false, next: { start: new Date('2026-12-01T13:00:00+08:00').toISOString() } });
  });

  it('holds nothing about any person, and answers without a key only where the deployment says so', async () => {
    const answer = await api.http.get(`/v1/benefits?lat=${DINGHAI_ROAD.lat}&lng=${DINGHAI_ROAD.lng}&radiusKm=3`).set(ADMIN).expect(200);
    expect(answer.text).not.toContain('Sun Li');
    expect(answer.text).not.toContain('1111');
    const { rows } = await world.db.query(`SELECT id::text FROM candidates`);
    for (const { id } of rows as { id: string }[]) expect(answer.text).not.toContain(id);
    // Every role reads it; without a key only the public deployment answers, and a bad key is refused there too.
    const near = `lat=${DINGHAI_ROAD.lat}&lng=${DINGHAI_ROAD.lng}`;
    await api.http.get(`/v1/benefits?${near}`).expect(401);
    expect((await map(near, publicApi.http, null)).places.length).toBeGreaterThan(0);
    await publicApi.http.get(`/v1/benefits?${near}`).set(bearer('hg_not_a_key_at_all_000000')).expect(401);
    // Bad queries name the field.
    const bad = await api.http.get(`/v1/benefits?lat=north&lng=${DINGHAI_ROAD.lng}&radiusKm=0`).set(ADMIN).expect(400);
    expect(bad.body.details.map((detail: { field: string }) => detail.field).sort()).toEqual(['lat', 'radiusKm']);
  });

  it('is managed by its merchant and the admin: another merchant cannot see it; a closed point leaves the map and takes no slots', async () => {
    const barber = points.find((point) => point.kind === 'barber') as Point;
    await api.http.get(`/v1/service-points/${barber.id}`).set(bearer(merchants[0])).expect(404);
    const own = (await api.http.get('/v1/service-points').set(bearer(merchants[2])).expect(200)).body as Point[];
    expect(own.map((point) => point.kind)).toEqual(['barber', 'barber', 'barber']);
    expect(((await api.http.get('/v1/service-points?kind=canteen').set(ADMIN).expect(200)).body as Point[]).length).toBe(5);
    const changed = await api.http
      .patch(`/v1/service-points/${barber.id}`)
      .set(ADMIN)
      .send({ memberBenefit: 'Union members 30% off', address: null })
      .expect(200);
    expect(changed.body).toMatchObject({ memberBenefit: 'Union members 30% off', address: null });
    await api.http.post(`/v1/service-points/${barber.id}/close`).set(bearer(merchants[2])).expect(200);
    const near = `lat=${barber.location.lat}&lng=${barber.location.lng}&radiusKm=0.2`;
    expect((await map(near)).places.some((place) => place.servicePointId === barber.id)).toBe(false);
    await api.http
      .post(`/v1/service-points/${barber.id}/slots`)
      .set(bearer(merchants[2]))
      .send(aSlot({ kind: 'haircut' }))
      .expect(409);
    // Employers and caseworkers read the map but manage no point.
    const employer = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'A factory', kind: 'employer' }).expect(201)).body.apiKey as string;
    await api.http.get('/v1/service-points').set(bearer(employer)).expect(403);
    await map(near, api.http, employer);
  });
});
