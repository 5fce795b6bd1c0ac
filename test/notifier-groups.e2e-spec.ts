import type { INestApplicationContext } from '@nestjs/common';
import { type EventJobData, QueueName, redisOptions } from '@huigong/messaging';
import { Queue } from 'bullmq';
import type { Job } from 'bullmq';
import { NotificationsProcessor } from '../apps/notifier/src/notifications.processor';
import { ADMIN, DINGHAI_ROAD, aCandidate, anOpening, bearer, weekdays } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, startApi, startWorker } from './support/test-environment';

/**
 * The notifier handles the MatchesProposed events it takes at about the same moment in one transaction:
 * each event recorded once, a duplicate of one recorded nothing, every delivery announced under the
 * correlation id of its own event. Real PostgreSQL and Redis; the notifications queue is paused so that the
 * test hands the events to the notifier's processor itself, all at once.
 */
describe('the notifier, several events at once', () => {
  let world: TestWorld;
  let api: RunningApi;
  let notifier: INestApplicationContext;
  let queue: Queue;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld({ webhookAllowedHosts: '127.0.0.1', env: { DIGEST_AFTER_LISTS: 'off' } }), (started) => started.destroy());
    queue = teardown.add(
      new Queue(QueueName.Notifications, { connection: redisOptions(world.config.redisUrl, 'worker'), prefix: world.config.queuePrefix }),
      (q) => q.close(),
    );
    await queue.pause();
    api = teardown.add(await startApi(world), (started) => started.close());
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
    notifier = teardown.add(await startWorker(world, 'notifier'), (started) => started.close());
  });

  afterAll(() => teardown.run());

  it('records each once in one transaction, a duplicate not at all, and announces each one’s deliveries under its own correlation id', async () => {
    const desk = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Veterans desk', webhookUrl: 'http://127.0.0.1:9/lists' }).expect(201))
      .body as {
      apiKey: string;
    };
    const employer = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Assembly works', kind: 'employer' }).expect(201)).body as {
      apiKey: string;
    };
    for (let i = 0; i < 3; i++) {
      await api.http
        .post('/v1/candidates')
        .set(bearer(desk.apiKey))
        .send(
          aCandidate({
            displayName: `Veteran ${i}`,
            externalRef: `VET-${i}`,
            groups: ['veteran'],
            skills: ['assembly'],
            availability: weekdays('08:00', '16:00'),
            location: { lat: DINGHAI_ROAD.lat + i * 0.001, lng: DINGHAI_ROAD.lng },
          }),
        )
        .expect(201);
    }
    const openings: string[] = [];
    for (let i = 0; i < 4; i++) {
      openings.push(
        (
          await api.http
            .post('/v1/openings')
            .set(bearer(employer.apiKey))
            .send(anOpening({ title: `Line ${i}` }))
            .set('X-Request-Id', `post-opening-${i}`)
            .expect(201)
        ).body.id as string,
      );
    }
    // The matcher proposes; its MatchesProposed events wait in the paused queue (one per opening at least).
    let waiting: Job<EventJobData<'MatchesProposed'>>[] = [];
    await eventually(
      async () => {
        waiting = (await queue.getWaiting()) as Job<EventJobData<'MatchesProposed'>>[];
        return new Set(waiting.map((job) => job.data.payload.offerId)).size === openings.length;
      },
      20_000,
      'a MatchesProposed per opening',
    );
    const events = waiting.map((job) => job.data);
    const processor = notifier.get(NotificationsProcessor);
    const asJob = (data: EventJobData<'MatchesProposed'>) => ({ data }) as Job<EventJobData<'MatchesProposed'>>;

    // All at once, and the first one twice (a job delivered again while the first is handled).
    const results = await Promise.all([...events, events[0]].map((event) => processor.process(asJob(event))));

    expect(results.filter((result) => result.handled)).toHaveLength(events.length);
    const { rows: lists } = await world.db.query<{ dedupe_key: string; tx: string }>(
      `SELECT dedupe_key, xmin::text AS tx FROM notifications WHERE type = 'candidate_list' ORDER BY dedupe_key`,
    );
    // candidate_list:<event id>:<caseworker id>, one per event.
    expect(lists.map((list) => list.dedupe_key.split(':')[1]).sort()).toEqual(events.map((event) => event.eventId).sort());
    expect(lists).toHaveLength(events.length);
    expect(new Set(lists.map((list) => list.tx)).size).toBe(1);
    // Each event's deliveries are announced under its own correlation id (that of the POST that caused it).
    const { rows: announced } = await world.db.query<{ correlation_id: string; delivery_ids: string[] }>(
      `SELECT correlation_id, ARRAY(SELECT jsonb_array_elements_text(payload->'deliveryIds')) AS delivery_ids FROM outbox_events WHERE event_name = 'DeliveriesRequested'`,
    );
    expect(announced.map((row) => row.correlation_id).sort()).toEqual(events.map((event) => event.correlationId).sort());
    expect(events.every((event) => event.correlationId.startsWith('post-opening-'))).toBe(true);
    const { rows: deliveredTo } = await world.db.query<{ delivery_id: string; correlation_id: string }>(
      `SELECT d.id AS delivery_id, e.correlation_id
         FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
         JOIN outbox_events e ON e.event_name = 'MatchesProposed' AND n.dedupe_key LIKE '%' || (e.id::text) || '%'`,
    );
    for (const row of announced) {
      for (const deliveryId of row.delivery_ids)
        expect(deliveredTo.find((delivered) => delivered.delivery_id === deliveryId)?.correlation_id).toBe(row.correlation_id);
    }

    // Handled again (the queue's own jobs, once resumed): nothing new.
    const again = await Promise.all(events.map((event) => processor.process(asJob(event))));
    expect(again.every((result) => !result.handled)).toBe(true);
    expect((await world.db.query(`SELECT 1 FROM notifications WHERE type = 'candidate_list'`)).rowCount).toBe(events.length);
  });
});
