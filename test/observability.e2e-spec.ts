import { randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { APP_LOGGER, createOpsApp, listenOps } from '@huigong/observability';
import type { Logger as PinoInstance } from 'pino';
import { createApiApp } from '../apps/api/src/create-api-app';
import { MatcherModule } from '../apps/matcher/src/matcher.module';
import { NotifierModule } from '../apps/notifier/src/notifier.module';
import { ADMIN, type Keys, aCandidate, anOpening, bearer, createParties, weekdays } from './support/builders';
import { DisposableRedis, freePort } from './support/redis-server';
import { type RunningApi, TEST_ADMIN_KEY, Teardown, type TestWorld, createTestWorld, eventually, matcherCaughtUp } from './support/test-environment';
import { WebhookSink } from './support/webhook-sink';

/** The JSON lines the apps of this file write (nestjs-pino keeps one root logger per process: the first app's). */
class LogCapture {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  write(chunk: string): void {
    for (const line of chunk.split('\n')) {
      if (line.trim() === '') continue;
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
}

/** One sample of a metric from Prometheus's text format, or undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const found = Object.fromEntries([...(match.at(2) ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found[key] === value)) return Number(match[3]);
  }
  return undefined;
}

function sum(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const value = sample(line, name, labels);
    if (value !== undefined) total += value;
  }
  return total;
}

const veteranNearDinghai = (overrides: Record<string, unknown> = {}) =>
  aCandidate({ groups: ['veteran'], skills: ['assembly'], availability: weekdays('08:00', '16:00'), ...overrides });

describe('health, metrics, logs, the queue board and the rate limit', () => {
  const logs = new LogCapture();
  const teardown = new Teardown();
  let world: TestWorld;
  let sink: WebhookSink;
  let api: RunningApi;
  let keys: Keys;
  let matcherOps: ReturnType<typeof request>;
  let notifierOps: ReturnType<typeof request>;

  /** A worker started the way its main.ts starts it, listening on a free ops port. */
  async function startOpsWorker(which: 'matcher' | 'notifier'): Promise<{ app: NestExpressApplication; http: ReturnType<typeof request> }> {
    const module =
      which === 'matcher'
        ? MatcherModule.forRoot(world.config, { logs: { destination: logs } })
        : NotifierModule.forRoot(world.config, { logs: { destination: logs } });
    const app = teardown.add(await createOpsApp(module), (started) => started.close());
    const port = await freePort();
    await listenOps(app, port, which === 'matcher' ? 'MATCHER_OPS_PORT' : 'NOTIFIER_OPS_PORT', which);
    return { app, http: request(`http://127.0.0.1:${port}`) };
  }

  beforeAll(async () => {
    sink = teardown.add(await WebhookSink.start(), (started) => started.close());
    world = teardown.add(await createTestWorld({ webhookAllowedHosts: '127.0.0.1' }), (started) => started.destroy());
    // The first app of the process decides nestjs-pino's root logger: this one, writing to the capture.
    const app = teardown.add(await createApiApp(world.config, { logs: { destination: logs } }), (started) => started.close());
    await app.init();
    api = { app, http: request(app.getHttpServer()), close: () => app.close() };
    keys = await createParties(api, 'obs');
  });

  afterAll(() => teardown.run());

  it('answers /health/live and /health/ready without a key', async () => {
    await api.http.get('/health/live').expect(200, { status: 'ok' });
    const ready = await api.http.get('/health/ready').expect(200);
    expect(ready.body.status).toBe('ok');
    for (const check of ['database', 'redis', 'queues']) expect(ready.body.checks[check].status).toBe('up');
  });

  it('shows queue depth while no matcher runs, then match latency, the matcher’s proposals and empty queues once one has', async () => {
    await api.http.post('/v1/openings').set(bearer(keys.employer)).send(anOpening()).expect(201);
    await api.http
      .post('/v1/candidates')
      .set(bearer(keys.caseworker))
      .send(veteranNearDinghai({ externalRef: 'OBS-1' }))
      .expect(201);

    // Relayed but not consumed: the events wait in domain-events, and the oldest has an age.
    const waiting = await eventually(
      async () => {
        const text = (await api.http.get('/metrics').expect(200)).text;
        const relayed = sample(text, 'huigong_queue_jobs', { queue: 'domain-events', state: 'waiting' }) === 2;
        return relayed && sample(text, 'huigong_outbox_unpublished_events') === 0 ? text : undefined;
      },
      10_000,
      'both domain events relayed and waiting',
    );
    expect(sample(waiting, 'huigong_queue_oldest_waiting_seconds', { queue: 'domain-events' })).toBeGreaterThan(0);
    expect(sample(waiting, 'huigong_outbox_oldest_unpublished_seconds')).toBe(0);
    expect(sample(waiting, 'http_request_duration_seconds_count', { method: 'POST', route: '/v1/openings', status_code: '201' })).toBe(1);
    expect(sample(waiting, 'huigong_matches_proposed_total', { kind: 'opening' })).toBe(0);

    ({ http: matcherOps } = await startOpsWorker('matcher'));
    ({ http: notifierOps } = await startOpsWorker('notifier'));
    await matcherCaughtUp(world);

    const after = (await api.http.get('/metrics').expect(200)).text;
    expect(sample(after, 'huigong_queue_jobs', { queue: 'domain-events', state: 'waiting' })).toBe(0);
    expect(sample(after, 'huigong_queue_oldest_waiting_seconds', { queue: 'domain-events' })).toBe(0);
    // Each process counts what it does: the API proposes nothing, and delivers nothing.
    expect(sample(after, 'huigong_matches_proposed_total', { kind: 'opening', service: 'api' })).toBe(0);
    for (const outcome of ['delivered', 'retrying', 'dead', 'disabled', 'dropped'])
      expect(sample(after, 'huigong_delivery_attempts_total', { outcome })).toBe(0);

    // The latency histogram lives in the matcher: its own /metrics on its ops port.
    const matcherMetrics = (await matcherOps.get('/metrics').expect(200)).text;
    expect(sample(matcherMetrics, 'huigong_match_latency_seconds_count', { event: 'OpeningPosted', service: 'matcher' })).toBe(1);
    expect(sample(matcherMetrics, 'huigong_match_latency_seconds_count', { event: 'CandidateRegistered' })).toBe(1);
    expect(sample(matcherMetrics, 'huigong_match_latency_seconds_sum', { event: 'OpeningPosted' })).toBeGreaterThan(0);
    expect(sample(matcherMetrics, 'huigong_matches_proposed_total', { kind: 'opening', service: 'matcher' })).toBe(1);
    expect(sample(matcherMetrics, 'huigong_matches_proposed_total', { kind: 'slot' })).toBe(0);
  });

  it('serves the same health routes on each worker ops port', async () => {
    for (const ops of [matcherOps, notifierOps]) {
      await ops.get('/health/live').expect(200, { status: 'ok' });
      const ready = await ops.get('/health/ready').expect(200);
      expect(ready.body.checks.workers.status).toBe('up');
      expect(ready.body.checks.database.status).toBe('up');
    }
    const notifierMetrics = (await notifierOps.get('/metrics').expect(200)).text;
    expect(sample(notifierMetrics, 'huigong_delivery_attempts_total', { outcome: 'delivered', service: 'notifier' })).toBe(0); // no webhook yet
    expect(sample(notifierMetrics, 'huigong_queue_jobs', { queue: 'notifications', state: 'failed' })).toBe(0);
  });

  it('counts what each process commits as a user does it: a proposal in the matcher, a delivery in the notifier, a move in the API', async () => {
    const metricsOf = async (ops: ReturnType<typeof request>) => (await ops.get('/metrics').expect(200)).text;
    const proposedBefore = sample(await metricsOf(matcherOps), 'huigong_matches_proposed_total', { kind: 'opening' }) ?? Number.NaN;
    const deliveredBefore = sample(await metricsOf(notifierOps), 'huigong_delivery_attempts_total', { outcome: 'delivered' }) ?? Number.NaN;
    const movedBefore = sample(await metricsOf(api.http), 'huigong_match_status_changes_total', { kind: 'opening', status: 'contacted' }) ?? Number.NaN;
    expect([proposedBefore, deliveredBefore, movedBefore]).toEqual([1, 0, 0]);

    // A caseworker with a webhook registers a person; an employer posts an opening they fit.
    const desk = (
      await api.http
        .post('/v1/caseworkers')
        .set(ADMIN)
        .send({ name: 'Counted desk', webhookUrl: `${sink.url}/counted` })
        .expect(201)
    ).body as {
      apiKey: string;
    };
    const person = (
      await api.http
        .post('/v1/candidates')
        .set(bearer(desk.apiKey))
        .send(veteranNearDinghai({ externalRef: 'OBS-COUNTED' }))
        .expect(201)
    ).body.id as string;
    await api.http
      .post('/v1/openings')
      .set(bearer(keys.employer))
      .send(anOpening({ title: 'Counted job' }))
      .expect(201);
    await eventually(() => sink.to('/counted').length > 0, 20_000, 'a candidate list at the webhook');

    // The matcher counted its proposals as it committed them: the new person to both openings, and the
    // earlier veteran to the new one (4 matches in all, with the first test's).
    await eventually(
      async () => {
        const { rows } = await world.db.query<{ matches: number }>(`SELECT count(*)::int AS matches FROM matches`);
        const counted = sample(await metricsOf(matcherOps), 'huigong_matches_proposed_total', { kind: 'opening', service: 'matcher' });
        return rows[0].matches === 4 && counted === proposedBefore + 3;
      },
      10_000,
      "the matcher's count of proposals",
    );
    // The notifier counted the deliveries it made: the person's lists of both openings, each delivered once.
    await eventually(
      async () => {
        const { rows } = await world.db.query<{ delivered: number }>(
          `SELECT count(*)::int AS delivered FROM notification_deliveries WHERE status = 'delivered'`,
        );
        const counted = sample(await metricsOf(notifierOps), 'huigong_delivery_attempts_total', { outcome: 'delivered', service: 'notifier' });
        return rows[0].delivered === 2 && sink.to('/counted').length === 2 && counted === deliveredBefore + 2;
      },
      10_000,
      "the notifier's count of deliveries",
    );
    // The caseworker records contact: the API counts the move, once it is committed; a refused move is not counted.
    const { rows: own } = await world.db.query<{ id: string }>(`SELECT id FROM matches WHERE candidate_id = $1`, [person]);
    await api.http.patch(`/v1/matches/${own[0].id}`).set(bearer(desk.apiKey)).send({ status: 'contacted' }).expect(200);
    await api.http.patch(`/v1/matches/${own[0].id}`).set(bearer(desk.apiKey)).send({ status: 'contacted' }).expect(409);
    const moved = await metricsOf(api.http);
    expect(sample(moved, 'huigong_match_status_changes_total', { kind: 'opening', status: 'contacted', service: 'api' })).toBe(movedBefore + 1);
    expect(sample(moved, 'huigong_match_status_changes_total', { kind: 'opening', status: 'hired' })).toBe(0);
  });

  it('logs JSON lines with the request id, follows it into the matcher, and redacts keys and personal data', async () => {
    const requestId = `obs-${randomBytes(6).toString('hex')}`;
    const phone = '+86 139 1234 5678';
    const created = await api.http
      .post('/v1/candidates')
      .set(bearer(keys.caseworker))
      .set('X-Request-Id', requestId)
      .send(veteranNearDinghai({ externalRef: 'OBS-2', displayName: 'Li Na', phone }))
      .expect(201);
    expect(created.headers['x-request-id']).toBe(requestId);

    const requestLine = await eventually(() =>
      logs.lines.find((line) => line.correlationId === requestId && (line.req as { url?: string } | undefined)?.url === '/v1/candidates'),
    );
    expect(requestLine).toMatchObject({ service: 'api', level: 'info', res: { statusCode: 201 } });
    expect((requestLine.req as { headers: Record<string, string> }).headers.authorization).toBe('[Redacted]');

    // The matcher handles the CandidateRegistered event the request caused, under the same id.
    const jobLine = await eventually(
      () => logs.lines.find((line) => line.correlationId === requestId && line.context === 'Jobs' && line.eventName === 'CandidateRegistered'),
      15_000,
      "the matcher's line for the job",
    );
    expect(jobLine.msg).toMatch(/^Job domain-events\/\S+ \(CandidateRegistered, attempt \d+\) completed in \d+ ms\.$/);

    // Whatever is logged by mistake, keys and personal data come out redacted.
    const logger = api.app.get<PinoInstance>(APP_LOGGER);
    logger.info({ candidate: { displayName: 'Li Na', phone, accessibilityNeeds: ['wheelchair'] }, apiKey: keys.caseworker }, 'a careless line');
    const careless = logs.lines.find((line) => line.msg === 'a careless line');
    expect(careless).toMatchObject({ candidate: { displayName: '[Redacted]', phone: '[Redacted]', accessibilityNeeds: '[Redacted]' }, apiKey: '[Redacted]' });

    const everything = logs.raw.join('\n');
    for (const secret of [phone, 'Li Na', keys.caseworker, keys.employer, TEST_ADMIN_KEY]) expect(everything).not.toContain(secret);
  });

  it('opens the queue board to the admin key only', async () => {
    const none = await api.http.get('/admin/queues').expect(401);
    expect(none.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: expect.stringContaining('admin key') });
    expect(none.headers['www-authenticate']).toMatch(/^Basic /);
    await api.http.get('/admin/queues').set(bearer('hg_not-a-key')).expect(401);
    const caseworker = await api.http.get('/admin/queues').set(bearer(keys.caseworker)).expect(403);
    expect(caseworker.body).toMatchObject({ statusCode: 403, error: 'Forbidden' });

    const page = await api.http.get('/admin/queues').set(ADMIN).expect(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['x-powered-by']).toBeUndefined();
    const basic = `Basic ${Buffer.from(`admin:${TEST_ADMIN_KEY}`).toString('base64')}`;
    const queues = await api.http.get('/admin/queues/api/queues').set('Authorization', basic).expect(200);
    const names = (queues.body.queues as { name: string }[]).map((queue) => queue.name).sort();
    expect(names).toEqual(['deliveries', 'domain-events', 'matcher-ticks', 'notifications', 'notifier-ticks']);
    await api.http.get('/admin/queues/api/queues').set(bearer(keys.employer)).expect(403);
  });

  it('throttles the intake API per key with 429, Retry-After and the error shape, never the health routes', async () => {
    // The count is shared, in Redis, with the other API of this world (one QUEUE_PREFIX), where the admin key and the
    // parties' keys were used a moment ago: keys of this test's own start with their whole allowance.
    const fresh = await createParties(api, 'throttled');
    const limited = await createApiApp({ ...world.config, rateLimitPerMinute: 5 }, { logger: false });
    await limited.init();
    try {
      const http = request(limited.getHttpServer());
      // Made-up keys are refused by the key guard before the limit counts them (nor do they count against the address).
      for (let i = 0; i < 6; i++)
        await http
          .get('/v1/inbox')
          .set(bearer(`hg_made-up-${i}`))
          .expect(401);
      for (let i = 0; i < 5; i++) await http.get('/v1/inbox').set(bearer(fresh.employer)).expect(200);
      const refused = await http.get('/v1/inbox').set(bearer(fresh.employer)).expect(429);
      expect(refused.body).toEqual({ statusCode: 429, error: 'Too Many Requests', message: expect.stringContaining('at most 5 a minute') });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
      // Another key has its own allowance; probes and scrapes are never limited.
      await http.get('/v1/inbox').set(bearer(fresh.caseworker)).expect(200);
      for (let i = 0; i < 12; i++) await http.get('/health/live').expect(200);
      await http.get('/metrics').expect(200);
    } finally {
      await limited.close();
    }
  });
});

describe('readiness while Redis is away', () => {
  const teardown = new Teardown();
  let redis: DisposableRedis;
  let api: RunningApi;

  beforeAll(async () => {
    redis = teardown.add(await DisposableRedis.start(), (started) => started.stop());
    const world = teardown.add(await createTestWorld({ redisUrl: redis.url }), (started) => started.destroy());
    const app = teardown.add(await createApiApp(world.config, { logger: false }), (started) => started.close());
    await app.init();
    api = { app, http: request(app.getHttpServer()), close: () => app.close() };
  });

  afterAll(() => teardown.run());

  it('goes 503 when Redis stops, keeps taking writes into the outbox, and is ready again by itself when it returns', async () => {
    await api.http.get('/health/ready').expect(200);
    const employer = await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Baise Assembly', kind: 'employer' }).expect(201);

    await redis.stop();
    const down = await eventually(
      async () => {
        const response = await api.http.get('/health/ready');
        return response.status === 503 ? response : undefined;
      },
      10_000,
      'ready to report 503',
    );
    expect(down.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', message: expect.stringContaining('redis') });
    expect(down.body.checks.redis.status).toBe('down');
    expect(down.body.checks.database.status).toBe('up');
    await api.http.get('/health/live').expect(200);

    // The API still accepts writes; their events wait in the outbox, and /metrics shows the lag.
    await api.http.post('/v1/openings').set(bearer(employer.body.apiKey)).send(anOpening()).expect(201);
    // The event's age grows from 0 as the clock moves on: wait for it to show, not for a fixed time.
    const lagging = await eventually(
      async () => {
        const text = (await api.http.get('/metrics').expect(200)).text;
        return (sample(text, 'huigong_outbox_oldest_unpublished_seconds') ?? 0) > 0 ? text : undefined;
      },
      10_000,
      'the outbox lag to show',
    );
    expect(sample(lagging, 'huigong_outbox_unpublished_events')).toBeGreaterThanOrEqual(1);
    expect(sum(lagging, 'huigong_queue_jobs')).toBe(0); // Redis is away: no queue figures rather than stale ones

    await redis.start();
    await eventually(async () => (await api.http.get('/health/ready')).status === 200, 20_000, 'ready to report 200 again');
    await eventually(async () => sample((await api.http.get('/metrics')).text, 'huigong_outbox_unpublished_events') === 0, 20_000, 'the outbox to drain');
  });
});
