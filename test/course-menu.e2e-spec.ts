import { ADMIN, DINGHAI_ROAD, aCandidate, aSlot, bearer, nextShanghaiDate, weekdays, without } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, matcherCaughtUp, startApi, startWorker } from './support/test-environment';

interface Notice {
  type: string;
  payload: Record<string, unknown>;
}

/** Minle county's micro-classrooms: workers order from a station's menu, the station schedules the course to the orders. */
describe('the course menu: orders, demand, and the course offered to those who ordered first', () => {
  let world: TestWorld;
  let api: RunningApi;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
    teardown.add(await startWorker(world, 'notifier'), (started) => started.close());
  });

  afterAll(() => teardown.run());

  it('ten orders make one course_demand with the windows that suit most; the course goes to them first; the report counts it', async () => {
    const union = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Minle county union', kind: 'merchant' }).expect(201)).body
      .apiKey as string;
    const other = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Another town', kind: 'merchant' }).expect(201)).body.apiKey as string;
    const desk = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Minle desk' }).expect(201)).body.apiKey as string;
    const place = { lat: DINGHAI_ROAD.lat + 0.5, lng: DINGHAI_ROAD.lng + 0.5 };
    const station = (
      await api.http.post('/v1/service-points').set(bearer(union)).send({ name: 'Worker station 3', kind: 'station', location: place }).expect(201)
    ).body.id as string;

    const topic = (
      await api.http.post('/v1/course-topics').set(bearer(union)).send({ servicePointId: station, title: 'Electrician skills', sessionMinutes: 90 }).expect(201)
    ).body;
    expect(topic).toMatchObject({ servicePointId: station, servicePointName: 'Worker station 3', threshold: 10, sessionMinutes: 90, openOrders: 0 });
    // Another organization cannot put a topic on this station's menu.
    await api.http.post('/v1/course-topics').set(bearer(other)).send({ servicePointId: station, title: 'Welding' }).expect(404);
    // Every role reads the menu.
    const menu = (await api.http.get(`/v1/course-topics?servicePointId=${station}`).set(bearer(desk)).expect(200)).body as { id: string }[];
    expect(menu.map((entry) => entry.id)).toEqual([topic.id]);

    // Twelve workers near the station, all with weekday lunch breaks; ten order the course with the times they
    // could come: seven on Wednesday evenings, three on Saturday mornings.
    const near = { lat: place.lat + 0.002, lng: place.lng };
    const person = (i: number, breaks = weekdays('12:00', '13:00')) =>
      aCandidate({ displayName: `Minle worker ${i}`, phone: `+86 139 0000 ${String(1000 + i)}`, groups: ['rural_migrant'], location: near, breaks });
    const people: string[] = [];
    for (let i = 0; i < 10; i++) people.push((await api.http.post('/v1/candidates').set(bearer(desk)).send(person(i)).expect(201)).body.id);
    // Two who did not order, free on Wednesday evenings by their breaks.
    const others: string[] = [];
    for (let i = 10; i < 12; i++) {
      others.push(
        (
          await api.http
            .post('/v1/candidates')
            .set(bearer(desk))
            .send(person(i, [{ day: 3, start: '18:00', end: '21:00' }]))
            .expect(201)
        ).body.id,
      );
    }
    const wednesdayEvening = [{ day: 3, start: '18:30', end: '21:30' }];
    const saturdayMorning = [{ day: 6, start: '09:00', end: '12:00' }];
    const order = (candidateId: string, freeWindows: unknown) =>
      api.http.post(`/v1/course-topics/${topic.id}/orders`).set(bearer(desk)).send({ candidateId, freeWindows });
    for (let i = 0; i < 9; i++) {
      const answer = await order(people[i], i < 7 ? wednesdayEvening : saturdayMorning).expect(201);
      expect(answer.body).toMatchObject({ status: 'open', demandId: null, openOrders: i + 1 });
    }
    // One waiting order per person and topic.
    expect((await order(people[0], wednesdayEvening).expect(409)).body.code).toBe('already_ordered');
    const tenth = (await order(people[9], saturdayMorning).expect(201)).body;
    expect(tenth).toMatchObject({ status: 'in_demand', openOrders: 0 });
    const demandId = tenth.demandId as string;

    // The station hears of it once: how many, and the windows that suit most; nobody's name or phone.
    const notice = await eventually(
      async () => ((await api.http.get('/v1/inbox').set(bearer(union)).expect(200)).body as Notice[]).find((entry) => entry.type === 'course_demand'),
      15_000,
      'the course_demand notification',
    );
    expect(notice.payload).toMatchObject({ demandId, orders: 10, topic: { id: topic.id, title: 'Electrician skills' }, servicePoint: { id: station } });
    expect(notice.payload.bestWindows).toEqual([
      { window: { day: 3, start: '18:30', end: '20:00' }, suits: 7 },
      { window: { day: 3, start: '20:00', end: '21:30' }, suits: 7 },
      { window: { day: 6, start: '09:00', end: '10:30' }, suits: 3 },
    ]);
    expect(JSON.stringify(notice)).not.toMatch(/Minle worker|139 0000/);
    const demand = (await api.http.get(`/v1/course-demands/${demandId}`).set(bearer(union)).expect(200)).body;
    expect(demand).toMatchObject({ orders: 10, slotId: null, bestWindows: notice.payload.bestWindows });
    await api.http.get(`/v1/course-demands/${demandId}`).set(bearer(other)).expect(404);

    // The station schedules it on the best window: next Wednesday 18:30-20:00, four seats (eight offers at most).
    const wednesday = nextShanghaiDate(3, 3);
    const course = {
      ...without(
        aSlot({ title: 'Electrician skills', kind: 'course', eligibleGroups: ['rural_migrant'], capacity: 4, offer: { price: 0 } }),
        'windows',
        'location',
      ),
      occurrences: [{ startsAt: `${wednesday}T18:30:00+08:00`, endsAt: `${wednesday}T20:00:00+08:00` }],
      courseDemandId: demandId,
    };
    await api.http.post(`/v1/service-points/${station}/slots`).set(bearer(other)).send(course).expect(404);
    const slot = (await api.http.post(`/v1/service-points/${station}/slots`).set(bearer(union)).send(course).expect(201)).body;
    expect(slot.courseDemandId).toBe(demandId);
    expect((await api.http.post(`/v1/service-points/${station}/slots`).set(bearer(union)).send(course).expect(409)).body.code).toBe('demand_scheduled');

    // The seven who ordered for Wednesday evenings are offered it (by the windows of their order, though
    // their breaks are at lunch), then one of the two others fills the eighth place; the Saturday orders wait.
    const offers = await eventually(
      async () => {
        const { rows } = await world.db.query<{ candidate_id: string; redemption_code: string }>(
          `SELECT candidate_id, redemption_code FROM matches WHERE slot_id = $1 AND status = 'proposed'`,
          [slot.id],
        );
        return rows.length === 8 ? rows : undefined;
      },
      15_000,
      'eight offers of the course',
    );
    await matcherCaughtUp(world);
    const offered = offers.map((row) => row.candidate_id);
    expect(offered).toEqual(expect.arrayContaining(people.slice(0, 7)));
    expect(offered.filter((id) => others.includes(id))).toHaveLength(1);
    expect(offered.filter((id) => people.slice(7).includes(id))).toEqual([]);

    // Explain judges an orderer by the windows of their order too.
    const explained = (await api.http.get(`/v1/candidates/${people[0]}/explain?slotId=${slot.id}`).set(bearer(desk)).expect(200)).body;
    expect(explained.rules.find((rule: { rule: string }) => rule.rule === 'break_overlap')).toMatchObject({ pass: true, bestOverlapMinutes: 90 });

    // One of them comes.
    const code = offers.find((row) => row.candidate_id === people[0])?.redemption_code;
    await api.http.post(`/v1/slots/${slot.id}/redemptions`).set(bearer(union)).send({ code }).expect(201);
    const report = (await api.http.get('/v1/reports/course-demand').set(bearer(union)).expect(200)).body;
    expect(report).toEqual([
      {
        topicId: topic.id,
        title: 'Electrician skills',
        servicePointId: station,
        servicePointName: 'Worker station 3',
        threshold: 10,
        openOrders: 0,
        awaitingSchedule: 0,
        scheduled: 10,
        attended: 1,
        demands: 1,
        coursesScheduled: 1,
      },
    ]);
    expect((await api.http.get('/v1/reports/course-demand').set(bearer(other)).expect(200)).body).toEqual([]);
    await api.http.get('/v1/reports/course-demand').set(bearer(desk)).expect(403);
  });
});
