import type { INestApplicationContext } from '@nestjs/common';
import { StandbySweep } from '../apps/matcher/src/standby-sweep';
import { ADMIN, DINGHAI_ROAD, aCandidate, aSlot, bearer, without } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, matcherCaughtUp, startApi, startWorker } from './support/test-environment';
import { WebhookSink } from './support/webhook-sink';

const MINUTE = 60_000;
const DAY_MS = 86_400_000;
const SHANGHAI_MS = 8 * 3_600_000;
const GATEWAY_SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
/** About a kilometre of latitude. */
const KM = 1 / 111.2;

/** The local (Asia/Shanghai) weekday (1 = Monday) and clock of an instant. */
function shanghai(at: number): { day: number; clock: string } {
  const local = new Date(at + SHANGHAI_MS);
  return { day: ((local.getUTCDay() + 6) % 7) + 1, clock: local.toISOString().slice(11, 16) };
}

interface OfferRow {
  id: string;
  candidate_id: string;
  status: string;
  last_minute: boolean;
  occurrence_starts_at: Date;
  expires_at: Date;
}

/**
 * The standby pool (issue 13, item 5): people standing by for a canteen get its free seats just before an
 * occurrence starts, within reach, within their budget, once each; seats freed later go to the next of them.
 */
describe('the standby pool: last-minute offers when seats free up', () => {
  let world: TestWorld;
  let api: RunningApi;
  let matcher: INestApplicationContext;
  let sink: WebhookSink;
  const teardown = new Teardown();

  beforeAll(async () => {
    sink = teardown.add(await WebhookSink.start(), (started) => started.close());
    world = teardown.add(
      await createTestWorld({
        env: { WORKER_GATEWAY_URL: `${sink.url}/gateway`, WORKER_GATEWAY_SECRET: GATEWAY_SECRET, OFFER_QUIET_HOURS: 'off', WEBHOOK_ALLOWED_HOSTS: '127.0.0.1' },
      }),
      (started) => started.destroy(),
    );
    api = teardown.add(await startApi(world), (started) => started.close());
    matcher = teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
    teardown.add(await startWorker(world, 'notifier'), (started) => started.close());
  });

  afterAll(() => teardown.run());

  const sweep = () => matcher.get(StandbySweep, { strict: false }).sweep();
  async function offersOf(slotId: string): Promise<OfferRow[]> {
    const { rows } = await world.db.query<OfferRow>(
      `SELECT id, candidate_id, status, last_minute, occurrence_starts_at, expires_at FROM matches WHERE slot_id = $1 ORDER BY created_at, id`,
      [slotId],
    );
    return rows;
  }
  const gatewayOffersTo = (candidateId: string) =>
    sink.to('/gateway').filter((hook) => (JSON.parse(hook.body) as { recipient?: { candidateId?: string } }).recipient?.candidateId === candidateId);

  it('offers the free seats of an occurrence about to start to those standing by who fit, once; a freed seat goes to the next', async () => {
    const canteen = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Dinghai canteen 2', kind: 'merchant' }).expect(201)).body
      .apiKey as string;
    const desk = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Riders desk' }).expect(201)).body.apiKey as string;
    const otherDesk = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Another desk' }).expect(201)).body.apiKey as string;
    const point = (
      await api.http.post('/v1/service-points').set(bearer(canteen)).send({ name: 'Canteen 2', kind: 'canteen', location: DINGHAI_ROAD }).expect(201)
    ).body.id as string;

    // A session starting in 20 minutes, and a day far from it that the workers' breaks are on (none meets the session).
    const startsAt = Math.ceil((Date.now() + 20 * MINUTE) / MINUTE) * MINUTE;
    const endsAt = startsAt + 60 * MINUTE;
    const start = shanghai(startsAt);
    const end = shanghai(endsAt);
    const farDay = shanghai(Date.now() + 3 * DAY_MS).day;
    const otherDay = shanghai(Date.now() + 2 * DAY_MS).day;
    const near = { lat: DINGHAI_ROAD.lat + 0.5 * KM, lng: DINGHAI_ROAD.lng };
    const register = async (key: string, name: string, overrides: Record<string, unknown> = {}) =>
      (
        await api.http
          .post('/v1/candidates')
          .set(bearer(key))
          .send(aCandidate({ displayName: name, groups: ['rider'], location: near, breaks: [{ day: otherDay, start: '07:00', end: '08:00' }], ...overrides }))
          .expect(201)
      ).body.id as string;

    // Over budget: a cap of one offer a day, and a regular offer of another canteen delivered today already.
    const budgeted = await register(desk, 'Rider Qian', { breaks: [{ day: farDay, start: '00:00', end: '00:00' }], notices: { dailyCap: 1 } });
    const elsewhere = (
      await api.http
        .post('/v1/slots')
        .set(bearer(canteen))
        .send(aSlot({ title: 'Another lunch', windows: [{ day: farDay, start: '00:00', end: '00:00' }], location: near }))
        .expect(201)
    ).body.id as string;
    await eventually(() => (gatewayOffersTo(budgeted).length === 1 ? true : undefined), 20_000, 'the regular offer delivered to the budgeted rider');

    // Whose break meets the session: a regular offer of it, which takes one of the three seats.
    const regular = await register(desk, 'Rider Zhao', { breaks: [{ day: start.day, start: start.clock, end: end.clock }] });
    const [first, second, third] = [await register(desk, 'Rider Li'), await register(desk, 'Rider Wang'), await register(desk, 'Rider Chen')];
    const notOnStandby = await register(desk, 'Rider Liu');
    const tooFar = await register(desk, 'Rider Sun', { location: { lat: DINGHAI_ROAD.lat + 4 * KM, lng: DINGHAI_ROAD.lng } });
    const losesConsent = await register(desk, 'Rider Zhou');
    const neverConsented = await register(desk, 'Rider Wu', { consent: { contact: true, benefits: false } });
    const ofAnotherDesk = await register(otherDesk, 'Rider Zheng');

    // Standing by: the caseworker's own people, at an existing point, with consent to benefit offers.
    const standby = (candidateId: string, key = desk, servicePointId = point) =>
      api.http.put(`/v1/candidates/${candidateId}/standby/${servicePointId}`).set(bearer(key));
    for (const id of [first, second, third, tooFar, losesConsent, budgeted]) {
      const { body } = await standby(id).expect(200);
      expect(body).toEqual({ servicePointId: point, servicePointName: 'Canteen 2', since: expect.any(String) });
    }
    // Again: nothing changes. Listed, and in the person's export.
    const again = (await standby(first).expect(200)).body;
    expect((await api.http.get(`/v1/candidates/${first}/standby`).set(bearer(desk)).expect(200)).body).toEqual([again]);
    expect((await api.http.get(`/v1/candidates/${first}/export`).set(bearer(desk)).expect(200)).body.standby).toEqual([again]);
    expect((await standby(neverConsented).expect(409)).body).toMatchObject({ statusCode: 409, code: 'no_consent' });
    await standby(ofAnotherDesk).expect(404);
    await standby(first, otherDesk).expect(404);
    await standby(first, desk, '00000000-0000-4000-8000-000000000000').expect(404);
    expect((await standby(first, desk, 'not-a-uuid').expect(400)).body.details).toEqual([{ field: 'servicePointId', message: 'must be a UUID' }]);
    // On and off again: off standby, and 204 whether they stood by or not.
    await standby(notOnStandby).expect(200);
    await api.http.delete(`/v1/candidates/${notOnStandby}/standby/${point}`).set(bearer(desk)).expect(204);
    await api.http.delete(`/v1/candidates/${notOnStandby}/standby/${point}`).set(bearer(desk)).expect(204);
    expect((await api.http.get(`/v1/candidates/${notOnStandby}/standby`).set(bearer(desk)).expect(200)).body).toEqual([]);
    // Consent to benefit offers withdrawn after standing by: off standby everywhere, and the sweep passes them over.
    expect(((await api.http.get(`/v1/candidates/${losesConsent}/standby`).set(bearer(desk)).expect(200)).body as unknown[]).length).toBe(1);
    await api.http
      .patch(`/v1/candidates/${losesConsent}`)
      .set(bearer(desk))
      .send({ consent: { benefits: false } })
      .expect(200);
    expect((await api.http.get(`/v1/candidates/${losesConsent}/standby`).set(bearer(desk)).expect(200)).body).toEqual([]);

    // Three seats; one taken by the regular offer at once.
    const session = (
      await api.http
        .post(`/v1/service-points/${point}/slots`)
        .set(bearer(canteen))
        .send(
          without(
            aSlot({
              title: '定海食堂加餐',
              eligibleGroups: ['rider'],
              occurrences: [{ startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString() }],
              capacity: 3,
            }),
            'windows',
            'location',
          ),
        )
        .expect(201)
    ).body.id as string;
    await eventually(async () => ((await offersOf(session)).length === 1 ? true : undefined), 20_000, 'the regular offer of the session');
    await matcherCaughtUp(world);
    expect((await offersOf(session)).map((offer) => [offer.candidate_id, offer.last_minute])).toEqual([[regular, false]]);

    // The sweep: two free seats, to two of the three riders standing by who fit and whose budget allows an offer now.
    await sweep();
    const lastMinute = (await offersOf(session)).filter((offer) => offer.last_minute);
    expect(lastMinute).toHaveLength(2);
    const offered = lastMinute.map((offer) => offer.candidate_id);
    expect([first, second, third]).toEqual(expect.arrayContaining(offered));
    for (const offer of lastMinute) {
      expect(offer.status).toBe('proposed');
      expect(offer.occurrence_starts_at.getTime()).toBe(startsAt);
      expect(offer.expires_at.getTime()).toBe(endsAt);
    }
    const everyone = new Set((await offersOf(session)).map((offer) => offer.candidate_id));
    for (const nobody of [notOnStandby, tooFar, losesConsent, neverConsented, budgeted, ofAnotherDesk]) expect(everyone.has(nobody)).toBe(false);

    // The worker hears of it like any offer, through the gateway, told it is a seat free just now.
    const notice = await eventually(
      async () => {
        const { rows } = await world.db.query<{ payload: { lastMinute?: boolean; text: string } }>(
          `SELECT payload FROM notifications WHERE type = 'offer' AND payload->>'matchId' = $1`,
          [lastMinute[0].id],
        );
        return rows[0]?.payload;
      },
      20_000,
      'the last-minute offer notification',
    );
    expect(notice.lastMinute).toBe(true);
    expect(notice.text).toMatch(/^【临时空位】定海食堂加餐：/);
    expect(notice.text).toContain(`${start.clock}-${end.clock}`);
    await eventually(() => (gatewayOffersTo(lastMinute[0].candidate_id).length === 1 ? true : undefined), 20_000, 'the offer at the gateway');
    // The budgeted rider heard of nothing more than the one offer of the day.
    expect(gatewayOffersTo(budgeted)).toHaveLength(1);
    expect((await offersOf(elsewhere)).map((offer) => offer.candidate_id)).toEqual([budgeted]);

    // Explain judges them as the matcher did: the occurrence as their break (their standby stood in for it).
    const why = (await api.http.get(`/v1/candidates/${offered[0]}/explain?slotId=${session}`).set(bearer(desk)).expect(200)).body as {
      rules: { rule: string; pass: boolean }[];
    };
    expect(why.rules.every((rule) => rule.pass)).toBe(true);

    // Swept again (and by the timer meanwhile): nobody is offered twice, no seat is offered twice.
    expect(await sweep()).toEqual([]);
    expect((await offersOf(session)).filter((offer) => offer.last_minute)).toHaveLength(2);

    // The person or the slot changed: the matcher re-checks their offers, judging a last-minute one with its
    // occurrence as the break, as when it was made; they stay.
    await api.http.patch(`/v1/candidates/${offered[1]}`).set(bearer(desk)).send({ phone: '+86 138 0000 4321' }).expect(200);
    await api.http.patch(`/v1/slots/${session}`).set(bearer(canteen)).send({ title: '定海食堂加餐（热菜）' }).expect(200);
    await matcherCaughtUp(world);
    expect((await offersOf(session)).map((offer) => offer.status)).toEqual(['proposed', 'proposed', 'proposed']);

    // A seat frees: the first offered withdraws consent and is erased; their standby goes with them, and the seat goes to the one left.
    const leaving = offered[0];
    await api.http.delete(`/v1/candidates/${leaving}`).set(bearer(desk)).expect(204);
    const { rows: left } = await world.db.query(`SELECT * FROM standby_enrolments WHERE candidate_id = $1`, [leaving]);
    expect(left).toEqual([]);
    await matcherCaughtUp(world);
    await sweep();
    const now = (await offersOf(session)).filter((offer) => offer.last_minute);
    const rest = [first, second, third].find((id) => !offered.includes(id));
    expect(
      now
        .filter((offer) => offer.status === 'proposed')
        .map((offer) => offer.candidate_id)
        .sort(),
    ).toEqual([offered[1], rest].sort());
    expect(now.filter((offer) => offer.candidate_id === leaving).map((offer) => offer.status)).toEqual(['withdrawn']);
    // Full again: a further sweep offers nobody.
    expect(await sweep()).toEqual([]);

    // A last-minute offer is redeemed at the counter like any other.
    const { rows: codes } = await world.db.query<{ redemption_code: string }>(
      `SELECT redemption_code FROM matches WHERE slot_id = $1 AND candidate_id = $2 AND last_minute AND status = 'proposed'`,
      [session, rest],
    );
    await api.http.post(`/v1/slots/${session}/redemptions`).set(bearer(canteen)).send({ code: codes[0].redemption_code }).expect(201);
    expect((await offersOf(session)).find((offer) => offer.candidate_id === rest)?.status).toBe('redeemed');
  });
});
