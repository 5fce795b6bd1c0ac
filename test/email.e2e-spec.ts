import type { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import { QueueName, redisOptions } from '@huigong/messaging';
import { FollowUpReminders } from '../apps/notifier/src/follow-up-reminders';
import { ADMIN, DINGHAI_ROAD, aCandidate, aSlot, bearer, weekdays } from './support/builders';
import { SmtpSink } from './support/smtp-sink';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, startApi, startWorker } from './support/test-environment';
import { WebhookSink } from './support/webhook-sink';

const FROM = '惠工 <noreply@union.example>';

/** Notifications by mail, through a real local SMTP server, against real PostgreSQL and Redis. */
describe('email notifications', () => {
  let smtp: SmtpSink;
  let hooks: WebhookSink;
  let world: TestWorld;
  let api: RunningApi;
  let notifier: INestApplicationContext;
  const teardown = new Teardown();

  beforeAll(async () => {
    smtp = teardown.add(await SmtpSink.start(), (started) => started.close());
    hooks = teardown.add(await WebhookSink.start(), (started) => started.close());
    world = teardown.add(
      await createTestWorld({
        webhookAllowedHosts: '127.0.0.1',
        // A caseworker's second list within ten minutes goes into the digest.
        env: { SMTP_URL: smtp.url, SMTP_FROM: FROM, DELIVERY_RETRY_FIRST_DELAY_SECONDS: '0.2', DIGEST_AFTER_LISTS: '1' },
      }),
      (started) => started.destroy(),
    );
    api = teardown.add(await startApi(world), (started) => started.close());
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
    notifier = teardown.add(await startWorker(world, 'notifier'), (started) => started.close());
  });

  afterAll(() => teardown.run());

  async function caseworker(name: string, extra: Record<string, unknown> = {}) {
    return (
      await api.http
        .post('/v1/caseworkers')
        .set(ADMIN)
        .send({ name, ...extra })
        .expect(201)
    ).body as { id: string; apiKey: string; email: string | null };
  }

  async function organization(name: string, kind: 'employer' | 'merchant', extra: Record<string, unknown> = {}) {
    return (
      await api.http
        .post('/v1/organizations')
        .set(ADMIN)
        .send({ name, kind, ...extra })
        .expect(201)
    ).body as { id: string; apiKey: string; email: string | null };
  }

  async function opening(employerKey: string, title: string, group: string) {
    return (
      await api.http
        .post('/v1/openings')
        .set(bearer(employerKey))
        .send({ title, targetGroups: [group], location: DINGHAI_ROAD, shifts: weekdays('08:00', '16:00'), positions: 1 })
        .expect(201)
    ).body.id as string;
  }

  async function deliveries(
    recipientId: string,
  ): Promise<
    { id: string; channel: string; status: string; attempts: number; last_status_code: number | null; last_error: string | null; notification_id: string }[]
  > {
    return (
      await world.db.query(
        `SELECT d.id, d.channel, d.status, d.attempts, d.last_status_code, d.last_error, d.notification_id
         FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE n.recipient_id = $1 ORDER BY d.created_at`,
        [recipientId],
      )
    ).rows;
  }

  /** Runs the delayed delivery jobs (retries, digests) now instead of when they are due. */
  async function promoteDelayed(): Promise<void> {
    const queue = new Queue(QueueName.Deliveries, { connection: redisOptions(world.config.redisUrl, 'worker'), prefix: world.config.queuePrefix });
    for (const job of await queue.getDelayed()) await job.promote().catch(() => undefined);
    await queue.close();
  }

  it('takes an email address for caseworkers and organizations, and refuses one that is not', async () => {
    expect((await caseworker('Address desk', { email: 'desk@union.example' })).email).toBe('desk@union.example');
    expect((await caseworker('No address desk')).email).toBeNull();
    expect((await organization('Address canteen', 'merchant', { email: 'canteen@shop.example' })).email).toBe('canteen@shop.example');
    for (const [route, body] of [
      ['/v1/caseworkers', { name: 'Bad desk', email: 'not an address' }],
      ['/v1/organizations', { name: 'Bad plant', kind: 'employer', email: 'plant@' }],
    ] as const) {
      const refused = await api.http.post(route).set(ADMIN).send(body).expect(400);
      expect(refused.body.details).toEqual([expect.objectContaining({ field: 'email' })]);
    }
  });

  it('mails the caseworker their candidates by name and the merchant counts only, and the inboxes still have both', async () => {
    const canteen = await organization('Dinghai canteen', 'merchant', { email: 'canteen@dinghai.example' });
    const desk = await caseworker('Riders desk', { email: 'riders@union.example' });
    const rider = aCandidate({
      displayName: 'Rider Zhou',
      phone: '+86 139 1111 2222',
      groups: ['rider', 'hardship'],
      accessibilityNeeds: ['wheelchair'],
      breaks: weekdays('12:45', '14:15'),
      location: { lat: DINGHAI_ROAD.lat + 0.002, lng: DINGHAI_ROAD.lng },
    });
    const person = (await api.http.post('/v1/candidates').set(bearer(desk.apiKey)).send(rider).expect(201)).body.id as string;
    const slot = (
      await api.http
        .post('/v1/slots')
        .set(bearer(canteen.apiKey))
        .send(aSlot({ title: 'Rider special lunch', accessibilityFeatures: ['wheelchair'] }))
        .expect(201)
    ).body.id as string;

    await eventually(() => smtp.to('riders@union.example').length >= 1 && smtp.to('canteen@dinghai.example').length >= 1, 20_000, 'both mails');
    const [list] = smtp.to('riders@union.example');
    const [summary] = smtp.to('canteen@dinghai.example');

    // The caseworker's mail names their candidate, with score and reasons in words (zh-CN by default).
    expect(list.from).toBe(FROM);
    expect(list.subject).toBe('优惠时段「Rider special lunch」有 1 位候选人');
    expect(list.text).toMatch(/1\. Rider Zhou（匹配度 \d+%）/);
    expect(list.text).toContain('距离约 0.22 公里');

    // The merchant's mail has counts, and nothing of the person: no name, phone, group or need.
    expect(summary.subject).toBe('优惠时段「Rider special lunch」新增 1 个匹配');
    expect(summary.text).toContain('- 已推荐：1');
    // The raw headers too, but for the random Message-ID and the Date (digits by chance); the body is the text.
    const headers = summary.raw
      .split(/\r?\n\r?\n/)[0]
      .split(/\r?\n/)
      .filter((line) => !/^(Message-ID|Date):/i.test(line))
      .join('\n');
    for (const secret of ['Zhou', '139', '1111', '2222', 'rider', 'hardship', 'wheelchair', '骑手', '困难', '轮椅', person]) {
      expect(`${summary.subject}\n${summary.text}`).not.toContain(secret);
      expect(headers).not.toContain(secret);
    }

    // The inboxes have the same notifications, and each mail's Message-ID is its notification's id.
    const inbox = (await api.http.get('/v1/inbox').set(bearer(desk.apiKey)).expect(200)).body as {
      id: string;
      type: string;
      payload: { offer: { id: string } };
    }[];
    expect(inbox.map((entry) => [entry.type, entry.payload.offer.id])).toEqual([['candidate_list', slot]]);
    expect(list.messageId).toBe(`<${inbox[0].id}@union.example>`);
    const merchantInbox = (await api.http.get('/v1/inbox').set(bearer(canteen.apiKey)).expect(200)).body as { id: string; type: string }[];
    expect(merchantInbox.map((entry) => entry.type)).toEqual(['match_summary']);
    expect(summary.messageId).toBe(`<${merchantInbox[0].id}@union.example>`);

    // Delivered by mail only (neither has a webhook), each sent once.
    await eventually(async () => (await deliveries(desk.id)).every((row) => row.status === 'delivered'), 10_000, 'the deliveries to settle');
    expect((await deliveries(desk.id)).map((row) => [row.channel, row.status, row.last_status_code])).toEqual([['email', 'delivered', 250]]);
    expect((await deliveries(canteen.id)).map((row) => [row.channel, row.status])).toEqual([['email', 'delivered']]);
    expect(smtp.to('riders@union.example')).toHaveLength(1);
  });

  it('tries again after a temporary failure, with the same Message-ID, and the mail is delivered once', async () => {
    const plant = await organization('Retry plant', 'employer', { email: 'hr@retry-plant.example' });
    const desk = await caseworker('Retry desk');
    smtp.refuse('hr@retry-plant.example', 'data', 451);
    await api.http
      .post('/v1/candidates')
      .set(bearer(desk.apiKey))
      .send(aCandidate({ displayName: 'Veteran Wu', groups: ['veteran'], availability: weekdays('08:00', '16:00') }))
      .expect(201);
    await opening(plant.apiKey, 'Retry job', 'veteran');

    const [row] = await eventually(
      async () => {
        const rows = await deliveries(plant.id);
        return rows.length > 0 && rows.every((delivery) => delivery.status !== 'pending') ? rows : undefined;
      },
      20_000,
      'the delivery to settle',
    );
    expect(row).toMatchObject({ channel: 'email', status: 'delivered', attempts: 2 });
    const attempts = smtp.to('hr@retry-plant.example');
    expect(attempts.map((mail) => mail.accepted)).toEqual([false, true]);
    expect(attempts.map((mail) => mail.messageId)).toEqual([`<${row.notification_id}@union.example>`, `<${row.notification_id}@union.example>`]);
  });

  it('gives up on a permanent refusal: the delivery is dead, listed for the admin without the address, and replays once fixed', async () => {
    const plant = await organization('Gone plant', 'employer', { email: 'nobody@gone-plant.example' });
    const desk = await caseworker('Gone desk');
    smtp.refuse('nobody@gone-plant.example', 'rcpt', 550);
    await api.http
      .post('/v1/candidates')
      .set(bearer(desk.apiKey))
      .send(aCandidate({ displayName: 'Seeker Qian', groups: ['laid_off'], availability: weekdays('08:00', '16:00') }))
      .expect(201);
    await opening(plant.apiKey, 'Gone job', 'laid_off');

    await eventually(async () => (await deliveries(plant.id)).some((row) => row.status === 'dead'), 20_000, 'the delivery to die');
    const listed = (await api.http.get('/v1/deliveries').set(ADMIN).expect(200)).body as { deliveryId: string; notificationId: string; recipientId: string }[];
    const [dead] = listed.filter((delivery) => delivery.recipientId === plant.id);
    expect(dead).toMatchObject({
      type: 'match_summary',
      channel: 'email',
      recipientKind: 'organization',
      status: 'dead',
      attempts: 1,
      lastStatusCode: 550,
      lastError: 'refused with 550',
    });
    expect(dead).not.toHaveProperty('payload');
    expect(JSON.stringify(listed)).not.toContain('gone-plant.example');
    expect(smtp.refusedAtRcpt.filter((refusal) => refusal.to === 'nobody@gone-plant.example')).toEqual([{ to: 'nobody@gone-plant.example', code: 550 }]);
    expect(smtp.to('nobody@gone-plant.example')).toHaveLength(0);

    // The mailbox is fixed: the admin replays, and the mail arrives under its Message-ID.
    await api.http.post(`/v1/deliveries/${dead.deliveryId}/replay`).set(ADMIN).expect(200, { deliveryId: dead.deliveryId, status: 'pending' });
    await eventually(() => smtp.to('nobody@gone-plant.example').length === 1, 20_000, 'the replayed mail');
    expect(smtp.to('nobody@gone-plant.example')[0]).toMatchObject({ accepted: true, messageId: `<${dead.notificationId}@union.example>` });
  });

  it('mails and rings the webhook alike: a burst goes into one digest for both, and reminders go out by mail too', async () => {
    const plant = await organization('Fair hall', 'employer');
    const desk = await caseworker('Fair desk', { email: 'fair@union.example', webhookUrl: `${hooks.url}/fair-desk` });
    await api.http
      .post('/v1/candidates')
      .set(bearer(desk.apiKey))
      .send(
        aCandidate({
          displayName: 'Seeker Lan',
          groups: ['reassignment'],
          availability: weekdays('08:00', '17:00'),
          location: { lat: DINGHAI_ROAD.lat - 0.01, lng: DINGHAI_ROAD.lng },
        }),
      )
      .expect(201);
    await opening(plant.apiKey, 'Fair job 1', 'reassignment');
    await eventually(() => smtp.to('fair@union.example').length === 1 && hooks.to('/fair-desk').length === 1, 20_000, 'the first list by mail and webhook');
    expect(smtp.to('fair@union.example')[0].text).toContain('Seeker Lan');

    // The second list within the window: in the inbox now, by mail and webhook at the window's end, as one digest.
    await opening(plant.apiKey, 'Fair job 2', 'reassignment');
    const waiting = await eventually(
      async () => {
        const { rows } = await world.db.query(
          `SELECT d.channel, d.status, d.not_before FROM notifications n JOIN notification_deliveries d ON d.notification_id = n.id
          WHERE n.type = 'candidate_digest' AND n.recipient_id = $1 ORDER BY d.channel`,
          [desk.id],
        );
        return rows.length === 2 ? rows : undefined;
      },
      20_000,
      'the digest',
    );
    expect(waiting.map((row) => [row.channel, row.status])).toEqual([
      ['email', 'pending'],
      ['webhook', 'pending'],
    ]);
    expect(new Date(waiting[0].not_before).getTime()).toBe(new Date(waiting[1].not_before).getTime());
    expect(new Date(waiting[0].not_before).getTime()).toBeGreaterThan(Date.now());
    const inbox = (await api.http.get('/v1/inbox').set(bearer(desk.apiKey)).expect(200)).body as { type: string }[];
    expect(inbox.filter((entry) => entry.type === 'candidate_list')).toHaveLength(2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.to('fair@union.example')).toHaveLength(1);

    // The window ends (brought forward here): one digest mail, offers and counts, no names.
    await world.db.query(
      `UPDATE notification_deliveries d SET not_before = now() FROM notifications n WHERE n.id = d.notification_id AND n.type = 'candidate_digest' AND n.recipient_id = $1`,
      [desk.id],
    );
    await promoteDelayed();
    await eventually(() => smtp.to('fair@union.example').length === 2 && hooks.to('/fair-desk').length === 2, 20_000, 'the digest by mail and webhook');
    const digest = smtp.to('fair@union.example')[1];
    expect(digest.subject).toBe('1 份新候选名单，共 1 人');
    expect(digest.text).toContain('- Fair job 2（岗位）：1 人');
    expect(digest.text).not.toContain('Seeker Lan');

    // A week without follow-up: the reminder names the person, by mail as well.
    await world.db.query(`UPDATE matches SET updated_at = now() - interval '8 days' WHERE caseworker_id = $1`, [desk.id]);
    expect(await notifier.get(FollowUpReminders, { strict: false }).remind()).toBeGreaterThanOrEqual(1);
    await eventually(() => smtp.to('fair@union.example').length === 3, 20_000, 'the reminder mail');
    const reminder = smtp.to('fair@union.example')[2];
    expect(reminder.subject).toBe('提醒：2 条推荐待跟进');
    expect(reminder.text).toContain('- Seeker Lan：Fair job 1');
    expect(reminder.text).toContain('- Seeker Lan：Fair job 2');
  });

  it('sends nothing about a person erased while their list waited for the mail server', async () => {
    const plant = await organization('Erasure plant', 'employer');
    const desk = await caseworker('Erasure desk', { email: 'erasure@union.example' });
    // The server is down for this mailbox (451 at RCPT TO, so no text reaches it) until further notice.
    smtp.refuse('erasure@union.example', 'rcpt', ...Array.from({ length: 50 }, () => 451));
    const person = (
      await api.http
        .post('/v1/candidates')
        .set(bearer(desk.apiKey))
        .send(aCandidate({ displayName: 'Withdrawn Xu', groups: ['courier'], availability: weekdays('08:00', '16:00') }))
        .expect(201)
    ).body.id as string;
    await opening(plant.apiKey, 'Erasure job', 'courier');
    await eventually(() => smtp.refusedAtRcpt.some((refusal) => refusal.to === 'erasure@union.example'), 20_000, 'a first refused attempt');

    await api.http.delete(`/v1/candidates/${person}`).set(bearer(desk.apiKey)).expect(204);
    smtp.accept('erasure@union.example');
    const [row] = await eventually(
      async () => {
        await promoteDelayed();
        const rows = await deliveries(desk.id);
        return rows.every((delivery) => delivery.status !== 'pending') ? rows : undefined;
      },
      20_000,
      'the delivery to settle',
    );
    expect(row).toMatchObject({ channel: 'email', status: 'dropped', last_error: 'nothing left to tell: its candidates were erased' });
    expect(smtp.to('erasure@union.example')).toHaveLength(0);
  });
});
