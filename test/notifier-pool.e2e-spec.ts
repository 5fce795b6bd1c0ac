import type { NestExpressApplication } from '@nestjs/platform-express';
import { randomUUID } from 'node:crypto';
import { type Server, createServer } from 'node:http';
import { QueueName } from '@huigong/messaging';
import { createOpsApp, listenOps } from '@huigong/observability';
import { NotifierModule } from '../apps/notifier/src/notifier.module';
import { QueueInspector } from './support/queue-inspection';
import { type TestWorld, createTestWorld, eventually } from './support/test-environment';

/** Connections in the notifier's pool in this test: far fewer than the offers of one batch. */
const POOL_SIZE = 4;
const DAILY_CAP = 2;
/** Workers offered the first slot, all in one MatchesProposed (one batch of deliveries). */
const WORKERS = 24;
/** Of them, the first few are offered two more slots: three offers against a cap of two. */
const BUSY_WORKERS = 6;

/** The notifier's JSON log lines, as an operator would grep them. */
class LogCapture {
  readonly lines: string[] = [];
  write(chunk: string): void {
    for (const line of chunk.split('\n')) if (line.trim() !== '') this.lines.push(line);
  }
}

interface Received {
  path: string;
  webhookId: string;
  body: { type: string; id: string; payload: Record<string, unknown>; recipient?: { candidateId: string; phone: string | null } };
}

/**
 * The notifier with a pool of 4 connections, given one batch of 24 offers to the worker gateway (and two
 * more batches that give six of those workers a third offer against a daily cap of two), besides the
 * caseworker's lists and the merchant's summaries by webhook. No offer may wait for a second connection
 * while it holds one: every offer reaches the gateway exactly once, no worker hears of more offers than
 * the cap, and the log has no connect time-out.
 */
describe("a batch of offers larger than the notifier's pool", () => {
  const logs = new LogCapture();
  const received: Received[] = [];
  let offersInFlight = 0;
  let mostOffersAtOnce = 0;
  let world: TestWorld | undefined;
  let sink: Server | undefined;
  let notifier: NestExpressApplication | undefined;
  let queues: QueueInspector | undefined;

  function started(): { world: TestWorld; queues: QueueInspector } {
    if (world === undefined || queues === undefined) throw new Error('the test world did not start');
    return { world, queues };
  }

  beforeAll(async () => {
    // A gateway and receivers that take a little while to answer, as real ones do: the offers of a batch overlap.
    const server = createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        received.push({ path: request.url ?? '', webhookId: String(request.headers['webhook-id']), body: JSON.parse(body) as Received['body'] });
        if (request.url === '/gateway') mostOffersAtOnce = Math.max(mostOffersAtOnce, ++offersInFlight);
        setTimeout(() => {
          if (request.url === '/gateway') offersInFlight--;
          response.writeHead(200).end();
        }, 20);
      });
    });
    sink = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const created = await createTestWorld({
      webhookAllowedHosts: '127.0.0.1',
      env: {
        WORKER_GATEWAY_URL: `${url}/gateway`,
        WORKER_GATEWAY_SECRET: `whsec_${Buffer.alloc(32, 5).toString('base64')}`,
        OFFER_DAILY_CAP: String(DAILY_CAP),
        OFFER_QUIET_HOURS: 'off',
        DIGEST_AFTER_LISTS: 'off',
      },
    });
    world = created;
    await seed(created, url);
    queues = new QueueInspector(created);
    // Started as main.ts starts it (the first app of this process, so its logs go to the capture).
    notifier = await createOpsApp(NotifierModule.forRoot(created.config, { poolSize: POOL_SIZE, logs: { level: 'info', destination: logs } }));
    await listenOps(notifier, null, 'NOTIFIER_OPS_PORT', 'notifier');
  });

  afterAll(async () => {
    await notifier?.close();
    await queues?.close();
    await world?.destroy();
    const server = sink;
    if (server !== undefined) await new Promise((resolve) => server.close(resolve));
  });

  const workers: string[] = Array.from({ length: WORKERS }, () => randomUUID());
  const phone = (i: number) => `+86 138 0000 ${String(1000 + i)}`;

  /** A merchant with three slots, a caseworker with 24 workers, their matches, and the three MatchesProposed in the outbox. */
  async function seed(world: TestWorld, url: string): Promise<void> {
    const secret = `whsec_${Buffer.alloc(32, 3).toString('base64')}`;
    const merchant = randomUUID();
    const caseworker = randomUUID();
    await world.db.query(`INSERT INTO organizations (id, name, kind, webhook_url, webhook_secret) VALUES ($1, 'Canteens', 'merchant', $2, $3)`, [
      merchant,
      `${url}/merchant`,
      secret,
    ]);
    await world.db.query(`INSERT INTO caseworkers (id, name, webhook_url, webhook_secret) VALUES ($1, 'Riders desk', $2, $3)`, [
      caseworker,
      `${url}/caseworker`,
      secret,
    ]);
    await world.db.query(
      `INSERT INTO candidates (id, caseworker_id, status, display_name, phone, groups, lat, lng, max_travel_km, consent_jobs, consent_benefits)
       SELECT id, $2, 'active', 'Rider ' || n, phone, '{rider}', 31.2705, 121.549, 5, true, true FROM unnest($1::uuid[], $3::text[]) WITH ORDINALITY AS t(id, phone, n)`,
      [workers, caseworker, workers.map((_, i) => phone(i))],
    );
    const everyDay = JSON.stringify([1, 2, 3, 4, 5, 6, 7].map((day) => ({ day, start: '00:00', end: '00:00' })));
    const slots = [WORKERS, BUSY_WORKERS, BUSY_WORKERS].map((offered, i) => ({
      id: randomUUID(),
      offered: workers.slice(0, offered),
      title: `Canteen ${i + 1}`,
    }));
    for (const slot of slots) {
      await world.db.query(
        `INSERT INTO slots (id, organization_id, status, title, kind, eligible_groups, windows, capacity, offer, lat, lng, radius_km)
         VALUES ($1, $2, 'active', $3, 'meal', '{rider}', $4, 100, $5, 31.2705, 121.549, 3)`,
        [slot.id, merchant, slot.title, everyDay, JSON.stringify({ discountPercent: 30, description: 'Dishes 30% off' })],
      );
      const matchIds = slot.offered.map(() => randomUUID());
      await world.db.query(
        `INSERT INTO matches (id, offer_kind, slot_id, candidate_id, caseworker_id, score, reasons, status, redemption_code)
         SELECT id, 'slot', $2, candidate, $3, 0.8, '[{"code":"distance","km":1.2}]', 'proposed', 'C' || substr(md5(id::text), 1, 10)
           FROM unnest($1::uuid[], $4::uuid[]) AS t(id, candidate)`,
        [matchIds, slot.id, caseworker, slot.offered],
      );
      // As the matcher writes it: one event per slot, relayed by the notifier's own outbox relay.
      await world.db.query(`INSERT INTO outbox_events (id, event_name, payload, correlation_id) VALUES ($1, 'MatchesProposed', $2, 'pool-test')`, [
        randomUUID(),
        JSON.stringify({ offerKind: 'slot', offerId: slot.id, matchIds }),
      ]);
    }
  }

  it('delivers every offer once, keeps the daily cap, and never times out waiting for a connection', async () => {
    const offers = WORKERS + 2 * BUSY_WORKERS;
    const held = BUSY_WORKERS * (3 - DAILY_CAP);
    const { world, queues } = started();
    // Every offer sent or held for the cap, and nothing more to do: no job waiting, running, or waiting to
    // be retried (the only delayed jobs are the held offers, due tomorrow).
    await eventually(
      async () => {
        const { rows } = await world.db.query<{ sent: number; held: number; webhooks: number }>(
          `SELECT count(*) FILTER (WHERE d.channel = 'worker_gateway' AND d.status = 'delivered')::int AS sent,
                count(*) FILTER (WHERE d.channel = 'worker_gateway' AND d.status = 'pending' AND d.last_error LIKE 'held back (daily_cap)%')::int AS held,
                count(*) FILTER (WHERE d.channel = 'webhook' AND d.status = 'delivered')::int AS webhooks
           FROM notification_deliveries d`,
        );
        const counts = await queues.queue(QueueName.Deliveries).getJobCounts('waiting', 'active', 'delayed', 'failed');
        const events = await queues.queue(QueueName.Notifications).getJobCounts('waiting', 'active', 'delayed', 'failed');
        const done = rows[0].sent + rows[0].held === offers && rows[0].webhooks === 6;
        if (done && counts.waiting + counts.active + events.waiting + events.active + events.delayed === 0 && counts.delayed === held) return true;
        // Not yet: say where things stand, so a time-out tells what stalled.
        const timeouts = logs.lines.filter((line) => line.includes('timeout exceeded when trying to connect')).length;
        const sentToGateway = received.filter((request) => request.path === '/gateway');
        throw new Error(
          `${rows[0].sent} offers delivered and ${rows[0].held} held of ${offers}, ${rows[0].webhooks} of 6 webhooks; ${sentToGateway.length} requests to the gateway ` +
            `(${new Set(sentToGateway.map((request) => request.webhookId)).size} distinct); deliveries ${JSON.stringify(counts)}, notifications ${JSON.stringify(events)}; ` +
            `${timeouts} connect time-outs in the log`,
        );
      },
      120_000,
      'every offer sent or held, and the queues idle',
    );

    // No transaction waited for a second connection from its own pool.
    expect(logs.lines.filter((line) => /timeout exceeded when trying to connect|Outbox relay paused/.test(line))).toEqual([]);
    expect(await queues.queue(QueueName.Deliveries).getFailedCount()).toBe(0);
    expect(await queues.queue(QueueName.Notifications).getFailedCount()).toBe(0);

    // Each offer the gateway received, once, under its own webhook-id, with the worker's phone read at send time.
    const gateway = received.filter((request) => request.path === '/gateway');
    expect(gateway).toHaveLength(offers - held);
    expect(new Set(gateway.map((request) => request.webhookId)).size).toBe(gateway.length);
    for (const request of gateway) {
      expect(request.body.type).toBe('offer');
      expect(request.body.recipient?.phone).toBe(phone(workers.indexOf(request.body.recipient?.candidateId ?? '')));
    }
    // Offers ran side by side, but never as many at once as the pool has connections, however large the batch.
    expect(mostOffersAtOnce).toBeGreaterThanOrEqual(1);
    expect(mostOffersAtOnce).toBeLessThan(POOL_SIZE);
    // The cap kept: every worker heard of one offer, the busy ones of exactly two (the cap), never more.
    const perWorker = new Map<string, number>();
    for (const request of gateway) {
      const worker = request.body.recipient?.candidateId ?? '';
      perWorker.set(worker, (perWorker.get(worker) ?? 0) + 1);
    }
    expect(workers.map((worker) => perWorker.get(worker) ?? 0)).toEqual(workers.map((_, i) => (i < BUSY_WORKERS ? DAILY_CAP : 1)));

    // What the database says matches what the gateway saw: each sent offer delivered after one attempt, the rest held.
    const { rows } = await world.db.query(
      `SELECT n.id, n.recipient_id, d.status, d.attempts FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.channel = 'worker_gateway'`,
    );
    const delivered = rows.filter((row) => row.status === 'delivered');
    expect(new Set(delivered.map((row) => row.id))).toEqual(new Set(gateway.map((request) => request.webhookId)));
    expect(delivered.every((row) => row.attempts === 1)).toBe(true);
    expect(
      rows
        .filter((row) => row.status === 'pending')
        .map((row) => workers.indexOf(row.recipient_id))
        .sort((a, b) => a - b),
    ).toEqual(Array.from({ length: BUSY_WORKERS }, (_, i) => i));
    // The caseworker's three lists and the merchant's three summaries, once each.
    for (const path of ['/caseworker', '/merchant']) {
      const ids = received.filter((request) => request.path === path).map((request) => request.webhookId);
      expect(ids).toHaveLength(3);
      expect(new Set(ids).size).toBe(3);
    }
  }, 180_000);
});
