/**
 * npm run bench:notify: signed webhook deliveries per second through the real notifier (BullMQ delivery
 * jobs, PostgreSQL reads and writes, Standard Webhooks signing, HTTP) to a local sink, and signing alone
 * against the stock standardwebhooks package as a peer. See bench/README.md.
 */
import { NestFactory } from '@nestjs/core';
import { QueueName, redisOptions } from '@huigong/messaging';
import { signedHeaders } from '@huigong/notifications';
import { runMigrations } from '@huigong/persistence';
import { loadConfig } from '@huigong/platform';
import { Queue } from 'bullmq';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { NotifierModule } from '../apps/notifier/src/notifier.module';

const SERVER = process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'huigong_bench_notify';
const argument = (name: string, fallback: number) => {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? Number(process.argv[index + 1]) : fallback;
};
const DELIVERIES = argument('deliveries', 40_000);
/** Notifier processes: 1 runs in this process; more are spawned as real `dist/apps/notifier` processes. */
const PROCESSES = argument('processes', 2);
/** Deliveries per job, as the notifier records them together (a slot's offers, an opening's lists). */
const BATCH = argument('batch', 20);

/** A candidate list as a caseworker receives it: ten people with reasons, about 2 KB. */
function payload(): Record<string, unknown> {
  return {
    offer: { kind: 'opening', id: randomUUID(), title: 'Assembly line operator' },
    matches: Array.from({ length: 10 }, (_, i) => ({
      matchId: randomUUID(),
      candidateId: randomUUID(),
      displayName: `Worker ${i}`,
      score: 0.8123,
      status: 'proposed',
      reasons: [
        { code: 'distance', km: 1.23 },
        { code: 'schedule', coverage: 1 },
        { code: 'group', group: 'veteran', priority: 0.8 },
        { code: 'waiting', days: 12 },
      ],
    })),
  };
}

function signingPeer(): void {
  const secret = `whsec_${randomBytes(32).toString('base64')}`;
  const body = JSON.stringify({ type: 'candidate_list', id: randomUUID(), payload: payload() });
  const count = 50_000;
  const stock = new Webhook(secret);
  let started = performance.now();
  for (let i = 0; i < count; i++) signedHeaders(secret, `msg_${i}`, 1_700_000_000, body);
  const ours = (count / (performance.now() - started)) * 1000;
  started = performance.now();
  for (let i = 0; i < count; i++) stock.sign(`msg_${i}`, new Date(1_700_000_000_000), body);
  const theirs = (count / (performance.now() - started)) * 1000;
  console.log(`signing a 2 KB body: ours ${Math.round(ours).toLocaleString('en')}/s, stock standardwebhooks ${Math.round(theirs).toLocaleString('en')}/s`);
}

async function main(): Promise<void> {
  console.log(
    `node ${process.version}; ${DELIVERIES.toLocaleString('en')} deliveries of a 2 KB candidate list; ${PROCESSES} notifier process(es), ${BATCH} deliveries a job`,
  );
  signingPeer();

  let received = 0;
  const sink = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      received++;
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const sinkUrl = `http://127.0.0.1:${(sink.address() as { port: number }).port}/hook`;

  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.end();
  const url = new URL(SERVER);
  url.pathname = `/${DATABASE}`;
  await runMigrations(url.toString());
  const config = loadConfig({
    NODE_ENV: 'production',
    DATABASE_URL: url.toString(),
    ADMIN_API_KEY: 'bench-admin-key-0123456789abcdef',
    QUEUE_PREFIX: `bench-notify-${randomBytes(3).toString('hex')}`,
    WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
  });
  const db = new pg.Client({ connectionString: config.databaseUrl });
  await db.connect();
  const caseworker = randomUUID();
  await db.query(`INSERT INTO caseworkers (id, name, webhook_url, webhook_secret) VALUES ($1, 'Bench desk', $2, $3)`, [
    caseworker,
    sinkUrl,
    `whsec_${randomBytes(32).toString('base64')}`,
  ]);
  const notificationIds = Array.from({ length: DELIVERIES }, () => randomUUID());
  const deliveryIds = Array.from({ length: DELIVERIES }, () => randomUUID());
  await db.query(
    `INSERT INTO notifications (id, recipient_kind, recipient_id, type, dedupe_key, payload)
     SELECT id, 'caseworker', $2, 'candidate_list', 'bench:' || id, $3 FROM unnest($1::uuid[]) AS id`,
    [notificationIds, caseworker, JSON.stringify(payload())],
  );
  await db.query(
    `INSERT INTO notification_deliveries (id, notification_id, channel, status)
     SELECT d, n, 'webhook', 'pending' FROM unnest($1::uuid[], $2::uuid[]) AS t(d, n)`,
    [deliveryIds, notificationIds],
  );

  const queue = new Queue(QueueName.Deliveries, { connection: redisOptions(config.redisUrl, 'worker'), prefix: config.queuePrefix });
  // The workers start first, on an empty queue; the clock runs from the first job added to the last
  // delivery recorded, so adding the jobs (the relay's part in production) is inside the measurement.
  let app: Awaited<ReturnType<typeof NestFactory.createApplicationContext>> | undefined;
  const children: ChildProcess[] = [];
  if (PROCESSES === 1) {
    app = await NestFactory.createApplicationContext(NotifierModule.forRoot(config), { logger: ['error'] });
    await app.init();
  } else {
    for (let i = 0; i < PROCESSES; i++) {
      children.push(
        spawn(process.execPath, [join(process.cwd(), 'dist/apps/notifier/src/main.js')], {
          stdio: ['ignore', 'ignore', 'inherit'],
          env: {
            ...process.env,
            NODE_ENV: 'production',
            DATABASE_URL: config.databaseUrl,
            REDIS_URL: config.redisUrl,
            QUEUE_PREFIX: config.queuePrefix,
            ADMIN_API_KEY: config.adminApiKey,
            WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
            LOG_LEVEL: 'warn',
            NOTIFIER_OPS_PORT: String(39_200 + i),
          },
        }),
      );
    }
  }
  // Each delivery worker keeps a blocking connection named after the queue: wait until all are there.
  while ((await queue.getWorkers()).length < PROCESSES) await new Promise((resolve) => setTimeout(resolve, 100));

  const started = performance.now();
  for (let from = 0; from < DELIVERIES; from += 100 * BATCH) {
    const jobs = [];
    for (let at = from; at < Math.min(DELIVERIES, from + 100 * BATCH); at += BATCH) {
      const eventId = randomUUID();
      jobs.push({
        name: 'DeliveriesRequested',
        data: {
          eventId,
          eventName: 'DeliveriesRequested',
          correlationId: 'bench',
          occurredAt: new Date().toISOString(),
          payload: { deliveryIds: deliveryIds.slice(at, at + BATCH) },
        },
        opts: { jobId: eventId, removeOnComplete: true },
      });
    }
    await queue.addBulk(jobs);
  }
  for (;;) {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM notification_deliveries WHERE status = 'delivered'`);
    if (rows[0].n >= DELIVERIES) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${PROCESSES} process(es): delivered ${DELIVERIES.toLocaleString('en')} signed webhooks in ${seconds.toFixed(1)} s: ${Math.round(DELIVERIES / seconds).toLocaleString('en')} deliveries/s (the sink saw ${received.toLocaleString('en')} requests)`,
  );

  await app?.close();
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          child.once('exit', resolve);
          child.kill('SIGTERM');
        }),
    ),
  );
  await queue.obliterate({ force: true });
  await queue.close();
  await db.end();
  sink.close();
  const cleanup = new pg.Client({ connectionString: SERVER });
  await cleanup.connect();
  await cleanup.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await cleanup.end();
}

main().catch((error: unknown) => {
  console.error((error as Error).stack);
  process.exit(1);
});
