import type { INestApplicationContext } from '@nestjs/common';
import { MatchingService } from '../apps/matcher/src/matching.service';
import { ADMIN, DINGHAI_ROAD, aCandidate, aSlot, bearer, nextShanghaiDate, without } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, matcherCaughtUp, startApi, startWorker } from './support/test-environment';

const DAY_MS = 86_400_000;
/** "2026-12-05", "19:00" -> the instant, with the offset as a client sends it. */
const local = (date: string, clock: string) => `${date}T${clock}:00+08:00`;
const plusDays = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
const wholeDays = (...days: number[]) => days.map((day) => ({ day, start: '00:00', end: '00:00' }));

interface OfferRow {
  id: string;
  candidate_id: string;
  status: string;
  status_reason: string | null;
  redemption_code: string;
  occurrence_starts_at: Date;
  expires_at: Date;
}

/** Offers on dates: a course session, and a rest base's three-night stay, matched, redeemed and expired. */
describe('dated offers: course sessions and rest-base stays', () => {
  let world: TestWorld;
  let api: RunningApi;
  let matcher: INestApplicationContext;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    matcher = teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
    teardown.add(await startWorker(world, 'notifier'), (started) => started.close());
  });

  afterAll(() => teardown.run());

  async function organization(name: string): Promise<string> {
    return (await api.http.post('/v1/organizations').set(ADMIN).send({ name, kind: 'merchant' }).expect(201)).body.apiKey;
  }
  async function caseworker(name: string): Promise<string> {
    return (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name }).expect(201)).body.apiKey;
  }
  async function register(key: string, body: Record<string, unknown>): Promise<string> {
    return (await api.http.post('/v1/candidates').set(bearer(key)).send(body).expect(201)).body.id;
  }
  async function offersOf(slotId: string): Promise<OfferRow[]> {
    const { rows } = await world.db.query<OfferRow>(
      `SELECT id, candidate_id, status, status_reason, redemption_code, occurrence_starts_at, expires_at FROM matches WHERE slot_id = $1 ORDER BY created_at, id`,
      [slotId],
    );
    return rows;
  }
  const offerTo = async (slotId: string, candidateId: string, status = 'proposed') => {
    const offer = (await offersOf(slotId)).find((row) => row.candidate_id === candidateId && row.status === status);
    if (offer === undefined) throw new Error(`no ${status} offer of ${slotId} to ${candidateId}`);
    return offer;
  };
  async function offerNotice(matchId: string): Promise<{ occurrence: { startsAt: string; endsAt: string; nights: number }; text: string }> {
    return eventually(
      async () => {
        const { rows } = await world.db.query<{ payload: { occurrence: { startsAt: string; endsAt: string; nights: number }; text: string } }>(
          `SELECT payload FROM notifications WHERE type = 'offer' AND payload->>'matchId' = $1`,
          [matchId],
        );
        return rows[0]?.payload;
      },
      15_000,
      `the offer notification of ${matchId}`,
    );
  }
  const expireSlotOffers = () => matcher.get(MatchingService, { strict: false }).expireSlotOffers();

  it('refuses a slot without windows or occurrences, and occurrences that do not suit its kind, naming the field', async () => {
    const merchant = await organization('Minle worker station');
    const date = nextShanghaiDate(6, 3);
    const refused = async (body: Record<string, unknown>) =>
      (await api.http.post('/v1/slots').set(bearer(merchant)).send(body).expect(400)).body.details as { field: string; message: string }[];

    expect(await refused(without(aSlot(), 'windows'))).toEqual([{ field: 'windows', message: expect.stringContaining('is required') }]);
    // A course of three days is not a session; a stay of a lodging slot must include a night.
    const threeDays = { startsAt: local(date, '09:00'), endsAt: local(plusDays(date, 2), '17:00') };
    expect(await refused(aSlot({ kind: 'course', windows: undefined, occurrences: [threeDays] }))).toEqual([
      { field: 'occurrences.0', message: expect.stringContaining('at most 24 hours') },
    ]);
    const afternoon = { startsAt: local(date, '14:00'), endsAt: local(date, '18:00') };
    expect(await refused(aSlot({ kind: 'lodging', windows: undefined, occurrences: [afternoon] }))).toEqual([
      { field: 'occurrences.0', message: expect.stringContaining('must include a night') },
    ]);
    const over = { startsAt: '2020-01-04T19:00:00+08:00', endsAt: '2020-01-04T20:00:00+08:00' };
    expect(await refused(aSlot({ kind: 'course', windows: undefined, occurrences: [over] }))).toEqual([
      { field: 'occurrences.0', message: 'must end in the future' },
    ]);
    const { rows } = await world.db.query(`SELECT count(*)::int AS n FROM slots`);
    expect(rows[0].n).toBe(0);
  });

  it('a dated course is offered to those whose break meets the session, redeemed to its seats, and the next session offered after it', async () => {
    const station = await organization('Minle county worker station 3');
    const desk = await caseworker('Minle county union desk');
    const place = { lat: DINGHAI_ROAD.lat + 0.3, lng: DINGHAI_ROAD.lng - 0.3 };
    const near = { lat: place.lat + 0.002, lng: place.lng };
    // Saturday evenings free (18:30-21:00): they meet a session on Saturday 19:00-20:30.
    const saturdayEvening = [{ day: 6, start: '18:30', end: '21:00' }];
    const first = await register(desk, aCandidate({ displayName: 'Ma Jun', groups: ['rural_migrant'], location: near, breaks: saturdayEvening }));
    const second = await register(desk, aCandidate({ displayName: 'Li Na', groups: ['rural_migrant'], location: near, breaks: saturdayEvening }));
    const weekdayLunch = await register(desk, aCandidate({ displayName: 'Zhao Lei', groups: ['rural_migrant'], location: near }));

    const saturday = nextShanghaiDate(6, 3);
    const sessions = [
      { startsAt: local(saturday, '19:00'), endsAt: local(saturday, '20:30') },
      { startsAt: local(plusDays(saturday, 7), '19:00'), endsAt: local(plusDays(saturday, 7), '20:30') },
    ];
    const course = (
      await api.http
        .post('/v1/slots')
        .set(bearer(station))
        .send(
          without(
            aSlot({
              title: '电工技能微课堂',
              kind: 'course',
              eligibleGroups: ['rural_migrant'],
              occurrences: sessions,
              capacity: 1,
              offer: { price: 0, description: '免费' },
              location: place,
            }),
            'windows',
          ),
        )
        .expect(201)
    ).body;
    expect(course.windows).toEqual([]);
    expect(course.occurrences.map((o: { startsAt: string }) => Date.parse(o.startsAt))).toEqual(sessions.map((s) => Date.parse(s.startsAt)));

    await eventually(async () => ((await offersOf(course.id)).length === 2 ? true : undefined), 15_000, 'two offers of the course');
    await matcherCaughtUp(world);
    const offers = await offersOf(course.id);
    // Two seats' worth of offers for one seat (2 x capacity), to the two whose break meets the session.
    expect(offers.map((offer) => offer.candidate_id).sort()).toEqual([first, second].sort());
    expect(offers.map((offer) => offer.candidate_id)).not.toContain(weekdayLunch);
    for (const offer of offers) {
      expect(offer.occurrence_starts_at.getTime()).toBe(Date.parse(sessions[0].startsAt));
      expect(offer.expires_at.getTime()).toBe(Date.parse(sessions[0].endsAt));
    }
    // The worker reads the date, not a weekday.
    const notice = await offerNotice(offers[0].id);
    const [month, day] = [Number(saturday.slice(5, 7)), Number(saturday.slice(8, 10))];
    expect(notice.text).toContain(`${month}月${day}日 19:00-20:30`);
    expect(notice.occurrence).toEqual({
      startsAt: new Date(sessions[0].startsAt).toISOString(),
      endsAt: new Date(sessions[0].endsAt).toISOString(),
      nights: 0,
    });

    // One seat: the first code in takes it, the second is told the session is full.
    const firstOffer = await offerTo(course.id, first);
    const secondOffer = await offerTo(course.id, second);
    await api.http.post(`/v1/slots/${course.id}/redemptions`).set(bearer(station)).send({ code: firstOffer.redemption_code }).expect(201);
    const full = await api.http.post(`/v1/slots/${course.id}/redemptions`).set(bearer(station)).send({ code: secondOffer.redemption_code }).expect(409);
    expect(full.body.code).toBe('occurrence_full');
    await matcherCaughtUp(world);

    // The first session passes (its times moved a week back, with the offers made for it).
    const weekBack = `interval '7 days'`;
    await world.db.query(
      `UPDATE slots SET occurrences = jsonb_build_array(jsonb_build_object('startsAt', $2::text, 'endsAt', $3::text), occurrences->1) WHERE id = $1`,
      [course.id, new Date(Date.parse(sessions[0].startsAt) - 7 * DAY_MS).toISOString(), new Date(Date.parse(sessions[0].endsAt) - 7 * DAY_MS).toISOString()],
    );
    await world.db.query(
      `UPDATE matches SET occurrence_starts_at = occurrence_starts_at - ${weekBack}, expires_at = now() - interval '1 minute' WHERE slot_id = $1`,
      [course.id],
    );
    await expireSlotOffers();
    await matcherCaughtUp(world);
    expect((await offerTo(course.id, second, 'expired')).status_reason).toBe('occurrence_full');
    // Both are offered the next session: the one who came holds the past one no more.
    const next = await eventually(
      async () => {
        const open = (await offersOf(course.id)).filter((offer) => offer.status === 'proposed');
        return open.length === 2 ? open : undefined;
      },
      15_000,
      'the next session offered',
    );
    expect(next.map((offer) => offer.candidate_id).sort()).toEqual([first, second].sort());
    for (const offer of next) expect(offer.occurrence_starts_at.getTime()).toBe(Date.parse(sessions[1].startsAt));
  });

  it('a three-night stay is offered whole to those free every day of it, holds its beds each night, and expires', async () => {
    const base = await organization('Hainan workers rest base');
    const desk = await caseworker('Model workers desk');
    const place = { lat: DINGHAI_ROAD.lat - 0.3, lng: DINGHAI_ROAD.lng + 0.3 };
    const near = { lat: place.lat, lng: place.lng + 0.003 };
    // Free Friday to Monday, whole days: a stay from Friday 14:00 to Monday 12:00 fits.
    const fridayToMonday = wholeDays(5, 6, 7, 1);
    const guest = (name: string, breaks: unknown) => aCandidate({ displayName: name, groups: ['veteran'], location: near, breaks, maxTravelKm: 10 });
    const first = await register(desk, guest('Chen Gang', fridayToMonday));
    const second = await register(desk, guest('Wang Fang', fridayToMonday));
    // Free at the weekend only: the Friday afternoon is not theirs.
    const weekendOnly = await register(desk, guest('Sun Li', wholeDays(6, 7)));

    const friday = nextShanghaiDate(5, 3);
    const stay = { startsAt: local(friday, '14:00'), endsAt: local(plusDays(friday, 3), '12:00') };
    const slot = (
      await api.http
        .post('/v1/slots')
        .set(bearer(base))
        .send(
          without(
            aSlot({
              title: 'Rest and recuperation stay',
              kind: 'lodging',
              eligibleGroups: ['veteran'],
              occurrences: [stay],
              capacity: 1,
              offer: { description: 'Three nights, full board' },
              location: place,
              radiusKm: 10,
            }),
            'windows',
          ),
        )
        .expect(201)
    ).body;

    await eventually(async () => ((await offersOf(slot.id)).length === 2 ? true : undefined), 15_000, 'two offers of the stay');
    await matcherCaughtUp(world);
    const offers = await offersOf(slot.id);
    expect(offers.map((offer) => offer.candidate_id).sort()).toEqual([first, second].sort());
    for (const offer of offers) {
      expect(offer.occurrence_starts_at.getTime()).toBe(Date.parse(stay.startsAt));
      expect(offer.expires_at.getTime()).toBe(Date.parse(stay.endsAt));
    }
    const notice = await offerNotice(offers[0].id);
    expect(notice.occurrence.nights).toBe(3);
    expect(notice.text).toContain('共3晚');

    // Explain says why the weekend-only guest is not offered it: the stay is not covered.
    const explained = (await api.http.get(`/v1/candidates/${weekendOnly}/explain?slotId=${slot.id}`).set(bearer(desk)).expect(200)).body;
    expect(explained.rules.find((rule: { rule: string }) => rule.rule === 'break_overlap')).toMatchObject({ pass: false, stayCovered: false });
    const fits = (await api.http.get(`/v1/candidates/${first}/explain?slotId=${slot.id}`).set(bearer(desk)).expect(200)).body;
    expect(fits.rules.find((rule: { rule: string }) => rule.rule === 'break_overlap')).toMatchObject({ pass: true, stayCovered: true });

    // One bed a night: the first guest takes it for all three nights; the second is told a night is full.
    await api.http
      .post(`/v1/slots/${slot.id}/redemptions`)
      .set(bearer(base))
      .send({ code: (await offerTo(slot.id, first)).redemption_code })
      .expect(201);
    const full = await api.http
      .post(`/v1/slots/${slot.id}/redemptions`)
      .set(bearer(base))
      .send({ code: (await offerTo(slot.id, second)).redemption_code })
      .expect(409);
    expect(full.body.code).toBe('occurrence_full');

    // The stay passes (moved into the past with its offers): the open offer expires, and nobody is offered it again.
    const shift = `interval '30 days'`;
    await world.db.query(
      `UPDATE slots SET occurrences = jsonb_build_array(jsonb_build_object('startsAt', $2::text, 'endsAt', $3::text)), dated_offers_until = $2::timestamptz WHERE id = $1`,
      [slot.id, new Date(Date.parse(stay.startsAt) - 30 * DAY_MS).toISOString(), new Date(Date.parse(stay.endsAt) - 30 * DAY_MS).toISOString()],
    );
    await world.db.query(`UPDATE matches SET occurrence_starts_at = occurrence_starts_at - ${shift}, expires_at = expires_at - ${shift} WHERE slot_id = $1`, [
      slot.id,
    ]);
    await expireSlotOffers();
    await matcherCaughtUp(world);
    expect((await offerTo(slot.id, second, 'expired')).status_reason).toBe('occurrence_full');
    expect((await offersOf(slot.id)).filter((offer) => offer.status === 'proposed')).toEqual([]);
  });
});
