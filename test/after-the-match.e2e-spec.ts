import { ADMIN, DINGHAI_ROAD, aCandidate, aSlot, anOpening, bearer, weekdays } from './support/builders';
import type { INestApplicationContext } from '@nestjs/common';
import type { AccessibilityFeature, TargetGroup } from '@huigong/domain';
import { MatchingService } from '../apps/matcher/src/matching.service';
import { FollowUpReminders } from '../apps/notifier/src/follow-up-reminders';
import {
  type RunningApi,
  TEST_ADMIN_KEY,
  Teardown,
  type TestWorld,
  createTestWorld,
  eventually,
  matcherCaughtUp,
  startApi,
  startWorker,
} from './support/test-environment';
import { WebhookSink } from './support/webhook-sink';

/**
 * What happens after a match steers what the engine does next (issue 11), through the API with the real
 * matcher: seats that run out, positions that fill.
 */
describe('after the match', () => {
  let world: TestWorld;
  let api: RunningApi;
  let matcher: INestApplicationContext;
  let notifier: INestApplicationContext;
  let gateway: WebhookSink;
  const teardown = new Teardown();

  beforeAll(async () => {
    // Offers reach workers through a gateway of the test's own, whatever the hour: no quiet hours.
    gateway = teardown.add(await WebhookSink.start(), (started) => started.close());
    const env = {
      WORKER_GATEWAY_URL: `${gateway.url}/gateway`,
      WORKER_GATEWAY_SECRET: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
      OFFER_QUIET_HOURS: 'off',
      OFFER_DAILY_CAP: '50',
    };
    world = teardown.add(await createTestWorld({ env }), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    matcher = teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
    notifier = teardown.add(await startWorker(world, 'notifier'), (started) => started.close());
  });

  afterAll(() => teardown.run());

  async function organization(kind: 'employer' | 'merchant', name: string): Promise<string> {
    return (await api.http.post('/v1/organizations').set(ADMIN).send({ name, kind }).expect(201)).body.apiKey;
  }
  async function caseworker(name: string): Promise<string> {
    return (await desk(name)).key;
  }
  async function desk(name: string): Promise<{ id: string; key: string }> {
    const { body } = await api.http.post('/v1/caseworkers').set(ADMIN).send({ name }).expect(201);
    return { id: body.id, key: body.apiKey };
  }
  /** People through the bulk import, as a street union loads its riders. */
  async function importPeople(key: string, people: Record<string, unknown>[]): Promise<void> {
    const body = people.map((person) => JSON.stringify(person)).join('\n');
    const response = await api.http.post('/v1/candidates/bulk').set(bearer(key)).set('Content-Type', 'application/x-ndjson').send(body).expect(200);
    expect(response.body.rejected).toEqual([]);
  }

  /** An opening of `employerKey` for one target group near `location`, weekdays 09:00-17:00, no skills asked, no features unless given. */
  async function postOpening(
    employerKey: string,
    title: string,
    opening: { group: TargetGroup; location: { lat: number; lng: number }; positions?: number; accessibilityFeatures?: AccessibilityFeature[] },
  ) {
    const body = anOpening({
      title,
      targetGroups: [opening.group],
      skills: [],
      accessibilityFeatures: opening.accessibilityFeatures ?? [],
      location: opening.location,
      shifts: weekdays('09:00', '17:00'),
      ...(opening.positions === undefined ? {} : { positions: opening.positions }),
    });
    return (await api.http.post('/v1/openings').set(bearer(employerKey)).send(body).expect(201)).body.id as string;
  }

  describe('seats of one occurrence', () => {
    it('a 40-seat meal takes 40 redemptions for one occurrence: the 41st is 409 occurrence_full, and of 20 at once on the last seat one wins', async () => {
      const canteen = await organization('merchant', 'Dinghai canteen, 40 seats');
      const desk = await caseworker('Riders desk, canteen');
      const canteenAt = { lat: DINGHAI_ROAD.lat - 0.15, lng: DINGHAI_ROAD.lng - 0.15 };
      const near = { lat: canteenAt.lat + 0.002, lng: canteenAt.lng - 0.002 };
      // 70 riders and 10 workers in hardship (a sensitive group), all on lunch break when the canteen is quiet.
      await importPeople(
        desk,
        Array.from({ length: 80 }, (_, i) =>
          aCandidate({
            displayName: `Canteen worker ${i}`,
            groups: [i < 70 ? 'rider' : 'hardship'],
            location: near,
            breaks: weekdays('12:45', '14:15'),
            maxTravelKm: 5,
          }),
        ),
      );
      await matcherCaughtUp(world);
      const slot = (
        await api.http
          .post('/v1/slots')
          .set(bearer(canteen))
          .send(aSlot({ capacity: 40, location: canteenAt, eligibleGroups: ['rider', 'hardship'] }))
          .expect(201)
      ).body;
      // Offers go to twice as many people as there are seats: not everyone comes.
      const offers = await eventually(
        async () => {
          const { rows } = await world.db.query(`SELECT redemption_code AS code, expires_at FROM matches WHERE slot_id = $1 AND status = 'proposed'`, [
            slot.id,
          ]);
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
        expect(response.body).toEqual(
          expect.objectContaining({ statusCode: 409, error: 'Conflict', code: 'occurrence_full', message: expect.stringContaining('40 seats') }),
        );
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

      // The occurrence ends: the 40 offers not used expire (the matcher's sweep), and the report counts them.
      const ended = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
      await world.db.query(`UPDATE matches SET expires_at = $2 WHERE slot_id = $1 AND expires_at = $3`, [slot.id, ended, offers[0].expires_at]);
      await matcher.get(MatchingService, { strict: false }).expireSlotOffers();
      // Every seat was taken: the 40 offers left are not the workers' no-shows.
      const { rows: reasons } = await world.db.query(
        `SELECT status_reason AS reason, count(*)::int AS n FROM matches WHERE slot_id = $1 AND status = 'expired' GROUP BY status_reason`,
        [slot.id],
      );
      expect(reasons).toEqual([{ reason: 'occurrence_full', n: 40 }]);
      type Uptake = { offered: number; delivered: number; redeemed: number; expired: number; uptakeRate: number };
      type Report = {
        occurrences: (Uptake & { slotId: string; title: string; merchantId: string; occurrenceEnd: string })[];
        merchants: (Uptake & { name: string })[];
        targetGroups: (Uptake & { group: string })[];
      };
      const uptake = async (key: string) => (await api.http.get(`/v1/reports/slot-uptake?slotId=${slot.id}`).set(bearer(key)).expect(200)).body as Report;
      const ofTheOccurrence = (report: Report) => report.occurrences.find((entry) => entry.occurrenceEnd === ended.toISOString());
      // Every offer went through the gateway before the occurrence ended (the notifier takes a moment).
      const report = await eventually(
        async () => {
          const read = await uptake(canteen);
          return ofTheOccurrence(read)?.delivered === 80 ? read : undefined;
        },
        30_000,
        'the 80 offers delivered',
      );
      expect(ofTheOccurrence(report)).toEqual({
        slotId: slot.id,
        title: 'Rider special lunch',
        merchantId: expect.any(String),
        occurrenceEnd: ended.toISOString(),
        offered: 80,
        delivered: 80,
        redeemed: 40,
        expired: 40,
        uptakeRate: 0.5,
      });
      expect(report.merchants).toEqual([expect.objectContaining({ name: 'Dinghai canteen, 40 seats', redeemed: 40 })]);
      // The merchant sees the riders' uptake, never the sensitive group's; the union admin sees both.
      expect(report.targetGroups.map((entry) => entry.group)).toEqual(['rider']);
      const asAdmin = await uptake(TEST_ADMIN_KEY);
      expect(asAdmin.targetGroups.map((entry) => entry.group)).toEqual(['hardship', 'rider']);
      const offeredOf = (group: string) => asAdmin.targetGroups.find((entry) => entry.group === group)?.offered ?? 0;
      expect(offeredOf('rider') + offeredOf('hardship')).toBe(asAdmin.occurrences.reduce((sum, entry) => sum + entry.offered, 0));
      // Another merchant sees nothing of it; an employer is refused; a bad instant names its field.
      expect((await uptake(await organization('merchant', 'Another canteen'))).occurrences).toEqual([]);
      expect((await api.http.get('/v1/reports/slot-uptake').set(bearer(await organization('employer', 'Some employer')))).status).toBe(403);
      expect((await api.http.get('/v1/reports/slot-uptake?from=yesterday').set(bearer(canteen))).body.details).toEqual([
        expect.objectContaining({ field: 'from' }),
      ]);
    });
  });

  it('an offer left to expire while seats were free is a no-show, counted per worker, and explain says how many', async () => {
    const barber = await organization('merchant', 'Yangpu barber, quiet mornings');
    const desk = await caseworker('Riders desk, barber');
    const shopAt = { lat: DINGHAI_ROAD.lat + 0.3, lng: DINGHAI_ROAD.lng - 0.3 };
    const rider = (
      await api.http
        .post('/v1/candidates')
        .set(bearer(desk))
        .send(aCandidate({ displayName: 'Rider who did not come', groups: ['rider'], location: shopAt, breaks: weekdays('12:45', '14:15'), maxTravelKm: 5 }))
        .expect(201)
    ).body.id as string;
    const slot = (
      await api.http
        .post('/v1/slots')
        .set(bearer(barber))
        .send(aSlot({ title: 'Haircut', kind: 'haircut', capacity: 3, location: shopAt }))
        .expect(201)
    ).body.id as string;
    await eventually(
      async () => (await world.db.query(`SELECT 1 FROM matches WHERE slot_id = $1 AND candidate_id = $2`, [slot, rider])).rows.length === 1,
      15_000,
      'the offer',
    );
    await world.db.query(`UPDATE matches SET expires_at = now() - interval '1 minute' WHERE slot_id = $1`, [slot]);
    await matcher.get(MatchingService, { strict: false }).expireSlotOffers();
    const { rows } = await world.db.query(`SELECT status, status_reason AS reason FROM matches WHERE slot_id = $1 AND candidate_id = $2 ORDER BY created_at`, [
      slot,
      rider,
    ]);
    expect(rows[0]).toEqual({ status: 'expired', reason: 'no_show' });
    const why = (await api.http.get(`/v1/candidates/${rider}/explain?slotId=${slot}`).set(bearer(desk)).expect(200)).body;
    expect(why.caps).toContainEqual({ rule: 'no_shows', pass: true, noShows: 1, behindAfter: 3, days: 30 });
  });

  it("a worker's own quiet hours and language: a night guard asleep now gets the offer later, in English; a rider without any gets it now", async () => {
    const canteen = await organization('merchant', 'Hongkou night canteen');
    const desk = await caseworker('Hongkou desk');
    const canteenAt = { lat: DINGHAI_ROAD.lat + 0.35, lng: DINGHAI_ROAD.lng + 0.05 };
    // Quiet hours around the present Shanghai hour: the guard sleeps now.
    const hour = (new Date().getUTCHours() + 8) % 24;
    const clock = (h: number) => `${String((h + 24) % 24).padStart(2, '0')}:00`;
    const quietHours = `${clock(hour - 1)}-${clock(hour + 2)}`;
    // The meal six hours from now, every day: its next occurrence begins after the guard wakes, so the offer
    // is held, not dropped (with the lunch window, a run at noon in Shanghai woke the guard as it ended).
    const everyDay = (start: number, end: number) => [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: clock(start), end: clock(end) }));
    const meal = everyDay(hour + 6, hour + 7);
    const onBreak = everyDay(hour + 6, hour + 8);
    const register = async (body: Record<string, unknown>) => (await api.http.post('/v1/candidates').set(bearer(desk)).send(body).expect(201)).body;
    const guard = await register(
      aCandidate({
        displayName: 'Night guard',
        groups: ['security_guard'],
        location: canteenAt,
        breaks: onBreak,
        notices: { quietHours, language: 'en' },
      }),
    );
    expect(guard.notices).toEqual({ quietHours, language: 'en' });
    // The rider reads texts, not the app: the gateway is told so.
    const rider = (
      await register(aCandidate({ displayName: 'Day rider', groups: ['rider'], location: canteenAt, breaks: onBreak, notices: { channel: 'sms' } }))
    ).id as string;
    const slot = (
      await api.http
        .post('/v1/slots')
        .set(bearer(canteen))
        .send(aSlot({ title: 'Night canteen set meal', capacity: 2, location: canteenAt, windows: meal }))
        .expect(201)
    ).body.id as string;
    const deliveryOf = async (candidateId: string) =>
      (
        await world.db.query(
          `SELECT d.status, d.last_error, n.payload->>'text' AS text FROM notifications n JOIN notification_deliveries d ON d.notification_id = n.id
            WHERE n.type = 'offer' AND n.recipient_id = $1 AND n.payload->'slot'->>'id' = $2`,
          [candidateId, slot],
        )
      ).rows[0] as { status: string; last_error: string | null; text: string } | undefined;
    await eventually(async () => (await deliveryOf(rider))?.status === 'delivered', 15_000, "the rider's offer delivered");
    const held = await eventually(
      async () => {
        const delivery = await deliveryOf(guard.id);
        return delivery?.last_error?.includes('quiet_hours') === true ? delivery : undefined;
      },
      15_000,
      "the guard's offer held",
    );
    expect(held.status).toBe('pending');
    expect(held.last_error).toMatch(/^held back \(quiet_hours\) until /);
    expect(held.text).toMatch(/^Night canteen set meal: .* Show code [A-Z0-9]{8} to redeem\.$/);
    expect((await deliveryOf(rider))?.text).toContain('兑换码');
    // What the gateway was sent, read as the gateway reads it.
    const recipients = gateway.to('/gateway').map((request) => (JSON.parse(request.body) as { recipient: { candidateId: string } }).recipient);
    expect(recipients.filter((recipient) => recipient.candidateId === rider)).toEqual([{ candidateId: rider, phone: expect.any(String), channel: 'sms' }]);
    expect(recipients.some((recipient) => recipient.candidateId === guard.id)).toBe(false);

    // Bad preferences are named field by field.
    const bad = await api.http
      .patch(`/v1/candidates/${rider}`)
      .set(bearer(desk))
      .send({ notices: { quietHours: '8-16', dailyCap: 0, language: 'fr', channel: 'pigeon' } });
    expect(bad.status).toBe(400);
    expect(bad.body.details.map((detail: { field: string }) => detail.field).sort()).toEqual([
      'notices.channel',
      'notices.dailyCap',
      'notices.language',
      'notices.quietHours',
    ]);
  });

  describe('positions that fill', () => {
    it('an opening whose positions are all hired fills: the rest are withdrawn as filled, newcomers get nothing; a reverted hire or one more position opens it again', async () => {
      const employer = await organization('employer', 'Yangpu property services');
      const sanitation = await desk('Sanitation desk');
      const otherDesk = await desk('Street office desk');
      const siteAt = { lat: DINGHAI_ROAD.lat + 0.15, lng: DINGHAI_ROAD.lng - 0.15 };
      const near = { lat: siteAt.lat + 0.003, lng: siteAt.lng + 0.001 };
      const cleaner = (label: string) =>
        aCandidate({
          displayName: `Cleaner ${label}`,
          groups: ['sanitation'],
          location: near,
          availability: weekdays('08:00', '17:00'),
          accessibilityNeeds: [],
        });
      await importPeople(
        sanitation.key,
        Array.from({ length: 5 }, (_, i) => cleaner(`first ${i}`)),
      );
      await importPeople(otherDesk.key, [cleaner('of the street office')]);
      await matcherCaughtUp(world);
      const opening = { id: await postOpening(employer, 'Estate cleaner', { group: 'sanitation', location: siteAt, positions: 2 }) };
      const matchesOfOpening = async () =>
        (
          await world.db.query(`SELECT id, candidate_id, caseworker_id, status, status_reason FROM matches WHERE opening_id = $1 ORDER BY score DESC, id`, [
            opening.id,
          ])
        ).rows as {
          id: string;
          candidate_id: string;
          caseworker_id: string;
          status: string;
          status_reason: string | null;
        }[];
      const everyone = await eventually(async () => ((await matchesOfOpening()).length === 6 ? matchesOfOpening() : undefined), 15_000, 'a shortlist of 6');
      const shortlist = everyone.filter((match) => match.caseworker_id === sanitation.id);
      const move = (matchId: string, status: string, extra: Record<string, unknown> = {}) =>
        api.http
          .patch(`/v1/matches/${matchId}`)
          .set(bearer(sanitation.key))
          .send({ status, ...extra });
      const hire = async (matchId: string) => {
        for (const status of ['contacted', 'interested', 'interview', 'hired']) await move(matchId, status).expect(200);
      };
      const statusOf = async () => (await api.http.get(`/v1/openings/${opening.id}`).set(bearer(employer)).expect(200)).body.status;

      await hire(shortlist[0].id);
      expect(await statusOf()).toBe('open');
      await move(shortlist[2].id, 'contacted').expect(200);
      await hire(shortlist[1].id);
      expect(await statusOf()).toBe('filled');
      // The three others, whatever step they were at, are withdrawn with the reason.
      const withdrawnAsFilled = async () => (await matchesOfOpening()).filter((match) => match.status === 'withdrawn' && match.status_reason === 'filled');
      await eventually(async () => (await withdrawnAsFilled()).length === 4, 15_000, 'four matches withdrawn as filled');
      expect((await matchesOfOpening()).filter((match) => match.status === 'hired')).toHaveLength(2);
      // Each caseworker hears which of their own people the filled opening no longer goes on with.
      const noticeOf = async (key: string) =>
        eventually(
          async () =>
            ((await api.http.get('/v1/inbox').set(bearer(key)).expect(200)).body as { type: string; payload: Record<string, unknown> }[]).find(
              (item) => item.type === 'matches_withdrawn',
            ),
          15_000,
          'a matches_withdrawn notice',
        );
      const ours = (await noticeOf(sanitation.key)).payload as { offer: { id: string }; reason: string; matches: { matchId: string }[] };
      expect(ours.offer.id).toBe(opening.id);
      expect(ours.reason).toBe('filled');
      expect(ours.matches.map((match) => match.matchId).sort()).toEqual(
        shortlist
          .slice(2)
          .map((match) => match.id)
          .sort(),
      );
      const theirs = (await noticeOf(otherDesk.key)).payload as { matches: { matchId: string }[] };
      expect(theirs.matches.map((match) => match.matchId)).toEqual(everyone.filter((match) => match.caseworker_id === otherDesk.id).map((match) => match.id));

      // 100 people who fit register afterwards: the filled opening proposes none of them.
      await importPeople(
        sanitation.key,
        Array.from({ length: 100 }, (_, i) => cleaner(`later ${i}`)),
      );
      await matcherCaughtUp(world);
      expect(await matchesOfOpening()).toHaveLength(6);
      const lists = (await api.http.get('/v1/candidate-lists').set(bearer(sanitation.key)).expect(200)).body as {
        offerId: string;
        matches: { status: string }[];
      }[];
      expect(lists.find((list) => list.offerId === opening.id)?.matches.map((match) => match.status)).toEqual(['hired', 'hired']);

      // The second hire falls through before the first day: the position opens, and newcomers are proposed.
      // PATCH keeps a hire final (the contract); reverting it is its own action, back to interview.
      expect((await move(shortlist[1].id, 'declined', { reason: 'did not start' })).status).toBe(409);
      const reverted = await api.http
        .post(`/v1/matches/${shortlist[1].id}/revert-hire`)
        .set(bearer(sanitation.key))
        .send({ reason: 'did not start' })
        .expect(200);
      expect(reverted.body).toEqual(expect.objectContaining({ status: 'interview', reason: 'did not start' }));
      expect(await statusOf()).toBe('open');
      // Reverting what is not a hire: 409; without a reason: 400 naming the field.
      expect((await api.http.post(`/v1/matches/${shortlist[1].id}/revert-hire`).set(bearer(sanitation.key)).send({ reason: 'again' })).status).toBe(409);
      const noReason = await api.http.post(`/v1/matches/${shortlist[0].id}/revert-hire`).set(bearer(sanitation.key)).send({});
      expect(noReason.status).toBe(400);
      expect(noReason.body.details).toEqual([expect.objectContaining({ field: 'reason' })]);
      await move(shortlist[1].id, 'declined', { reason: 'did not start' }).expect(200);
      await eventually(async () => (await matchesOfOpening()).filter((match) => match.status === 'proposed').length > 0, 15_000, 'new proposals');
      const proposedNow = (await matchesOfOpening()).filter((match) => match.status === 'proposed');
      expect(proposedNow.every((match) => !everyone.some((first) => first.candidate_id === match.candidate_id))).toBe(true);

      // Hired again: filled again; then the employer adds a position: open again.
      await hire(proposedNow[0].id);
      expect(await statusOf()).toBe('filled');
      await matcherCaughtUp(world);
      expect((await matchesOfOpening()).filter((match) => match.status === 'proposed')).toHaveLength(0);
      const patched = (await api.http.patch(`/v1/openings/${opening.id}`).set(bearer(employer)).send({ positions: 3 }).expect(200)).body;
      expect(patched.status).toBe('open');
      await eventually(
        async () => (await matchesOfOpening()).filter((match) => match.status === 'proposed').length > 0,
        15_000,
        'proposals for the third position',
      );
      // Closing works from any status, and is final.
      expect((await api.http.post(`/v1/openings/${opening.id}/close`).set(bearer(employer)).expect(200)).body.status).toBe('closed');
    });
  });

  describe('employment', () => {
    it('a hire makes the person employed: no new job is proposed to them, a meal still is; open to job offers, or a reverted hire, and jobs come again', async () => {
      const employer = await organization('employer', 'Minhang logistics park');
      const canteen = await organization('merchant', 'Minhang workers canteen');
      const sanitation = await desk('Minhang desk');
      const parkAt = { lat: DINGHAI_ROAD.lat - 0.15, lng: DINGHAI_ROAD.lng + 0.15 };
      const near = { lat: parkAt.lat + 0.002, lng: parkAt.lng + 0.002 };
      const person = (
        await api.http
          .post('/v1/candidates')
          .set(bearer(sanitation.key))
          .send(
            aCandidate({
              displayName: 'Zhao Lei',
              groups: ['sanitation', 'rider'],
              location: near,
              availability: weekdays('08:00', '17:00'),
              breaks: weekdays('12:45', '14:15'),
              accessibilityNeeds: [],
            }),
          )
          .expect(201)
      ).body;
      expect(person).toEqual(expect.objectContaining({ employment: 'seeking', employedSince: null, openToJobOffers: false }));
      const postJob = (title: string) => postOpening(employer, title, { group: 'sanitation', location: parkAt, positions: 1 });
      const matchOf = async (offer: { openingId?: string; slotId?: string }) => {
        const { rows } = await world.db.query(`SELECT id, status, status_reason FROM matches WHERE candidate_id = $1 AND (opening_id = $2 OR slot_id = $3)`, [
          person.id,
          offer.openingId ?? null,
          offer.slotId ?? null,
        ]);
        return rows[0] as { id: string; status: string; status_reason: string | null } | undefined;
      };
      const profile = async () => (await api.http.get(`/v1/candidates/${person.id}`).set(bearer(sanitation.key)).expect(200)).body;

      const first = await postJob('Warehouse cleaner');
      const proposal = await eventually(() => matchOf({ openingId: first }), 15_000, 'a proposal of the first opening');
      for (const status of ['contacted', 'interested', 'interview', 'hired'])
        await api.http.patch(`/v1/matches/${proposal.id}`).set(bearer(sanitation.key)).send({ status }).expect(200);
      const employed = await eventually(async () => ((await profile()).employment === 'employed' ? profile() : undefined), 15_000, 'employed');
      expect(employed.employedSince).toEqual(expect.any(String));

      // A meal nearby is still offered; a new job they fit is not, and explain says why.
      const slot = (
        await api.http
          .post('/v1/slots')
          .set(bearer(canteen))
          .send(aSlot({ capacity: 5, location: parkAt }))
          .expect(201)
      ).body;
      await eventually(async () => (await matchOf({ slotId: slot.id }))?.status === 'proposed', 15_000, 'a meal offered');
      const second = await postJob('Loading bay sweeper');
      await matcherCaughtUp(world);
      expect(await matchOf({ openingId: second })).toBeUndefined();
      const why = (await api.http.get(`/v1/candidates/${person.id}/explain?openingId=${second}`).set(bearer(sanitation.key)).expect(200)).body;
      expect(why.eligible).toBe(false);
      expect(why.rules.filter((check: { pass: boolean }) => !check.pass)).toEqual([{ rule: 'seeking_work', pass: false }]);

      // Their caseworker marks them open to job offers: the new job comes.
      await api.http.patch(`/v1/candidates/${person.id}`).set(bearer(sanitation.key)).send({ openToJobOffers: true }).expect(200);
      await eventually(async () => (await matchOf({ openingId: second }))?.status === 'proposed', 15_000, 'the second opening proposed');
      await api.http.patch(`/v1/candidates/${person.id}`).set(bearer(sanitation.key)).send({ openToJobOffers: false }).expect(200);
      await eventually(async () => (await matchOf({ openingId: second }))?.status_reason === 'no_longer_fits', 15_000, 'the proposal withdrawn');

      // The hire is reverted: seeking again, and matched to the open openings at once.
      await api.http.post(`/v1/matches/${proposal.id}/revert-hire`).set(bearer(sanitation.key)).send({ reason: 'did not start' }).expect(200);
      await eventually(async () => (await profile()).employment === 'seeking', 15_000, 'seeking again');
      expect((await profile()).employedSince).toBeNull();
      const third = await postJob('Night sweeper');
      await eventually(async () => (await matchOf({ openingId: third }))?.status === 'proposed', 15_000, 'the third opening proposed');
    });
  });

  describe("the caseworker's worklist", () => {
    it('lists their own people still seeking, longest waiting first, with days waiting, matches in progress and the last contact; not the employed', async () => {
      const employer = await organization('employer', 'Pudong facilities');
      const own = await desk('Pudong desk');
      const other = await desk('Another desk');
      const siteAt = { lat: DINGHAI_ROAD.lat + 0.25, lng: DINGHAI_ROAD.lng + 0.25 };
      const register = async (key: string, displayName: string) =>
        (
          await api.http
            .post('/v1/candidates')
            .set(bearer(key))
            .send(aCandidate({ displayName, groups: ['laid_off'], location: siteAt, availability: weekdays('08:00', '17:00'), accessibilityNeeds: [] }))
            .expect(201)
        ).body.id as string;
      const longest = await register(own.key, 'Waiting longest');
      const contacted = await register(own.key, 'Contacted');
      const hired = await register(own.key, 'Hired');
      await register(other.key, 'Of another desk');
      await world.db.query(`UPDATE candidates SET created_at = now() - interval '10 days 1 hour' WHERE id = $1`, [longest]);
      await world.db.query(`UPDATE candidates SET created_at = now() - interval '3 days' WHERE id = $1`, [contacted]);
      const opening = await postOpening(employer, 'Facility assistant', { group: 'laid_off', location: siteAt, positions: 3 });
      const matchOf = (candidateId: string) =>
        eventually(
          async () =>
            (await world.db.query(`SELECT id FROM matches WHERE opening_id = $1 AND candidate_id = $2`, [opening, candidateId])).rows[0]?.id as
              string | undefined,
          15_000,
          'a proposal',
        );
      const step = (matchId: string, status: string) => api.http.patch(`/v1/matches/${matchId}`).set(bearer(own.key)).send({ status }).expect(200);
      await step(await matchOf(contacted), 'contacted');
      const hire = await matchOf(hired);
      for (const status of ['contacted', 'interested', 'interview', 'hired']) await step(hire, status);
      await matchOf(longest);

      const worklist = async () => (await api.http.get('/v1/caseworkers/me/seekers').set(bearer(own.key)).expect(200)).body as Record<string, unknown>[];
      const seekers = await eventually(async () => ((await worklist()).length === 2 ? worklist() : undefined), 15_000, 'the hired person off the list');
      expect(seekers.map((seeker) => seeker.displayName)).toEqual(['Waiting longest', 'Contacted']);
      expect(seekers[0]).toEqual(expect.objectContaining({ candidateId: longest, daysWaiting: 10, matchesInProgress: 1, lastContactAt: null }));
      expect(seekers[1]).toEqual(expect.objectContaining({ candidateId: contacted, daysWaiting: 3, matchesInProgress: 1, lastContactAt: expect.any(String) }));
      // Paged; and refused for anyone but a caseworker.
      const second = (await api.http.get('/v1/caseworkers/me/seekers?limit=1&offset=1').set(bearer(own.key)).expect(200)).body;
      expect(second.map((seeker: { candidateId: string }) => seeker.candidateId)).toEqual([contacted]);
      expect((await api.http.get('/v1/caseworkers/me/seekers?limit=0').set(bearer(own.key))).body.details).toEqual([
        expect.objectContaining({ field: 'limit' }),
      ]);
      expect((await api.http.get('/v1/caseworkers/me/seekers').set(bearer(employer))).status).toBe(403);
    });
  });

  describe('retention', () => {
    it('30 and 90 days after a hire the caseworker is asked whether the person stayed; retained counts in the funnel, left makes them seeking and matched again', async () => {
      const employer = await organization('employer', 'Baoshan steel services');
      const own = await desk('Baoshan desk');
      const siteAt = { lat: DINGHAI_ROAD.lat - 0.3, lng: DINGHAI_ROAD.lng + 0.3 };
      const person = (
        await api.http
          .post('/v1/candidates')
          .set(bearer(own.key))
          .send(
            aCandidate({ displayName: 'Sun Qiang', groups: ['laid_off'], location: siteAt, availability: weekdays('08:00', '17:00'), accessibilityNeeds: [] }),
          )
          .expect(201)
      ).body.id as string;
      const postJob = (title: string) => postOpening(employer, title, { group: 'laid_off', location: siteAt, positions: 2 });
      const matchOf = (openingId: string) =>
        eventually(
          async () =>
            (await world.db.query(`SELECT id, status FROM matches WHERE opening_id = $1 AND candidate_id = $2`, [openingId, person])).rows[0] as
              { id: string; status: string } | undefined,
          15_000,
          'a proposal',
        );
      const first = await postJob('Crane operator assistant');
      const hire = (await matchOf(first)).id;
      for (const status of ['contacted', 'interested', 'interview', 'hired'])
        await api.http.patch(`/v1/matches/${hire}`).set(bearer(own.key)).send({ status }).expect(200);
      const employment = async () => (await api.http.get(`/v1/candidates/${person}`).set(bearer(own.key)).expect(200)).body.employment as string;
      await eventually(async () => (await employment()) === 'employed', 15_000, 'employed');
      const reminders = notifier.get(FollowUpReminders, { strict: false });
      const checksInInbox = async () =>
        (
          (await api.http.get('/v1/inbox').set(bearer(own.key)).expect(200)).body as {
            type: string;
            payload: { checkpointDays: number; matches: { matchId: string }[] };
          }[]
        ).filter((item) => item.type === 'retention_check');
      expect(await reminders.checkRetention()).toBe(0);

      // A month on: one retention check, and only one however often the job runs.
      await world.db.query(`UPDATE match_status_history SET changed_at = now() - interval '31 days' WHERE match_id = $1 AND to_status = 'hired'`, [hire]);
      expect(await reminders.checkRetention()).toBe(1);
      expect(await reminders.checkRetention()).toBe(0);
      const [at30] = await checksInInbox();
      expect(at30.payload.checkpointDays).toBe(30);
      expect(at30.payload.matches.map((match) => match.matchId)).toEqual([hire]);
      const recorded = await api.http.post(`/v1/matches/${hire}/retention`).set(bearer(own.key)).send({ checkpoint: 30, outcome: 'retained' }).expect(200);
      expect(recorded.body).toEqual(expect.objectContaining({ matchId: hire, checkpoint: 30, outcome: 'retained' }));
      const funnel = async () => (await api.http.get(`/v1/reports/funnel?openingId=${first}`).set(bearer(employer)).expect(200)).body.openings[0].funnel;
      expect(await funnel()).toEqual(expect.objectContaining({ hired: 1, retained30: 1, retained90: 0 }));

      // A second opening while they work: not proposed to them.
      const second = await postJob('Yard sweeper');
      await matcherCaughtUp(world);
      expect((await world.db.query(`SELECT 1 FROM matches WHERE opening_id = $1 AND candidate_id = $2`, [second, person])).rows).toEqual([]);

      // Three months on: the 90-day check; they left. Seeking again, and proposed the open opening at once.
      await world.db.query(`UPDATE match_status_history SET changed_at = now() - interval '91 days' WHERE match_id = $1 AND to_status = 'hired'`, [hire]);
      expect(await reminders.checkRetention()).toBe(1);
      expect((await checksInInbox()).map((item) => item.payload.checkpointDays).sort()).toEqual([30, 90]);
      await api.http.post(`/v1/matches/${hire}/retention`).set(bearer(own.key)).send({ checkpoint: 90, outcome: 'left' }).expect(200);
      await eventually(async () => (await employment()) === 'seeking', 15_000, 'seeking again');
      expect((await matchOf(second)).status).toBe('proposed');
      expect(await funnel()).toEqual(expect.objectContaining({ hired: 1, retained30: 1, retained90: 0 }));

      // Only a hire is checked; the checkpoint is 30 or 90.
      expect(
        (
          await api.http
            .post(`/v1/matches/${(await matchOf(second)).id}/retention`)
            .set(bearer(own.key))
            .send({ checkpoint: 30, outcome: 'retained' })
        ).status,
      ).toBe(409);
      const bad = await api.http.post(`/v1/matches/${hire}/retention`).set(bearer(own.key)).send({ checkpoint: 60, outcome: 'stayed' });
      expect(bad.status).toBe(400);
      expect(bad.body.details.map((detail: { field: string }) => detail.field).sort()).toEqual(['checkpoint', 'outcome']);
    });
  });

  describe('consent per purpose', () => {
    it('jobs, benefits and sensitive use each change what is matched; the history says who, when and how; erasure keeps ids only', async () => {
      const employer = await organization('employer', 'Jing an accessible workshops');
      const canteen = await organization('merchant', 'Jing an canteen');
      const own = await desk('Jing an desk');
      const siteAt = { lat: DINGHAI_ROAD.lat + 0.3, lng: DINGHAI_ROAD.lng - 0.3 };
      const near = { lat: siteAt.lat + 0.002, lng: siteAt.lng + 0.002 };
      // A wheelchair user who rides deliveries: consents to jobs, on paper, but not to offers nor to the use of
      // their disability and needs.
      const registered = await api.http
        .post('/v1/candidates')
        .set(bearer(own.key))
        .send(
          aCandidate({
            displayName: 'Qian Yu',
            groups: ['disabled', 'rider'],
            accessibilityNeeds: ['wheelchair'],
            location: near,
            availability: weekdays('08:00', '17:00'),
            breaks: weekdays('12:45', '14:15'),
            consent: { contact: true, benefits: false, sensitive: false, method: 'paper_form' },
          }),
        )
        .expect(201);
      const person = registered.body.id as string;
      expect(registered.body.consent).toEqual({ contact: true, jobs: true, benefits: false, sensitive: false });

      const forDisabled = await postOpening(employer, 'Bench assembly', { group: 'disabled', location: siteAt, accessibilityFeatures: ['wheelchair'] });
      const forRiders = await postOpening(employer, 'Upstairs dispatch', { group: 'rider', location: siteAt });
      const lunch = await api.http
        .post('/v1/slots')
        .set(bearer(canteen))
        .send(aSlot({ capacity: 10, location: siteAt, eligibleGroups: ['rider', 'disabled'], accessibilityFeatures: ['wheelchair'] }))
        .expect(201);
      const matchOf = async (offerId: string) => {
        const { rows } = await world.db.query(`SELECT status, status_reason FROM matches WHERE candidate_id = $1 AND (opening_id = $2 OR slot_id = $2)`, [
          person,
          offerId,
        ]);
        return rows[0] as { status: string; status_reason: string | null } | undefined;
      };
      const explain = async (query: string) =>
        (await api.http.get(`/v1/candidates/${person}/explain?${query}`).set(bearer(own.key)).expect(200)).body as {
          eligible: boolean;
          rules: { rule: string; pass: boolean }[];
        };
      const failing = (why: { rules: { rule: string; pass: boolean }[] }) => why.rules.filter((check) => !check.pass);
      const consent = (change: Record<string, unknown>) =>
        api.http.patch(`/v1/candidates/${person}`).set(bearer(own.key)).send({ consent: change }).expect(200);

      // Jobs only, no sensitive use: the riders' opening comes (the wheelchair is not asked about), the opening for
      // disabled workers does not (the group is not used), and no meal is offered.
      await eventually(async () => (await matchOf(forRiders))?.status === 'proposed', 15_000, "the riders' opening proposed");
      await matcherCaughtUp(world);
      expect(await matchOf(forDisabled)).toBeUndefined();
      expect(await matchOf(lunch.body.id)).toBeUndefined();
      expect(failing(await explain(`openingId=${forDisabled}`))).toEqual([expect.objectContaining({ rule: 'target_group', common: [] })]);
      expect(failing(await explain(`slotId=${lunch.body.id}`))).toEqual([{ rule: 'consent', pass: false, purpose: 'benefits' }]);

      // Sensitive use given in person: the opening for disabled workers comes; the riders' opening has no
      // wheelchair access, so it no longer fits.
      expect((await consent({ sensitive: true, method: 'in_person' })).body.consent).toEqual({ contact: true, jobs: true, benefits: false, sensitive: true });
      await eventually(async () => (await matchOf(forDisabled))?.status === 'proposed', 15_000, 'the opening for disabled workers proposed');
      await eventually(async () => (await matchOf(forRiders))?.status_reason === 'no_longer_fits', 15_000, "the riders' opening withdrawn");

      // Benefits given in the app: the meal is offered. Jobs withdrawn: the job proposals go, for consent; the meal stays.
      await consent({ benefits: true, method: 'app' });
      await eventually(async () => (await matchOf(lunch.body.id))?.status === 'proposed', 15_000, 'the meal offered');
      expect((await consent({ jobs: false })).body.consent).toEqual({ contact: true, jobs: false, benefits: true, sensitive: true });
      await eventually(async () => (await matchOf(forDisabled))?.status_reason === 'consent_withdrawn', 15_000, 'the job withdrawn for consent');
      expect((await matchOf(lunch.body.id))?.status).toBe('proposed');
      expect(failing(await explain(`openingId=${forDisabled}`))).toEqual([{ rule: 'consent', pass: false, purpose: 'jobs' }]);

      // A contradiction is a 400 naming the field, and changes nothing.
      const refused = await api.http
        .patch(`/v1/candidates/${person}`)
        .set(bearer(own.key))
        .send({ consent: { contact: false, benefits: true } })
        .expect(400);
      expect(refused.body.details).toEqual([{ field: 'consent.benefits', message: expect.stringContaining('contact: false') }]);

      // The history: who recorded each purpose, when and how, and the withdrawal.
      type ConsentRecord = {
        purpose: string;
        givenBy: string;
        givenHow: string;
        givenAt: string;
        withdrawnAt: string | null;
        withdrawnBy: string | null;
        withdrawnHow: string | null;
      };
      const history = (await api.http.get(`/v1/candidates/${person}/consents`).set(bearer(own.key)).expect(200)).body as ConsentRecord[];
      expect(history.map(({ purpose, givenBy, givenHow, withdrawnBy, withdrawnHow }) => ({ purpose, givenBy, givenHow, withdrawnBy, withdrawnHow }))).toEqual([
        { purpose: 'jobs', givenBy: own.id, givenHow: 'paper_form', withdrawnBy: own.id, withdrawnHow: 'not_stated' },
        { purpose: 'sensitive', givenBy: own.id, givenHow: 'in_person', withdrawnBy: null, withdrawnHow: null },
        { purpose: 'benefits', givenBy: own.id, givenHow: 'app', withdrawnBy: null, withdrawnHow: null },
      ]);
      expect(history.every((record) => !Number.isNaN(Date.parse(record.givenAt)))).toBe(true);
      const exported = (await api.http.get(`/v1/candidates/${person}/export`).set(bearer(own.key)).expect(200)).body;
      expect(exported.consents).toEqual(history);
      await eventually(
        async () =>
          ((await api.http.get(`/v1/audit?candidateId=${person}`).set(bearer(TEST_ADMIN_KEY)).expect(200)).body as { what: string }[]).some(
            (read) => read.what === 'consents',
          ),
        15_000,
        'the read of the history audited',
      );

      // Erased: every consent still standing is withdrawn by the erasure, and the history holds ids and times only.
      await api.http.delete(`/v1/candidates/${person}`).set(bearer(own.key)).expect(204);
      expect((await api.http.get(`/v1/candidates/${person}/consents`).set(bearer(own.key))).status).toBe(404);
      const after = (await api.http.get(`/v1/candidates/${person}/consents`).set(bearer(TEST_ADMIN_KEY)).expect(200)).body as ConsentRecord[];
      expect(after.map((record) => [record.purpose, record.withdrawnHow])).toEqual([
        ['jobs', 'not_stated'],
        ['sensitive', 'erasure'],
        ['benefits', 'erasure'],
      ]);
      const { rows } = await world.db.query(`SELECT row_to_json(r)::text AS row FROM consent_records r WHERE candidate_id = $1`, [person]);
      expect(rows).toHaveLength(3);
      for (const { row } of rows as { row: string }[]) {
        expect(row).not.toContain('Qian Yu');
        expect(row).not.toContain('wheelchair');
        expect(row).not.toContain('disabled');
      }
    });
  });

  describe('accountability', () => {
    it("every read of a person's data leaves an audit row; the export holds everything about them and nothing about anyone else; erasure leaves ids only", async () => {
      const employer = await organization('employer', 'Putuo cleaning company');
      const own = await desk('Putuo desk');
      const other = await desk('Another Putuo desk');
      const siteAt = { lat: DINGHAI_ROAD.lat - 0.35, lng: DINGHAI_ROAD.lng - 0.05 };
      const register = async (displayName: string) =>
        (
          await api.http
            .post('/v1/candidates')
            .set(bearer(own.key))
            .send(aCandidate({ displayName, groups: ['disabled'], location: siteAt, availability: weekdays('08:00', '17:00'), accessibilityNeeds: [] }))
            .expect(201)
        ).body.id as string;
      const person = await register('Wu Min');
      const neighbour = await register('Zheng Hua');
      const opening = await postOpening(employer, 'Office cleaner', { group: 'disabled', location: siteAt, positions: 2 });
      await eventually(async () => (await world.db.query(`SELECT 1 FROM matches WHERE opening_id = $1`, [opening])).rows.length === 2, 15_000, 'both proposed');
      // The caseworker's list (naming both) reaches the inbox.
      await eventually(
        async () =>
          ((await api.http.get('/v1/inbox').set(bearer(own.key)).expect(200)).body as { type: string }[]).some((item) => item.type === 'candidate_list'),
        15_000,
        'the candidate list in the inbox',
      );
      await api.http.get(`/v1/candidates/${person}`).set(bearer(own.key)).expect(200);
      await api.http.get(`/v1/candidates/${person}/explain?openingId=${opening}`).set(bearer(own.key)).expect(200);
      await api.http.get('/v1/candidate-lists').set(bearer(own.key)).expect(200);
      await api.http.get('/v1/caseworkers/me/seekers').set(bearer(own.key)).expect(200);

      type Read = { readerKind: string; readerId: string; candidateId: string; what: string; requestId: string | null };
      const readsOf = async (query: string) => (await api.http.get(`/v1/audit?${query}`).set(bearer(TEST_ADMIN_KEY)).expect(200)).body as Read[];
      const reads = await eventually(
        async () => {
          const found = await readsOf(`candidateId=${person}`);
          return ['profile', 'explain', 'candidate_list', 'inbox', 'worklist'].every((what) => found.some((read) => read.what === what)) ? found : undefined;
        },
        15_000,
        'a read of each kind',
      );
      expect(reads.every((read) => read.readerKind === 'caseworker' && read.readerId === own.id && read.candidateId === person)).toBe(true);
      expect(reads.every((read) => typeof read.requestId === 'string')).toBe(true);
      expect((await readsOf(`readerId=${own.id}`)).some((read) => read.candidateId === neighbour && read.what === 'candidate_list')).toBe(true);
      expect((await api.http.get('/v1/audit').set(bearer(own.key))).status).toBe(403);

      // The export: everything about the person, nothing about the neighbour on the same list.
      const exported = (await api.http.get(`/v1/candidates/${person}/export`).set(bearer(own.key)).expect(200)).body;
      expect(exported.profile).toEqual(expect.objectContaining({ id: person, displayName: 'Wu Min', groups: ['disabled'] }));
      expect(exported.matches.map((match: { offerId: string }) => match.offerId)).toEqual([opening]);
      expect(exported.matches[0].history).toEqual([]);
      const list = exported.notifications.find((notification: { type: string }) => notification.type === 'candidate_list');
      expect(list.payload.matches.map((match: { candidateId: string }) => match.candidateId)).toEqual([person]);
      expect(exported.reads.length).toBeGreaterThan(0);
      const text = JSON.stringify(exported);
      expect(text).not.toContain(neighbour);
      expect(text).not.toContain('Zheng Hua');
      // The admin may export too; another caseworker may not know the person exists; an employer is refused.
      await api.http.get(`/v1/candidates/${person}/export`).set(bearer(TEST_ADMIN_KEY)).expect(200);
      expect((await api.http.get(`/v1/candidates/${person}/export`).set(bearer(other.key))).status).toBe(404);
      expect((await api.http.get(`/v1/candidates/${person}/export`).set(bearer(employer))).status).toBe(403);
      await eventually(
        async () => (await readsOf(`candidateId=${person}`)).filter((read) => read.what === 'export').length === 2,
        15_000,
        'the exports audited',
      );

      // Consent withdrawn: the audit keeps who read whom and when, by id, and nothing else.
      await api.http.delete(`/v1/candidates/${person}`).set(bearer(own.key)).expect(204);
      const { rows } = await world.db.query(`SELECT row_to_json(a)::text AS row FROM audit_reads a WHERE candidate_id = $1`, [person]);
      expect(rows.length).toBeGreaterThan(0);
      for (const { row } of rows as { row: string }[]) {
        expect(row).not.toContain('Wu Min');
        expect(row).not.toContain('disabled');
      }
      expect((await api.http.get(`/v1/candidates/${person}/export`).set(bearer(own.key))).status).toBe(404);
    });
  });
});
