import type { INestApplicationContext } from '@nestjs/common';
import { Webhook } from 'standardwebhooks';
import { ADMIN, DINGHAI_ROAD, aCandidate, aSlot, bearer, weekdays } from './support/builders';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, startApi, startWorker } from './support/test-environment';
import { WebhookSink } from './support/webhook-sink';
import { QueueName, redisOptions } from '@huigong/messaging';
import { Queue } from 'bullmq';
import { FollowUpReminders } from '../apps/notifier/src/follow-up-reminders';

/** Notifications, from a match to a signed webhook, against real PostgreSQL and Redis and a local receiver. */
describe('notifications', () => {
  let world: TestWorld;
  let api: RunningApi;
  let notifier: INestApplicationContext;
  let sink: WebhookSink;

  const teardown = new Teardown();

  beforeAll(async () => {
    sink = teardown.add(await WebhookSink.start(), (started) => started.close());
    world = teardown.add(await createTestWorld({ webhookAllowedHosts: '127.0.0.1', env: { DELIVERY_RETRY_FIRST_DELAY_SECONDS: '0.2' } }), (started) =>
      started.destroy(),
    );
    api = teardown.add(await startApi(world), (started) => started.close());
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
    notifier = teardown.add(await startWorker(world, 'notifier'), (started) => started.close());
  });

  afterAll(() => teardown.run());

  async function party(kind: 'employer' | 'merchant' | 'caseworker', name: string, path: string) {
    const route = kind === 'caseworker' ? '/v1/caseworkers' : '/v1/organizations';
    const body = kind === 'caseworker' ? { name, webhookUrl: `${sink.url}${path}` } : { name, kind, webhookUrl: `${sink.url}${path}` };
    return (await api.http.post(route).set(ADMIN).send(body).expect(201)).body as { id: string; apiKey: string; webhookSecret: string };
  }

  it('tells the caseworker who matched and why, the merchant how many, the worker their offer; each signed, none with personal data for the merchant', async () => {
    const canteen = await party('merchant', 'Dinghai canteen', '/merchant-1');
    const caseworker = await party('caseworker', 'Riders desk', '/caseworker-1');
    const rider = aCandidate({
      displayName: 'Rider Zhou',
      phone: '+86 139 1111 2222',
      groups: ['rider', 'hardship'],
      accessibilityNeeds: [],
      breaks: weekdays('12:45', '14:15'),
      location: { lat: DINGHAI_ROAD.lat + 0.002, lng: DINGHAI_ROAD.lng },
    });
    const person = (await api.http.post('/v1/candidates').set(bearer(caseworker.apiKey)).send(rider).expect(201)).body.id;
    const slot = (await api.http.post('/v1/slots').set(bearer(canteen.apiKey)).send(aSlot()).expect(201)).body.id;

    await eventually(() => sink.to('/caseworker-1').length >= 1 && sink.to('/merchant-1').length >= 1, 20_000, 'both webhooks');
    const [list] = sink.to('/caseworker-1');
    const [summary] = sink.to('/merchant-1');
    // Any Standard Webhooks receiver can verify them with a stock library.
    const listed = new Webhook(caseworker.webhookSecret).verify(list.body, list.headers as Record<string, string>) as {
      type: string;
      payload: { offer: { id: string }; matches: { candidateId: string; displayName: string; reasons: { code: string }[] }[] };
    };
    const counted = new Webhook(canteen.webhookSecret).verify(summary.body, summary.headers as Record<string, string>) as {
      type: string;
      payload: Record<string, unknown>;
    };
    expect(listed.type).toBe('candidate_list');
    expect(listed.payload.offer.id).toBe(slot);
    expect(listed.payload.matches).toEqual([expect.objectContaining({ candidateId: person, displayName: 'Rider Zhou' })]);
    expect(counted).toMatchObject({ type: 'match_summary', payload: { offer: { id: slot }, newMatches: 1, summary: { proposed: 1 } } });
    // The merchant learns counts, never who: no name, phone, group or need.
    // The phone in whole, with or without its spaces: its bits ("139", "1111") turn up by chance in random ids.
    for (const secret of ['Zhou', '139 1111 2222', '13911112222', 'rider', 'hardship', 'wheelchair', person]) expect(summary.body).not.toContain(secret);
    expect(() => new Webhook(canteen.webhookSecret).verify(list.body, list.headers as Record<string, string>)).toThrow();

    // Without a worker gateway the offer stays in the API, with a zh-CN text and the redemption code, and no groups.
    const { rows: offers } = await world.db.query(`SELECT payload FROM notifications WHERE type = 'offer' AND recipient_id = $1`, [person]);
    expect(offers).toHaveLength(1);
    expect(offers[0].payload.text).toMatch(/七折/);
    expect(offers[0].payload.redemptionCode).toMatch(/^[A-Z2-9]{8}$/);
    expect(JSON.stringify(offers[0].payload)).not.toMatch(/rider|hardship|Zhou|139/);

    // The inboxes show the same.
    const inbox = (await api.http.get('/v1/inbox').set(bearer(caseworker.apiKey)).expect(200)).body;
    expect(inbox.map((entry: { type: string }) => entry.type)).toEqual(['candidate_list']);
    const merchantInbox = (await api.http.get('/v1/inbox').set(bearer(canteen.apiKey)).expect(200)).body;
    expect(merchantInbox.map((entry: { type: string }) => entry.type)).toEqual(['match_summary']);
  });

  it('folds a burst of candidate lists into one digest: the first three ring the webhook, the rest arrive together when the window ends', async () => {
    const employer = await party('employer', 'Job fair hall', '/employer-digest');
    const caseworker = await party('caseworker', 'Job fair desk', '/caseworker-digest');
    await api.http
      .post('/v1/candidates')
      .set(bearer(caseworker.apiKey))
      .send(
        aCandidate({
          displayName: 'Seeker Lan',
          groups: ['laid_off'],
          availability: weekdays('08:00', '17:00'),
          location: { lat: DINGHAI_ROAD.lat - 0.01, lng: DINGHAI_ROAD.lng },
        }),
      )
      .expect(201);
    const openings: string[] = [];
    for (let i = 0; i < 5; i++) {
      openings.push(
        (
          await api.http
            .post('/v1/openings')
            .set(bearer(employer.apiKey))
            .send({ title: `Fair job ${i}`, targetGroups: ['laid_off'], location: DINGHAI_ROAD, shifts: weekdays('09:00', '17:00'), positions: 1 })
            .expect(201)
        ).body.id,
      );
      // One after the other, as a fair's employers post through the morning.
      await eventually(
        async () =>
          (await world.db.query(`SELECT 1 FROM notifications WHERE type = 'candidate_list' AND recipient_id = $1`, [caseworker.id])).rows.length === i + 1,
        15_000,
        `list ${i + 1}`,
      );
    }

    // The inbox has every list at once; the webhook had the first three, one by one.
    const inbox = (await api.http.get('/v1/inbox').set(bearer(caseworker.apiKey)).expect(200)).body as { type: string; payload: { offer?: { id: string } } }[];
    expect(inbox.filter((entry) => entry.type === 'candidate_list')).toHaveLength(5);
    await eventually(() => sink.to('/caseworker-digest').length >= 3, 15_000, 'the first three lists');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sink.to('/caseworker-digest').map((request) => JSON.parse(request.body).type)).toEqual(['candidate_list', 'candidate_list', 'candidate_list']);

    // The other two wait in the digest of this window (or, across a window's edge, of two), counts and offers only.
    const { rows: digests } = await world.db.query(
      `SELECT n.payload, d.not_before, d.status FROM notifications n JOIN notification_deliveries d ON d.notification_id = n.id WHERE n.type = 'candidate_digest' AND n.recipient_id = $1`,
      [caseworker.id],
    );
    expect(digests.flatMap((row) => row.payload.lists.map((list: { offer: { id: string } }) => list.offer.id)).sort()).toEqual(openings.slice(3).sort());
    expect(digests.every((row) => row.status === 'pending' && new Date(row.not_before).getTime() > Date.now())).toBe(true);
    expect(JSON.stringify(digests)).not.toContain('Seeker Lan');

    // The window ends (brought forward here): one signed digest arrives, listing both.
    await world.db.query(
      `UPDATE notification_deliveries d SET not_before = now() FROM notifications n WHERE n.id = d.notification_id AND n.type = 'candidate_digest' AND n.recipient_id = $1`,
      [caseworker.id],
    );
    const queue = new Queue(QueueName.Deliveries, { connection: redisOptions(world.config.redisUrl, 'worker'), prefix: world.config.queuePrefix });
    for (const job of await queue.getDelayed()) await job.promote();
    await queue.close();
    await eventually(() => sink.to('/caseworker-digest').length === 3 + digests.length, 15_000, 'the digest');
    const delivered = sink
      .to('/caseworker-digest')
      .slice(3)
      .map(
        (request) =>
          new Webhook(caseworker.webhookSecret).verify(request.body, request.headers as Record<string, string>) as {
            type: string;
            payload: { candidates: number; lists: { offer: { id: string } }[] };
          },
      );
    expect(delivered.every((message) => message.type === 'candidate_digest')).toBe(true);
    expect(delivered.reduce((sum, message) => sum + message.payload.candidates, 0)).toBe(2);
    expect(delivered.flatMap((message) => message.payload.lists.map((list) => list.offer.id)).sort()).toEqual(openings.slice(3).sort());
  });

  it('retries a receiver that answered 500 with the same webhook-id, and records one notification', async () => {
    const employer = await party('employer', 'Retry plant', '/employer-2');
    const caseworker = await party('caseworker', 'Retry desk', '/caseworker-2');
    sink.answer('/caseworker-2', 500);
    await api.http
      .post('/v1/candidates')
      .set(bearer(caseworker.apiKey))
      .send(aCandidate({ displayName: 'Veteran Wu', groups: ['veteran'], availability: weekdays('08:00', '16:00') }))
      .expect(201);
    const opening = (
      await api.http
        .post('/v1/openings')
        .set(bearer(employer.apiKey))
        .send({ title: 'Retry job', targetGroups: ['veteran'], location: DINGHAI_ROAD, shifts: weekdays('08:00', '16:00'), positions: 1 })
        .expect(201)
    ).body.id;

    await eventually(() => sink.to('/caseworker-2').length >= 2, 20_000, 'the retry');
    const attempts = sink.to('/caseworker-2');
    expect(attempts.map((attempt) => attempt.headers['webhook-id'])).toEqual([attempts[0].headers['webhook-id'], attempts[0].headers['webhook-id']]);
    // The receiver has the request before the worker writes down the answer: wait for the row to settle.
    const rows = await eventually(
      async () => {
        const { rows } = await world.db.query(
          `SELECT n.id, d.status, d.attempts FROM notifications n JOIN notification_deliveries d ON d.notification_id = n.id
          WHERE n.type = 'candidate_list' AND n.payload->'offer'->>'id' = $1`,
          [opening],
        );
        return rows.every((row) => row.status !== 'pending') ? rows : undefined;
      },
      15_000,
      'the delivery to be settled',
    );
    expect(rows).toEqual([{ id: attempts[0].headers['webhook-id'], status: 'delivered', attempts: 2 }]);
  });

  it('reminds a caseworker, once a week, of proposals that have not moved for 7 days', async () => {
    const employer = await party('employer', 'Slow plant', '/employer-4');
    const caseworker = await party('caseworker', 'Slow desk', '/caseworker-4');
    const person = (
      await api.http
        .post('/v1/candidates')
        .set(bearer(caseworker.apiKey))
        .send(aCandidate({ displayName: 'Waiting Lin', groups: ['reassignment'], availability: weekdays('08:00', '16:00') }))
        .expect(201)
    ).body.id;
    await api.http
      .post('/v1/openings')
      .set(bearer(employer.apiKey))
      .send({ title: 'Slow job', targetGroups: ['reassignment'], location: DINGHAI_ROAD, shifts: weekdays('08:00', '16:00'), positions: 1 })
      .expect(201);
    const match = await eventually(
      async () => {
        const { rows } = await world.db.query(`SELECT id FROM matches WHERE candidate_id = $1`, [person]);
        return rows[0]?.id as string | undefined;
      },
      15_000,
      'the match',
    );
    const reminders = notifier.get(FollowUpReminders, { strict: false });
    const before = await reminders.remind();
    await world.db.query(`UPDATE matches SET updated_at = now() - interval '8 days' WHERE id = $1`, [match]);
    expect(await reminders.remind()).toBe(before + 1);
    expect(await reminders.remind()).toBe(0);
    const inbox = (await api.http.get('/v1/inbox').set(bearer(caseworker.apiKey)).expect(200)).body;
    const reminder = inbox.find((entry: { type: string }) => entry.type === 'reminder');
    expect(reminder.payload).toMatchObject({
      afterDays: 7,
      matches: [{ matchId: match, candidateId: person, displayName: 'Waiting Lin', offer: { title: 'Slow job' } }],
    });
    await eventually(() => sink.to('/caseworker-4').some((request) => request.body.includes('"type":"reminder"')), 15_000, 'the reminder webhook');
  });

  it('switches a webhook off when its receiver answers 410 Gone', async () => {
    const employer = await party('employer', 'Gone plant', '/employer-3');
    sink.answer('/employer-3', 410);
    const caseworker = await party('caseworker', 'Gone desk', '/caseworker-3');
    await api.http
      .post('/v1/candidates')
      .set(bearer(caseworker.apiKey))
      .send(aCandidate({ displayName: 'Seeker Qian', groups: ['laid_off'], availability: weekdays('08:00', '16:00') }))
      .expect(201);
    await api.http
      .post('/v1/openings')
      .set(bearer(employer.apiKey))
      .send({ title: 'Gone job', targetGroups: ['laid_off'], location: DINGHAI_ROAD, shifts: weekdays('08:00', '16:00'), positions: 1 })
      .expect(201);
    const disabled = await eventually(
      async () => {
        const { rows } = await world.db.query(
          `SELECT o.webhook_disabled_at FROM organizations o
          WHERE o.id = $1 AND EXISTS (SELECT 1 FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
                                       WHERE n.recipient_id = o.id AND d.status = 'disabled')`,
          [employer.id],
        );
        return rows[0]?.webhook_disabled_at ?? undefined;
      },
      20_000,
      'the webhook and its delivery to be switched off',
    );
    expect(disabled).toBeInstanceOf(Date);
    expect(sink.to('/employer-3')).toHaveLength(1);

    // The admin sees it, never its payload, and replays it once the receiver is back: same webhook-id.
    const listed = (await api.http.get('/v1/deliveries').query({ status: 'disabled' }).set(ADMIN).expect(200)).body;
    const gone = listed.find((delivery: { recipientId: string }) => delivery.recipientId === employer.id);
    expect(gone).toMatchObject({ type: 'match_summary', channel: 'webhook', status: 'disabled', lastStatusCode: 410 });
    expect(gone).not.toHaveProperty('payload');
    await api.http.get('/v1/deliveries').set(bearer(caseworker.apiKey)).expect(403);
    await api.http.post(`/v1/deliveries/${gone.deliveryId}/replay`).set(ADMIN).expect(200, { deliveryId: gone.deliveryId, status: 'pending' });
    await eventually(() => sink.to('/employer-3').length === 2, 20_000, 'the replay');
    const [first, again] = sink.to('/employer-3');
    expect(again.headers['webhook-id']).toBe(first.headers['webhook-id']);
    const { rows } = await world.db.query(`SELECT webhook_disabled_at FROM organizations WHERE id = $1`, [employer.id]);
    expect(rows[0].webhook_disabled_at).toBeNull();
    // Nothing left to replay: 404.
    await api.http.post(`/v1/deliveries/${gone.deliveryId}/replay`).set(ADMIN).expect(404);
  });
});

describe('offers to workers through the gateway, within their budget', () => {
  const GATEWAY_SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;

  async function worldWith(env: Record<string, string>) {
    const sink = await WebhookSink.start();
    const world = await createTestWorld({ env: { WORKER_GATEWAY_URL: `${sink.url}/gateway`, WORKER_GATEWAY_SECRET: GATEWAY_SECRET, ...env } });
    const api = await startApi(world);
    const matcher = await startWorker(world, 'matcher');
    const notifier = await startWorker(world, 'notifier');
    const close = async () => {
      await notifier.close();
      await matcher.close();
      await api.close();
      await world.destroy();
      await sink.close();
    };
    return { sink, world, api, close };
  }

  async function riderAndTwoSlots(
    api: RunningApi,
    breaks: { day: number; start: string; end: string }[],
    windows: { day: number; start: string; end: string }[],
  ) {
    const merchant = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Canteens', kind: 'merchant' }).expect(201)).body.apiKey;
    const caseworker = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Riders desk' }).expect(201)).body.apiKey;
    const rider = (
      await api.http
        .post('/v1/candidates')
        .set(bearer(caseworker))
        .send(aCandidate({ displayName: 'Rider Sun', phone: '+86 137 0000 1234', groups: ['rider'], breaks }))
        .expect(201)
    ).body.id;
    for (const title of ['Canteen one', 'Canteen two']) await api.http.post('/v1/slots').set(bearer(merchant)).send(aSlot({ title, windows })).expect(201);
    return rider;
  }

  it('sends a worker at most the daily cap, signed for the gateway; the rest waits for the next day, or is dropped with the reason', async () => {
    const { sink, world, api, close } = await worldWith({ OFFER_DAILY_CAP: '1', OFFER_QUIET_HOURS: 'off' });
    try {
      const everyDay = [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '00:00' }));
      const rider = await riderAndTwoSlots(api, everyDay, everyDay);
      const held = await eventually(
        async () => {
          const { rows } = await world.db.query(
            `SELECT d.status, d.last_error FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.recipient_id = $1 ORDER BY d.status`,
            [rider],
          );
          return rows.length === 2 && rows.some((row) => row.status === 'delivered') && rows.some((row) => /held back \(daily_cap\)/.test(row.last_error ?? ''))
            ? rows
            : undefined;
        },
        20_000,
        'one offer sent and one held back',
      );
      // The second offer is for today's window, which ends at local midnight, when the cap resets: it cannot
      // be sent in time, so it is dropped, with the reason kept.
      expect(held).toEqual([
        { status: 'delivered', last_error: null },
        { status: 'dropped', last_error: 'held back (daily_cap) past the end of the offer' },
      ]);
      const sent = sink.to('/gateway');
      expect(sent).toHaveLength(1);
      const delivered = new Webhook(GATEWAY_SECRET).verify(sent[0].body, sent[0].headers as Record<string, string>) as {
        type: string;
        recipient: { candidateId: string; phone: string };
        payload: { text: string };
      };
      expect(delivered).toMatchObject({ type: 'offer', recipient: { candidateId: rider, phone: '+86 137 0000 1234' } });
      expect(delivered.payload.text).toMatch(/七折/);
      expect(sent[0].body).not.toMatch(/rider/);
    } finally {
      await close();
    }
  });

  it('sends nothing in quiet hours: the offer waits for them to end, or is dropped if its window closes first', async () => {
    // Quiet hours from an hour ago to an hour from now, in the deployment's time zone.
    const clock = (offsetMinutes: number) =>
      new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Shanghai', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(
        new Date(Date.now() + offsetMinutes * 60_000),
      );
    const { sink, world, api, close } = await worldWith({ OFFER_QUIET_HOURS: `${clock(-60)}-${clock(60)}` });
    try {
      const everyDay = [1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '00:00' }));
      const rider = await riderAndTwoSlots(api, everyDay, everyDay);
      const rows = await eventually(
        async () => {
          const { rows } = await world.db.query(
            `SELECT d.status, d.last_error FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.recipient_id = $1`,
            [rider],
          );
          return rows.length === 2 && rows.every((row) => /quiet_hours/.test(row.last_error ?? '')) ? rows : undefined;
        },
        20_000,
        'both offers held for quiet hours',
      );
      expect(rows.every((row) => row.status === 'pending' || row.status === 'dropped')).toBe(true);
      expect(sink.to('/gateway')).toHaveLength(0);
    } finally {
      await close();
    }
  });
});
