import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { QueueName, queuePrefix, redisOptions } from '@huigong/messaging';
import { Queue } from 'bullmq';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { MatcherModule } from '../apps/matcher/src/matcher.module';
import { MatchingService } from '../apps/matcher/src/matching.service';
import { FollowUpReminders } from '../apps/notifier/src/follow-up-reminders';
import { NotifierModule, type NotifierOptions } from '../apps/notifier/src/notifier.module';
import { ADMIN, aCandidate, aSlot, anOpening, bearer } from './support/builders';
import { type RunningApi, TEST_ADMIN_KEY, Teardown, type TestWorld, createTestWorld, eventually, startApi } from './support/test-environment';
import { WebhookSink } from './support/webhook-sink';

const NOTIFIER = join(process.cwd(), 'dist', 'apps', 'notifier', 'src', 'main.js');

/**
 * The sweeps are BullMQ job schedulers with fixed ids, not timers in every instance: however many
 * notifiers (or matchers) run on one queue prefix, each tick runs once per period, and a tick whose
 * instance died mid-way is taken up by another.
 */

/** A caseworker (webhook to the sink) whose person has had a proposal unmoved for 8 days: due a reminder. */
async function staleProposal(
  api: RunningApi,
  world: TestWorld,
  sink: WebhookSink,
  label: string,
): Promise<{ caseworkerKey: string; path: string; matchId: string }> {
  const path = `/caseworker-${label}`;
  const caseworker = (
    await api.http
      .post('/v1/caseworkers')
      .set(ADMIN)
      .send({ name: `Desk ${label}`, webhookUrl: `${sink.url}${path}` })
      .expect(201)
  ).body as {
    id: string;
    apiKey: string;
  };
  const employer = (
    await api.http
      .post('/v1/organizations')
      .set(ADMIN)
      .send({ name: `Plant ${label}`, kind: 'employer' })
      .expect(201)
  ).body.apiKey as string;
  const person = (
    await api.http
      .post('/v1/candidates')
      .set(bearer(caseworker.apiKey))
      .send(aCandidate({ displayName: 'Waiting Lin' }))
      .expect(201)
  ).body.id as string;
  const opening = (
    await api.http
      .post('/v1/openings')
      .set(bearer(employer))
      .send(anOpening({ title: 'Slow job' }))
      .expect(201)
  ).body.id as string;
  const { rows } = await world.db.query<{ id: string }>(
    `INSERT INTO matches (id, offer_kind, opening_id, candidate_id, caseworker_id, score, status, updated_at)
     VALUES (gen_random_uuid(), 'opening', $1, $2, $3, 0.5, 'proposed', now() - interval '8 days') RETURNING id`,
    [opening, person, caseworker.id],
  );
  return { caseworkerKey: caseworker.apiKey, path, matchId: rows[0].id };
}

async function remindersOf(api: RunningApi, caseworkerKey: string): Promise<{ type: string; payload: { matches: { matchId: string }[] } }[]> {
  const inbox = (await api.http.get('/v1/inbox').set(bearer(caseworkerKey)).expect(200)).body as {
    type: string;
    payload: { matches: { matchId: string }[] };
  }[];
  return inbox.filter((entry) => entry.type === 'reminder');
}

/** A notifier in this process (started: its worker runs and its schedulers are upserted). */
function startNotifier(world: TestWorld, options: NotifierOptions): Promise<INestApplicationContext> {
  return NestFactory.createApplicationContext(NotifierModule.forRoot(world.config, options), {
    ...(process.env.TEST_LOGS ? {} : { logger: false as const }),
    abortOnError: false,
  });
}

function ticksQueue(world: TestWorld, name: QueueName): Queue {
  const queue = new Queue(name, { connection: redisOptions(world.config.redisUrl, 'worker'), prefix: queuePrefix(world.config, name) });
  queue.on('error', () => undefined);
  return queue;
}

describe('two notifiers on one queue prefix', () => {
  const teardown = new Teardown();
  let world: TestWorld;
  let api: RunningApi;
  let sink: WebhookSink;

  beforeAll(async () => {
    sink = teardown.add(await WebhookSink.start(), (started) => started.close());
    world = teardown.add(await createTestWorld({ webhookAllowedHosts: '127.0.0.1' }), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
  });

  afterAll(() => teardown.run());

  it('run the reminders once per period between them, not once each, and the caseworker hears once', async () => {
    const stale = await staleProposal(api, world, sink, 'twins');
    const queue = teardown.add(ticksQueue(world, QueueName.NotifierTicks), (started) => started.close());
    // Every run of the reminders, in either notifier, is counted (before either starts: its first tick
    // comes at once); a tick every second for this test.
    const runs: FollowUpReminders[] = [];
    const remindAll = Reflect.get<FollowUpReminders, 'remindAll'>(FollowUpReminders.prototype, 'remindAll');
    FollowUpReminders.prototype.remindAll = function (this: FollowUpReminders, now?: Date) {
      runs.push(this);
      return remindAll.call(this, now);
    };
    teardown.add(remindAll, (original) => {
      FollowUpReminders.prototype.remindAll = original;
      return Promise.resolve();
    });
    const notifiers: INestApplicationContext[] = [];
    for (let i = 0; i < 2; i++)
      notifiers.push(teardown.add(await startNotifier(world, { tickEveryMs: { RemindCaseworkers: 1_000 } }), (started) => started.close()));
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 6_500));
    await eventually(() => sink.to(stale.path).length > 0, 15_000, 'the reminder at the webhook');
    // Stopped (each finishes the tick in hand), then counted: nothing runs meanwhile.
    for (const app of notifiers) await app.close();
    const elapsed = Date.now() - started;

    // One scheduler, one job per period: about one a second (the first at once), each taken by one notifier.
    const completed = (await queue.getJobs(['completed'], 0, -1)).filter((job) => job.name === 'RemindCaseworkers');
    expect(new Set(completed.map((job) => job.id)).size).toBe(completed.length);
    expect(runs.length).toBe(completed.length);
    expect(runs.length).toBeGreaterThanOrEqual(Math.floor(elapsed / 1_000) - 1);
    expect(runs.length).toBeLessThanOrEqual(Math.ceil(elapsed / 1_000) + 1);
    expect(await queue.getJobSchedulers()).toEqual(
      expect.arrayContaining([expect.objectContaining({ key: 'RemindCaseworkers', every: 1_000 }), expect.objectContaining({ key: 'PurgeHistory' })]),
    );
    expect(await queue.getJobSchedulersCount()).toBe(2);

    // The caseworker got one reminder, in the inbox and at their webhook.
    const reminders = await remindersOf(api, stale.caseworkerKey);
    expect(reminders).toHaveLength(1);
    expect(reminders[0].payload.matches.map((match) => match.matchId)).toEqual([stale.matchId]);
    expect(sink.to(stale.path).map((request) => (JSON.parse(request.body) as { type: string }).type)).toEqual(['reminder']);
  }, 60_000);
});

describe('a notifier killed in the middle of a tick', () => {
  const teardown = new Teardown();
  let world: TestWorld;
  let api: RunningApi;
  let sink: WebhookSink;
  let child: ChildProcess | undefined;

  beforeAll(async () => {
    if (!existsSync(NOTIFIER)) throw new Error(`${NOTIFIER} is missing: run \`npm run build\` first (npm test does).`);
    sink = teardown.add(await WebhookSink.start(), (started) => started.close());
    world = teardown.add(await createTestWorld({ webhookAllowedHosts: '127.0.0.1' }), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
  });

  afterAll(async () => {
    if (child?.exitCode === null) child.kill('SIGKILL');
    await teardown.run();
  });

  it('gives the tick to another notifier, which reminds the caseworker once', async () => {
    const stale = await staleProposal(api, world, sink, 'crash');
    const queue = teardown.add(ticksQueue(world, QueueName.NotifierTicks), (started) => started.close());
    // Held by the test: the reminder's INSERT into notifications waits for it, mid-tick.
    const blocker = new pg.Client({ connectionString: world.config.databaseUrl });
    await blocker.connect();
    teardown.add(blocker, (client) => client.end());
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE notifications IN SHARE MODE');

    // The first notifier of this world: its schedulers are new, so its first ticks come at once.
    child = spawn(process.execPath, [NOTIFIER], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        DATABASE_URL: world.config.databaseUrl,
        REDIS_URL: world.config.redisUrl,
        QUEUE_PREFIX: world.config.queuePrefix,
        ADMIN_API_KEY: TEST_ADMIN_KEY,
        WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
        NOTIFIER_OPS_PORT: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    });
    const waiting = await eventually(
      async () => {
        const { rows } = await world.db.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'huigong-notifier' AND wait_event_type = 'Lock'`,
          [world.databaseName],
        );
        return rows.length > 0 ? rows.map((row) => row.pid) : undefined;
      },
      30_000,
      "the notifier's reminders waiting on the lock",
    );
    const [tick] = await queue.getActive();
    expect(tick.name).toBe('RemindCaseworkers');

    // Killed mid-tick. Its connection to PostgreSQL goes with it (a blocked backend notices only when it
    // next reads its socket, so it is ended here as the crash would): its transaction is rolled back.
    child.kill('SIGKILL');
    await new Promise((resolve) => child?.once('exit', resolve));
    await world.db.query(`SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid`, [waiting]);
    await blocker.query('ROLLBACK');
    expect(await remindersOf(api, stale.caseworkerKey)).toEqual([]);
    expect(await queue.getActiveCount()).toBe(1); // still held by the dead notifier, until its lock lapses

    // Another notifier, with the usual hourly schedule: the next tick is an hour away, so only the stalled
    // tick, given back once its lock lapsed, can remind anyone now.
    teardown.add(await startNotifier(world, {}), (started) => started.close());
    const reminders = await eventually(
      async () => {
        const found = await remindersOf(api, stale.caseworkerKey);
        return found.length > 0 ? found : undefined;
      },
      75_000,
      'the stalled tick taken up by the other notifier',
    );
    expect(reminders).toHaveLength(1);
    expect(reminders[0].payload.matches.map((match) => match.matchId)).toEqual([stale.matchId]);
    const done = await eventually(
      async () => {
        const job = await queue.getJob(tick.id ?? '');
        return job?.finishedOn !== undefined ? job : undefined;
      },
      10_000,
      'the tick completed',
    );
    // The same job, started twice: once in the notifier that died, once in the one that finished it.
    expect({ attemptsStarted: done.attemptsStarted, stalledCounter: done.stalledCounter, failedReason: done.failedReason }).toEqual({
      attemptsStarted: 2,
      stalledCounter: 1,
      failedReason: undefined,
    });
    await eventually(() => sink.to(stale.path).some((request) => request.body.includes('"type":"reminder"')), 15_000, 'the reminder at the webhook');
    expect(sink.to(stale.path).filter((request) => request.body.includes('"type":"reminder"'))).toHaveLength(1);
  }, 150_000);
});

describe('a matcher whose index is not built yet', () => {
  const teardown = new Teardown();
  let world: TestWorld;
  let api: RunningApi;

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
  });

  afterAll(() => teardown.run());

  it('runs no sweep until it is built, then expires an offer past its occurrence once', async () => {
    const merchant = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Gate canteen', kind: 'merchant' }).expect(201)).body.apiKey as string;
    const caseworker = (await api.http.post('/v1/caseworkers').set(ADMIN).send({ name: 'Gate desk' }).expect(201)).body as { id: string; apiKey: string };
    const person = (await api.http.post('/v1/candidates').set(bearer(caseworker.apiKey)).send(aCandidate()).expect(201)).body.id as string;
    const slot = (await api.http.post('/v1/slots').set(bearer(merchant)).send(aSlot()).expect(201)).body.id as string;
    // An offer whose occurrence ended a minute ago.
    const { rows } = await world.db.query<{ id: string }>(
      `INSERT INTO matches (id, offer_kind, slot_id, candidate_id, caseworker_id, score, status, redemption_code, occurrence_starts_at, expires_at)
       VALUES (gen_random_uuid(), 'slot', $1, $2, $3, 0.5, 'proposed', 'GATE2345', now() - interval '61 minutes', now() - interval '1 minute') RETURNING id`,
      [slot, person, caseworker.id],
    );
    const offer = rows[0].id;
    const queue = teardown.add(ticksQueue(world, QueueName.MatcherTicks), (started) => started.close());

    // The index build waits for the test (the matcher is started with it built, once the gate opens).
    let openGate: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      openGate = resolve;
    });
    const load = Reflect.get<MatchingService, 'load'>(MatchingService.prototype, 'load');
    MatchingService.prototype.load = async function (this: MatchingService) {
      await gate;
      return load.call(this);
    };
    teardown.add(load, (original) => {
      MatchingService.prototype.load = original;
      return Promise.resolve();
    });
    teardown.add(
      await NestFactory.createApplicationContext(MatcherModule.forRoot(world.config, { tickEveryMs: { ExpireOffers: 500 } }), {
        ...(process.env.TEST_LOGS ? {} : { logger: false as const }),
        abortOnError: false,
      }),
      (started) => started.close(),
    );

    // Scheduled, but waiting: several periods pass and nothing is swept.
    await eventually(async () => (await queue.getJobSchedulersCount()) === 2, 10_000, 'the schedulers');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await queue.getCompletedCount()).toBe(0);
    expect((await world.db.query(`SELECT status FROM matches WHERE id = $1`, [offer])).rows[0].status).toBe('proposed');

    openGate();
    await eventually(
      async () => (await world.db.query(`SELECT status FROM matches WHERE id = $1`, [offer])).rows[0].status === 'expired',
      15_000,
      'the offer expired once the index is built',
    );
    // Several more sweeps: still one move, with one history row.
    await eventually(async () => (await queue.getCompletedCount()) >= 4, 15_000, 'more sweeps');
    const { rows: history } = await world.db.query(`SELECT from_status, to_status, reason FROM match_status_history WHERE match_id = $1`, [offer]);
    expect(history).toEqual([{ from_status: 'proposed', to_status: 'expired', reason: 'no_show' }]);
  }, 60_000);
});
