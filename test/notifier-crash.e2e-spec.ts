import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { QueueName, redisOptions } from '@huigong/messaging';
import { Queue } from 'bullmq';
import { TEST_ADMIN_KEY, Teardown, type TestWorld, createTestWorld, eventually } from './support/test-environment';

const NOTIFIER = join(process.cwd(), 'dist', 'apps', 'notifier', 'src', 'main.js');
const DELIVERIES = 300;

/**
 * A notifier killed with SIGKILL in the middle of a batch and started again: every notification reaches
 * the receiver (at least once, with its own webhook-id), and none is recorded twice.
 */
describe('a notifier killed mid-batch', () => {
  let world: TestWorld;
  let sinkUrl: string;
  const seen: string[] = [];
  let notifier: ChildProcess | undefined;
  let queue: Queue | undefined;
  const teardown = new Teardown();

  function startNotifier(): ChildProcess {
    const child = spawn(process.execPath, [NOTIFIER], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: world.config.databaseUrl,
        REDIS_URL: world.config.redisUrl,
        QUEUE_PREFIX: world.config.queuePrefix,
        ADMIN_API_KEY: TEST_ADMIN_KEY,
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        NOTIFIER_OPS_PORT: '0',
      },
      stdio: 'ignore',
    });
    return child;
  }

  beforeAll(async () => {
    if (!existsSync(NOTIFIER)) throw new Error(`${NOTIFIER} is missing: run \`npm run build\` first (npm test does).`);
    world = teardown.add(await createTestWorld({ webhookAllowedHosts: '127.0.0.1' }), (started) => started.destroy());
    // A receiver slow enough (30 ms an answer) that the kill lands in the middle of the batch.
    const sink = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        seen.push(String(request.headers['webhook-id']));
        setTimeout(() => response.writeHead(200).end(), 30);
      });
    });
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
    teardown.add(sink, (server: Server) => new Promise((resolve) => server.close(resolve)));
    sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}/hook`;
  });

  afterAll(async () => {
    if (notifier?.exitCode === null) notifier.kill('SIGKILL');
    await queue?.close();
    await teardown.run();
  });

  it('delivers every notification after a restart, and records none twice', async () => {
    const caseworker = randomUUID();
    await world.db.query(`INSERT INTO caseworkers (id, name, webhook_url, webhook_secret) VALUES ($1, 'Crash desk', $2, $3)`, [
      caseworker,
      sinkUrl,
      `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
    ]);
    const notifications = Array.from({ length: DELIVERIES }, () => randomUUID());
    const deliveries = Array.from({ length: DELIVERIES }, () => randomUUID());
    await world.db.query(
      `INSERT INTO notifications (id, recipient_kind, recipient_id, type, dedupe_key, payload)
       SELECT id, 'caseworker', $2, 'candidate_list', 'crash:' || id, $3 FROM unnest($1::uuid[]) AS id`,
      [
        notifications,
        caseworker,
        JSON.stringify({
          offer: { kind: 'opening', id: randomUUID(), title: 'Crash test job' },
          matches: [{ matchId: randomUUID(), candidateId: randomUUID(), displayName: 'Worker Qin', score: 0.8, reasons: [], status: 'proposed' }],
        }),
      ],
    );
    await world.db.query(
      `INSERT INTO notification_deliveries (id, notification_id, channel, status) SELECT d, n, 'webhook', 'pending' FROM unnest($1::uuid[], $2::uuid[]) AS t(d, n)`,
      [deliveries, notifications],
    );
    queue = new Queue(QueueName.Deliveries, { connection: redisOptions(world.config.redisUrl, 'worker'), prefix: world.config.queuePrefix });
    // As the recorder writes them: one job per batch of deliveries recorded together (here ten).
    const batches = Array.from({ length: DELIVERIES / 10 }, (_, i) => deliveries.slice(i * 10, i * 10 + 10));
    await queue.addBulk(
      batches.map((deliveryIds, i) => ({
        name: 'DeliveriesRequested',
        data: {
          eventId: `batch-${i}`,
          eventName: 'DeliveriesRequested',
          correlationId: 'crash-test',
          occurredAt: new Date().toISOString(),
          payload: { deliveryIds },
        },
        opts: { jobId: `batch-${i}`, attempts: 12, backoff: { type: 'exponential', delay: 1_000 } },
      })),
    );

    notifier = startNotifier();
    await eventually(() => seen.length >= DELIVERIES / 5, 30_000, 'the first deliveries');
    notifier.kill('SIGKILL');
    await new Promise((resolve) => notifier?.once('exit', resolve));
    const { rows: before } = await world.db.query(`SELECT count(*)::int AS n FROM notification_deliveries WHERE status = 'delivered'`);
    expect(before[0].n).toBeLessThan(DELIVERIES);

    notifier = startNotifier();
    await eventually(
      async () => {
        const { rows } = await world.db.query(`SELECT count(*)::int AS n FROM notification_deliveries WHERE status = 'delivered'`);
        return rows[0].n === DELIVERIES;
      },
      60_000,
      'every delivery after the restart',
    );
    notifier.kill('SIGTERM');

    // Every notification reached the receiver, under its own webhook-id.
    expect(new Set(seen)).toEqual(new Set(notifications));
    // At least once: only what was in flight at the kill (up to 32 connections to one receiver, and the
    // answers whose outcome was not yet written) may have arrived twice, with the same webhook-id.
    expect(seen.length - DELIVERIES).toBeLessThanOrEqual(64);
    // Nothing was recorded twice.
    const { rows: recorded } = await world.db.query(`SELECT count(*)::int AS n FROM notifications`);
    expect(recorded[0].n).toBe(DELIVERIES);
  }, 120_000);
});
