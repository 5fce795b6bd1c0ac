import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { ADMIN, DINGHAI_ROAD, aCandidate, anOpening, bearer } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, matcherCaughtUp, startApi, startWorker } from './support/test-environment';
import type { INestApplicationContext } from '@nestjs/common';
import { FollowUpReminders } from '../apps/notifier/src/follow-up-reminders';

interface ListEntry {
  matchId: string;
  candidateId: string;
  displayName: string;
  selfDeclared: boolean;
  status: string;
  reasons: { code: string }[];
}
interface CandidateList {
  offerId: string;
  matches: ListEntry[];
}
interface Board {
  totals: { intents: number; matched: number; contacted: number };
  employers: { employerId: string; intents: number; matched: number; contacted: number }[];
  openings: { openingId: string; employerId: string; intents: number; matched: number; contacted: number }[];
}

const NORTH = { lat: DINGHAI_ROAD.lat + 0.2, lng: DINGHAI_ROAD.lng };
const SOUTH = { lat: DINGHAI_ROAD.lat - 0.2, lng: DINGHAI_ROAD.lng };

/** The Baise fair: a live stream, a partner sending intents as viewers tap, leads on the caseworkers' lists. */
describe('a job fair: intents during the stream become leads; the live board and the report count them', () => {
  let world: TestWorld;
  let api: RunningApi;
  let notifier: INestApplicationContext;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
    notifier = teardown.add(await startWorker(world, 'notifier'), (started) => started.close());
  });

  afterAll(() => teardown.run());

  const organization = async (name: string, kind: string) =>
    (await api.http.post('/v1/organizations').set(ADMIN).send({ name, kind }).expect(201)).body as { id: string; apiKey: string };
  const caseworker = async (name: string) =>
    (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name }).expect(201)).body as { id: string; apiKey: string };

  it('takes intents once per viewer and opening, registers newcomers with their area’s caseworker, and lists them first', async () => {
    const factory = await organization('Youjiang electronics', 'employer');
    const hotel = await organization('Baise hotel group', 'employer');
    const absent = await organization('Not at the fair', 'employer');
    const stream = await organization('Union live stream', 'partner');
    const north = await caseworker('North district desk');
    const south = await caseworker('South district desk');
    const desk = await caseworker('Fair desk');

    const fairBody = {
      name: '工会帮就业 Baise union job fair',
      startsAt: new Date(Date.now() - 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      location: DINGHAI_ROAD,
      targetGroups: ['veteran', 'rural_migrant', 'laid_off'],
      employerIds: [factory.id, hotel.id],
      defaultCaseworkerId: desk.id,
      areas: [
        { caseworkerId: north.id, location: NORTH, radiusKm: 10 },
        { caseworkerId: south.id, location: SOUTH, radiusKm: 10 },
      ],
    };
    // Refusals name the field; the employers and caseworkers named must exist.
    const bad = await api.http
      .post('/v1/fairs')
      .set(ADMIN)
      .send({ ...fairBody, endsAt: fairBody.startsAt })
      .expect(400);
    expect(bad.body.details).toEqual([{ field: 'endsAt', message: 'must be after startsAt' }]);
    await api.http
      .post('/v1/fairs')
      .set(ADMIN)
      .send({ ...fairBody, employerIds: [stream.id] })
      .expect(404);
    await api.http.post('/v1/fairs').set(bearer(factory.apiKey)).send(fairBody).expect(403);
    const fair = (await api.http.post('/v1/fairs').set(ADMIN).send(fairBody).expect(201)).body as { id: string; employerIds: string[] };
    expect([...fair.employerIds].sort()).toEqual([factory.id, hotel.id].sort());

    const post = async (key: string, body: Record<string, unknown>) =>
      (
        await api.http
          .post('/v1/openings')
          .set(bearer(key))
          .send(anOpening({ accessibilityFeatures: [], ...body }))
          .expect(201)
      ).body.id as string;
    const assembly = await post(factory.apiKey, { title: 'Assembly operator', targetGroups: [], positions: 50 });
    const reception = await post(hotel.apiKey, { title: 'Hotel reception', targetGroups: [], positions: 5 });
    const elsewhere = await post(absent.apiKey, { title: 'Not at the fair', targetGroups: [] });
    // An employer attaches its own openings only; one not at the fair attaches none.
    await api.http
      .post(`/v1/fairs/${fair.id}/openings`)
      .set(bearer(factory.apiKey))
      .send({ openingIds: [reception] })
      .expect(404);
    await api.http
      .post(`/v1/fairs/${fair.id}/openings`)
      .set(bearer(absent.apiKey))
      .send({ openingIds: [elsewhere] })
      .expect(404);
    expect(
      (
        await api.http
          .post(`/v1/fairs/${fair.id}/openings`)
          .set(bearer(factory.apiKey))
          .send({ openingIds: [assembly] })
          .expect(200)
      ).body,
    ).toEqual({
      attached: 1,
      openings: 1,
    });
    expect(
      (
        await api.http
          .post(`/v1/fairs/${fair.id}/openings`)
          .set(ADMIN)
          .send({ openingIds: [reception, assembly] })
          .expect(200)
      ).body,
    ).toEqual({
      attached: 1,
      openings: 2,
    });
    expect((await api.http.get('/v1/fairs').set(bearer(absent.apiKey)).expect(200)).body).toEqual([]);
    await api.http.get(`/v1/fairs/${fair.id}`).set(bearer(absent.apiKey)).expect(404);
    const listed = (await api.http.get(`/v1/fairs/${fair.id}/openings`).set(bearer(stream.apiKey)).expect(200)).body as { openingId: string }[];
    expect(listed.map((entry) => entry.openingId)).toEqual([assembly, reception]);

    // A registered veteran of the north desk, and one who gave no consent to job contact.
    const veteran = (
      await api.http
        .post('/v1/candidates')
        .set(bearer(north.apiKey))
        .send(aCandidate({ displayName: 'Veteran Lu', groups: ['veteran'], location: NORTH, skills: [] }))
        .expect(201)
    ).body.id as string;
    const benefitsOnly = (
      await api.http
        .post('/v1/candidates')
        .set(bearer(north.apiKey))
        .send(aCandidate({ displayName: 'Benefits only', location: NORTH, consent: { contact: true, jobs: false, benefits: true } }))
        .expect(201)
    ).body.id as string;

    const intent = (body: Record<string, unknown>, key = stream.apiKey) => api.http.post(`/v1/fairs/${fair.id}/intents`).set(bearer(key)).send(body);
    // The veteran taps three times: one intent, three taps.
    const taps = [];
    for (let i = 0; i < 3; i++) taps.push((await intent({ openingId: assembly, candidateId: veteran }).expect(201)).body);
    expect(new Set(taps.map((tap) => tap.id)).size).toBe(1);
    expect(taps.map((tap) => tap.taps)).toEqual([1, 2, 3]);
    // A newcomer in the north, by phone, for both openings, the number written two ways: one person, of the north desk.
    const huang = (
      await intent({ openingId: assembly, viewer: { displayName: '黄师傅', phone: '+86 138-0013-8000', location: NORTH, consentJobs: true } }).expect(201)
    ).body;
    expect(huang).toMatchObject({ fairId: fair.id, openingId: assembly, taps: 1, registered: true });
    const huangAgain = (await intent({ openingId: reception, viewer: { displayName: '黄师傅', phone: '13800138000', consentJobs: true } }).expect(201)).body;
    expect(huangAgain).toMatchObject({ candidateId: huang.candidateId, registered: false });
    const southern = (
      await intent({ openingId: reception, viewer: { displayName: 'Wei in the south', phone: '139 0000 2222', location: SOUTH, consentJobs: true } }).expect(
        201,
      )
    ).body;
    const placeless = (await intent({ openingId: assembly, viewer: { displayName: 'No place given', phone: '137 0000 3333', consentJobs: true } }).expect(201))
      .body;

    // Refused by name, and nothing recorded for them.
    const both = await intent({ openingId: assembly, candidateId: veteran, viewer: { displayName: 'x', phone: '13700003333', consentJobs: true } }).expect(400);
    expect(both.body.details).toEqual([{ field: 'viewer', message: 'must be absent when candidateId is given' }]);
    expect((await intent({ openingId: assembly }).expect(400)).body.details).toEqual([
      { field: 'candidateId', message: 'is required when no viewer is given' },
    ]);
    expect((await intent({ openingId: assembly, viewer: { displayName: 'x', phone: '(((( ))))', consentJobs: true } }).expect(400)).body.details).toEqual([
      { field: 'viewer.phone', message: 'must be a phone number of 5 to 15 digits' },
    ]);
    expect(
      (await intent({ openingId: assembly, viewer: { displayName: 'x', phone: '13700004444', consentJobs: false } }).expect(400)).body.details[0].field,
    ).toBe('viewer.consentJobs');
    expect((await intent({ openingId: assembly, candidateId: benefitsOnly }).expect(409)).body.code).toBe('no_consent');
    await intent({ openingId: elsewhere, candidateId: veteran }).expect(404);
    await api.http.post(`/v1/fairs/${veteran}/intents`).set(bearer(stream.apiKey)).send({ openingId: assembly, candidateId: veteran }).expect(404);
    await intent({ openingId: assembly, candidateId: veteran }, factory.apiKey).expect(403);

    const { rows: intents } = await world.db.query<{ candidate_id: string; opening_id: string; taps: number }>(
      `SELECT candidate_id, opening_id, taps FROM fair_intents WHERE fair_id = $1 ORDER BY taps DESC, candidate_id, opening_id`,
      [fair.id],
    );
    expect(intents).toHaveLength(5);
    expect(intents[0]).toEqual({ candidate_id: veteran, opening_id: assembly, taps: 3 });
    const { rows: people } = await world.db.query<{ id: string; caseworker_id: string; lat: number; consent_jobs: boolean }>(
      `SELECT id, caseworker_id, lat, consent_jobs FROM candidates WHERE id = ANY($1::uuid[])`,
      [[huang.candidateId, southern.candidateId, placeless.candidateId]],
    );
    const byId = new Map(people.map((row) => [row.id, row]));
    expect(byId.get(huang.candidateId)).toMatchObject({ caseworker_id: north.id, lat: NORTH.lat, consent_jobs: true });
    expect(byId.get(southern.candidateId)).toMatchObject({ caseworker_id: south.id, lat: SOUTH.lat });
    expect(byId.get(placeless.candidateId)).toMatchObject({ caseworker_id: desk.id, lat: DINGHAI_ROAD.lat });

    // Each intent is a lead at the top of the right caseworker's list, marked as the person's own.
    await matcherCaughtUp(world);
    const listOf = async (key: string, openingId: string) =>
      ((await api.http.get('/v1/candidate-lists').set(bearer(key)).expect(200)).body as CandidateList[]).find((list) => list.offerId === openingId)?.matches ??
      [];
    const northAssembly = await listOf(north.apiKey, assembly);
    expect(
      northAssembly
        .filter((entry) => entry.selfDeclared)
        .map((entry) => entry.candidateId)
        .sort(),
    ).toEqual([veteran, huang.candidateId].sort());
    expect(northAssembly.slice(0, 2).every((entry) => entry.selfDeclared)).toBe(true);
    expect(northAssembly[0].reasons.map((reason) => reason.code)).toContain('self_declared');
    expect((await listOf(north.apiKey, reception)).map((entry) => entry.candidateId)).toContain(huang.candidateId);
    expect((await listOf(south.apiKey, reception)).map((entry) => entry.candidateId)).toEqual([southern.candidateId]);
    expect((await listOf(desk.apiKey, assembly)).map((entry) => entry.candidateId)).toEqual([placeless.candidateId]);

    // A newcomer's profile waits for their caseworker: no proposal of the engine meanwhile (the one without a
    // place is placed at the fair, within the reception job's reach), until the caseworker completes it.
    const placelessProfile = (await api.http.get(`/v1/candidates/${placeless.candidateId}`).set(bearer(desk.apiKey)).expect(200)).body;
    expect(placelessProfile).toMatchObject({ displayName: 'No place given', groups: [], profilePending: true, consent: { jobs: true, benefits: false } });
    expect((await listOf(desk.apiKey, reception)).map((entry) => entry.candidateId)).toEqual([]);
    const completed = (
      await api.http
        .patch(`/v1/candidates/${placeless.candidateId}`)
        .set(bearer(desk.apiKey))
        .send({ groups: ['rural_migrant'], availability: [1, 2, 3, 4, 5].map((day) => ({ day, start: '08:00', end: '16:00' })) })
        .expect(200)
    ).body;
    expect(completed.profilePending).toBe(false);
    await matcherCaughtUp(world);
    expect((await listOf(desk.apiKey, reception)).map((entry) => [entry.candidateId, entry.selfDeclared])).toEqual([[placeless.candidateId, false]]);

    // A lead stands whatever the rules say: the factory now asks for veterans only, and the newcomers, whose
    // groups are not recorded yet, keep their leads (an engine's proposal would go as no_longer_fits).
    await api.http
      .patch(`/v1/openings/${assembly}`)
      .set(bearer(factory.apiKey))
      .send({ targetGroups: ['veteran'] })
      .expect(200);
    await matcherCaughtUp(world);
    expect((await listOf(desk.apiKey, assembly)).map((entry) => [entry.candidateId, entry.status])).toEqual([[placeless.candidateId, 'proposed']]);
    expect((await listOf(north.apiKey, assembly)).filter((entry) => entry.selfDeclared).length).toBe(2);

    // The employer sees counts of its own openings, and no one's name or phone anywhere.
    const factoryBoard = (await api.http.get(`/v1/fairs/${fair.id}/board`).set(bearer(factory.apiKey)).expect(200)).body as Board;
    expect(factoryBoard.openings.map((entry) => entry.openingId)).toEqual([assembly]);
    expect(factoryBoard.totals.intents).toBe(3);
    const factoryInbox = await eventually(
      async () => {
        const inbox = (await api.http.get('/v1/inbox').set(bearer(factory.apiKey)).expect(200)).body as { type: string }[];
        return inbox.some((entry) => entry.type === 'match_summary') ? inbox : undefined;
      },
      15_000,
      'the employer’s match summary',
    );
    const seenByEmployer = JSON.stringify([factoryBoard, factoryInbox, (await api.http.get(`/v1/fairs/${fair.id}/openings`).set(bearer(factory.apiKey))).body]);
    expect(seenByEmployer).not.toMatch(/黄师傅|Veteran Lu|Wei in the south|138|139 0000|veteran/);

    // The host's live board: its first event holds the counts the database holds; a contact moves it.
    const server = api.app.getHttpServer();
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${port}/v1/fairs/${fair.id}/live`, { headers: ADMIN, signal: controller.signal });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    if (response.body === null) throw new Error('the live board answered no stream');
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    const nextBoard = async (): Promise<Board> => {
      for (;;) {
        const end = buffered.indexOf('\n\n');
        if (end >= 0) {
          const block = buffered.slice(0, end);
          buffered = buffered.slice(end + 2);
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (block.includes('event: board') && data !== undefined) return JSON.parse(data.slice(6)) as Board;
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the live stream ended');
        buffered += decoder.decode(value, { stream: true });
      }
    };
    const countsInDatabase = async () => {
      const { rows } = await world.db.query<{ intents: number; matched: number; contacted: number }>(
        `SELECT (SELECT count(*)::int FROM fair_intents WHERE fair_id = $1) AS intents,
                (SELECT count(*)::int FROM matches m JOIN fair_openings fo ON fo.opening_id = m.opening_id AND fo.fair_id = $1 WHERE m.status <> 'withdrawn') AS matched,
                (SELECT count(*)::int FROM matches m JOIN fair_openings fo ON fo.opening_id = m.opening_id AND fo.fair_id = $1
                  WHERE m.status IN ('contacted', 'interested', 'interview', 'hired')) AS contacted`,
        [fair.id],
      );
      return rows[0];
    };
    const first = await nextBoard();
    expect(first.totals).toEqual(await countsInDatabase());
    expect(first.totals.intents).toBe(5);
    expect(JSON.stringify(first)).not.toMatch(/黄师傅|Veteran Lu|displayName|phone/);
    const veteranLead = northAssembly.find((entry) => entry.candidateId === veteran);
    if (veteranLead === undefined) throw new Error('the veteran’s lead is not on the list');
    await api.http.patch(`/v1/matches/${veteranLead.matchId}`).set(bearer(north.apiKey)).send({ status: 'contacted' }).expect(200);
    const second = await nextBoard();
    expect(second.totals).toEqual(await countsInDatabase());
    expect(second.totals.contacted).toBe(first.totals.contacted + 1);
    controller.abort();

    // After the fair: the veteran went on to an interview; the other leads wait. Two days later the report
    // lists those nobody contacted, per caseworker, and their caseworkers are reminded once a day.
    await api.http.patch(`/v1/matches/${veteranLead.matchId}`).set(bearer(north.apiKey)).send({ status: 'interested' }).expect(200);
    await api.http.patch(`/v1/matches/${veteranLead.matchId}`).set(bearer(north.apiKey)).send({ status: 'interview' }).expect(200);
    await world.db.query(`UPDATE fair_intents SET first_tapped_at = now() - interval '49 hours' WHERE fair_id = $1`, [fair.id]);
    await api.http.get(`/v1/fairs/${fair.id}/report`).set(bearer(factory.apiKey)).expect(403);
    const report = (await api.http.get(`/v1/fairs/${fair.id}/report`).set(ADMIN).expect(200)).body;
    expect(report.totals).toEqual({ intents: 5, contacted: 1, interview: 1, hired: 0 });
    expect(report.employers).toEqual(
      expect.arrayContaining([
        { employerId: factory.id, name: 'Youjiang electronics', intents: 3, contacted: 1, interview: 1, hired: 0 },
        { employerId: hotel.id, name: 'Baise hotel group', intents: 2, contacted: 0, interview: 0, hired: 0 },
      ]),
    );
    expect(report.groups).toEqual([
      { group: 'rural_migrant', intents: 1, contacted: 0, interview: 0, hired: 0 },
      { group: 'veteran', intents: 1, contacted: 1, interview: 1, hired: 0 },
      { group: null, intents: 3, contacted: 0, interview: 0, hired: 0 },
    ]);
    expect(report.uncontactedAfter48h).toBe(4);
    expect((report.uncontacted as { caseworkerId: string; leads: number }[]).map((entry) => [entry.caseworkerId, entry.leads]).sort()).toEqual(
      [
        [north.id, 2],
        [south.id, 1],
        [desk.id, 1],
      ].sort(),
    );
    expect(JSON.stringify(report)).not.toMatch(/黄师傅|Veteran Lu|phone|displayName/);

    const reminders = notifier.get(FollowUpReminders);
    expect(await reminders.remindFairLeads()).toBe(3);
    expect(await reminders.remindFairLeads()).toBe(0);
    const northInbox = (await api.http.get('/v1/inbox').set(bearer(north.apiKey)).expect(200)).body as {
      type: string;
      payload: { matches: { candidateId: string }[] };
    }[];
    const reminder = northInbox.find((entry) => entry.type === 'fair_leads_reminder');
    expect(reminder?.payload.matches.map((entry) => entry.candidateId).sort()).toEqual([huang.candidateId, huang.candidateId]);

    // Erasing a newcomer forgets their phone: the same phone at the fair is someone new.
    await api.http.delete(`/v1/candidates/${southern.candidateId}`).set(bearer(south.apiKey)).expect(204);
    const { rows: phones } = await world.db.query(`SELECT 1 FROM viewer_phones WHERE candidate_id = $1`, [southern.candidateId]);
    expect(phones).toEqual([]);
    const again = (
      await intent({ openingId: reception, viewer: { displayName: 'Wei again', phone: '13900002222', location: SOUTH, consentJobs: true } }).expect(201)
    ).body;
    expect(again.candidateId).not.toBe(southern.candidateId);
    expect(again.registered).toBe(true);

    // A match the system withdrew earlier comes back as the lead when the person asks for that job.
    const withdrawnId = randomUUID();
    await world.db.query(
      `INSERT INTO matches (id, offer_kind, opening_id, candidate_id, caseworker_id, score, reasons, status, status_reason)
       VALUES ($1, 'opening', $2, $3, $4, 0.5, '[]', 'withdrawn', 'no_longer_fits')`,
      [withdrawnId, reception, veteran, north.id],
    );
    await intent({ openingId: reception, candidateId: veteran }).expect(201);
    await matcherCaughtUp(world);
    expect((await listOf(north.apiKey, reception)).find((entry) => entry.candidateId === veteran)).toMatchObject({
      matchId: withdrawnId,
      selfDeclared: true,
      status: 'proposed',
    });
    const { rows: history } = await world.db.query(`SELECT from_status, to_status, reason, changed_by_kind FROM match_status_history WHERE match_id = $1`, [
      withdrawnId,
    ]);
    expect(history).toEqual([{ from_status: 'withdrawn', to_status: 'proposed', reason: 'self_declared', changed_by_kind: 'system' }]);
  });
  it('takes a burst of 2,000 intents at a fair of 331 employers and 20,000 positions: every one taken, repeats merged, each a lead on its area’s list', async () => {
    const north = await caseworker('Burst north desk');
    const south = await caseworker('Burst south desk');
    const desk = await caseworker('Burst fair desk');
    const stream = await organization('Burst stream', 'partner');
    const EMPLOYERS = 331;
    const POSITIONS = 20_000;
    const inParallel = async <T>(count: number, width: number, task: (index: number) => Promise<T>): Promise<T[]> => {
      const results: T[] = new Array<T>(count);
      let next = 0;
      await Promise.all(
        Array.from({ length: width }, async () => {
          while (next < count) {
            const index = next++;
            results[index] = await task(index);
          }
        }),
      );
      return results;
    };
    const employers = await inParallel(EMPLOYERS, 8, (index) => organization(`Baise employer ${index}`, 'employer'));
    const fair = (
      await api.http
        .post('/v1/fairs')
        .set(ADMIN)
        .send({
          name: 'Baise fair at scale',
          startsAt: new Date(Date.now() - 600_000).toISOString(),
          endsAt: new Date(Date.now() + 3_600_000).toISOString(),
          location: DINGHAI_ROAD,
          employerIds: employers.map((employer) => employer.id),
          defaultCaseworkerId: desk.id,
          areas: [
            { caseworkerId: north.id, location: NORTH, radiusKm: 10 },
            { caseworkerId: south.id, location: SOUTH, radiusKm: 10 },
          ],
        })
        .expect(201)
    ).body as { id: string };
    // One opening each, the positions adding up to 20,000; far from everyone registered, so the engine
    // proposes no one to them and every match below is a lead.
    const far = { lat: DINGHAI_ROAD.lat + 3, lng: DINGHAI_ROAD.lng };
    const openings = await inParallel(EMPLOYERS, 8, async (index) => {
      const positions = Math.floor(POSITIONS / EMPLOYERS) + (index < POSITIONS % EMPLOYERS ? 1 : 0);
      const body = anOpening({ title: `Job ${index}`, targetGroups: ['veteran'], accessibilityFeatures: [], location: far, radiusKm: 1, positions });
      const id = (await api.http.post('/v1/openings').set(bearer(employers[index].apiKey)).send(body).expect(201)).body.id as string;
      await api.http
        .post(`/v1/fairs/${fair.id}/openings`)
        .set(bearer(employers[index].apiKey))
        .send({ openingIds: [id] })
        .expect(200);
      return id;
    });
    const attached = (await api.http.get(`/v1/fairs/${fair.id}/openings`).set(ADMIN).expect(200)).body as { positions: number }[];
    expect(attached).toHaveLength(EMPLOYERS);
    expect(attached.reduce((sum, opening) => sum + opening.positions, 0)).toBe(POSITIONS);

    // 1,600 viewers, a third in each area and a third giving no place; the first 400 tap a second time.
    const VIEWERS = 1_600;
    const places = [NORTH, SOUTH, null];
    const intentOf = (tap: number) => {
      const viewer = tap % VIEWERS;
      const place = places[viewer % 3];
      return {
        openingId: openings[viewer % EMPLOYERS],
        viewer: {
          displayName: `Viewer ${viewer}`,
          phone: `+86 137 ${String(viewer).padStart(8, '0')}`,
          consentJobs: true,
          ...(place === null ? {} : { location: place }),
        },
      };
    };
    const server = api.app.getHttpServer();
    if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const started = performance.now();
    const statuses = await inParallel(2_000, 64, async (tap) => {
      const response = await fetch(`http://127.0.0.1:${port}/v1/fairs/${fair.id}/intents`, {
        method: 'POST',
        headers: { ...bearer(stream.apiKey), 'content-type': 'application/json' },
        body: JSON.stringify(intentOf(tap)),
      });
      await response.arrayBuffer();
      return response.status;
    });
    console.log(`2,000 intents (64 at a time) taken in ${Math.round(performance.now() - started)} ms`);
    expect(statuses.filter((status) => status !== 201)).toEqual([]);

    const { rows } = await world.db.query<{ intents: number; taps: number; people: number; phones: number }>(
      `SELECT count(*)::int AS intents, sum(taps)::int AS taps, count(DISTINCT candidate_id)::int AS people,
              (SELECT count(*)::int FROM viewer_phones v JOIN fair_intents i ON i.candidate_id = v.candidate_id AND i.fair_id = $1) AS phones
         FROM fair_intents WHERE fair_id = $1`,
      [fair.id],
    );
    expect(rows[0]).toEqual({ intents: VIEWERS, taps: 2_000, people: VIEWERS, phones: VIEWERS });

    // Every intent a lead, on the list of the caseworker of the viewer's area.
    const expected = new Map([
      [north.id, Math.ceil(VIEWERS / 3)],
      [south.id, Math.floor((VIEWERS + 1) / 3)],
      [desk.id, Math.floor(VIEWERS / 3)],
    ]);
    await eventually(
      async () => {
        const { rows: leads } = await world.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM matches m JOIN fair_openings fo ON fo.opening_id = m.opening_id AND fo.fair_id = $1 WHERE m.self_declared_at IS NOT NULL`,
          [fair.id],
        );
        return leads[0].n === VIEWERS;
      },
      60_000,
      'every intent to become a lead',
    );
    for (const [caseworkerId, count] of expected) {
      const key = [north, south, desk].find((entry) => entry.id === caseworkerId)?.apiKey ?? '';
      const lists = (await api.http.get('/v1/candidate-lists').set(bearer(key)).expect(200)).body as CandidateList[];
      const leads = lists.filter((list) => openings.includes(list.offerId)).flatMap((list) => list.matches.filter((entry) => entry.selfDeclared));
      expect({ caseworkerId, leads: leads.length }).toEqual({ caseworkerId, leads: count });
    }

    // An employer sees the counts of its own opening only; the board adds up to the database.
    const board = (await api.http.get(`/v1/fairs/${fair.id}/board`).set(ADMIN).expect(200)).body as Board;
    expect(board.totals.intents).toBe(VIEWERS);
    expect(board.totals.matched).toBe(VIEWERS);
    expect(board.employers).toHaveLength(EMPLOYERS);
    const own = (await api.http.get(`/v1/fairs/${fair.id}/board`).set(bearer(employers[0].apiKey)).expect(200)).body as Board;
    expect(own.openings).toEqual([
      {
        openingId: openings[0],
        title: 'Job 0',
        employerId: employers[0].id,
        employerName: 'Baise employer 0',
        intents: board.openings[0].intents,
        matched: board.openings[0].matched,
        contacted: 0,
      },
    ]);
    expect(JSON.stringify(own)).not.toMatch(/Viewer|137 /);
  });
});
