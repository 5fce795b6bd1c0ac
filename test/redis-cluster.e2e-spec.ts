import type { INestApplicationContext } from '@nestjs/common';
import { EVENT_QUEUE, QueueName, queuePrefix } from '@huigong/messaging';
import { randomBytes } from 'node:crypto';
import { ADMIN, DINGHAI_ROAD, aCandidate, anOpening, bearer, weekdays } from './support/builders';
import { QueueInspector } from './support/queue-inspection';
import { DisposableRedisCluster } from './support/redis-cluster';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, startApi, startWorker } from './support/test-environment';
import { WebhookSink } from './support/webhook-sink';

/**
 * The product on a Redis Cluster of three masters (each with a replica), started by the test: the API, two
 * matchers sharing the index broadcast, and the notifier, all reaching the cluster through
 * REDIS_CLUSTER_NODES. One master is killed in the middle of a stream of registrations; its replica takes
 * over, and every accepted registration is still relayed once, matched once and listed to its caseworker once.
 */

const QUEUES = Object.values(QueueName);
const WAVE = 20;
const MASTERS = 3;

/** A veteran assembly worker near Dinghai Road whom the opening below fits. */
const fitting = (ref: string) =>
  aCandidate({
    externalRef: ref,
    groups: ['veteran'],
    skills: ['assembly'],
    availability: weekdays('08:00', '16:00'),
    location: { lat: DINGHAI_ROAD.lat + 0.001, lng: DINGHAI_ROAD.lng },
  });

describe('Redis Cluster: three masters, one failed over mid-run', () => {
  let cluster: DisposableRedisCluster;
  let world: TestWorld;
  let api: RunningApi;
  let sink: WebhookSink;
  let inspector: QueueInspector;
  let caseworker: { id: string; apiKey: string };
  let employerKey: string;
  /** The person registered by the first test, before the failover. */
  let firstId: string;
  const matchers: INestApplicationContext[] = [];
  const teardown = new Teardown();

  /** A queue prefix whose queues land on every one of the three masters (so the test shows them spread). */
  async function prefixSpreadOverMasters(): Promise<string> {
    for (let attempt = 0; attempt < 200; attempt++) {
      const candidate = `test-cluster-${randomBytes(3).toString('hex')}`;
      const masters = await Promise.all(
        QUEUES.map(async (queue) =>
          cluster.masterOf(await cluster.keySlot(`${queuePrefix({ queuePrefix: candidate, redisClusterNodes: [] }, queue)}:${queue}:wait`)),
        ),
      );
      if (new Set(masters).size === MASTERS) return candidate;
    }
    throw new Error('no prefix spread the queues over three masters');
  }

  beforeAll(async () => {
    cluster = teardown.add(await DisposableRedisCluster.start(MASTERS), (started) => started.stop());
    const prefix = await prefixSpreadOverMasters();
    sink = teardown.add(await WebhookSink.start(), (started) => started.close());
    world = teardown.add(
      await createTestWorld({
        webhookAllowedHosts: '127.0.0.1',
        env: { REDIS_CLUSTER_NODES: cluster.nodeList, QUEUE_PREFIX: prefix, DIGEST_AFTER_LISTS: 'off', DELIVERY_RETRY_FIRST_DELAY_SECONDS: '0.2' },
      }),
      (started) => started.destroy(),
    );
    api = teardown.add(await startApi(world), (started) => started.close());
    for (let i = 0; i < 2; i++) matchers.push(teardown.add(await startWorker(world, 'matcher'), (started) => started.close()));
    teardown.add(await startWorker(world, 'notifier'), (started) => started.close());
    inspector = teardown.add(new QueueInspector(world), (started) => started.close());

    caseworker = (
      await api.http
        .post('/v1/caseworkers')
        .set(ADMIN)
        .send({ name: 'Cluster desk', webhookUrl: `${sink.url}/caseworker` })
        .expect(201)
    ).body as {
      id: string;
      apiKey: string;
    };
    employerKey = (await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Yangpu Assembly', kind: 'employer' }).expect(201)).body.apiKey as string;
  });

  afterAll(() => teardown.run());

  it('keeps each queue in one hash slot and spreads the queues over the masters', async () => {
    // Thirty positions: a shortlist of 90 holds every one of the 61 people registered in this file.
    await api.http
      .post('/v1/openings')
      .set(bearer(employerKey))
      .send(anOpening({ positions: 30 }))
      .expect(201);
    firstId = (await api.http.post('/v1/candidates').set(bearer(caseworker.apiKey)).send(fitting('first')).expect(201)).body.id as string;
    await eventually(async () => (await inspector.contents(QueueName.Deliveries)).stored.length > 0, 30_000, 'a delivery job');

    const mastersOfQueues = new Set<number>();
    for (const queue of QUEUES) {
      const keys = await inspector.keys(queue);
      expect(keys.length).toBeGreaterThan(2);
      const slots = new Set(await Promise.all(keys.map((key) => cluster.keySlot(key))));
      expect(slots.size).toBe(1);
      mastersOfQueues.add(await cluster.masterOf([...slots][0]));
    }
    expect(mastersOfQueues.size).toBe(MASTERS);
  });

  // Up to a minute for the failover and the backlog behind it, on a slow machine.
  it('relays, matches and lists every registration once while a master fails over', async () => {
    const caseworkerHeaders = bearer(caseworker.apiKey);
    const register = (wave: string) =>
      Promise.all(
        Array.from({ length: WAVE }, (_, i) =>
          api.http
            .post('/v1/candidates')
            .set(caseworkerHeaders)
            .send(fitting(`${wave}-${i}`)),
        ),
      );

    const before = await register('before');
    // The master holding the matcher's queue is killed while the next wave is being registered.
    const domainEventsMaster = await cluster.masterOf(
      await cluster.keySlot(`${queuePrefix(world.config, QueueName.DomainEvents)}:${QueueName.DomainEvents}:wait`),
    );
    const [during] = await Promise.all([register('during'), cluster.kill(domainEventsMaster)]);
    await cluster.waitForFailover();
    const after = await register('after');

    const responses = [...before, ...during, ...after];
    expect(responses.map((response) => response.status)).toEqual(Array(3 * WAVE).fill(201));
    const registered = responses.map((response) => response.body.id as string).sort();

    // Every person registered is matched to the opening once, and is on exactly one list sent to their caseworker.
    const listed = await eventually(
      async () => {
        const { rows } = await world.db.query<{ candidate_id: string }>(
          `SELECT unnest(candidate_ids)::text AS candidate_id FROM notifications WHERE recipient_kind = 'caseworker' AND recipient_id = $1 AND type = 'candidate_list'`,
          [caseworker.id],
        );
        return rows.length > registered.length ? rows.map((row) => row.candidate_id).sort() : undefined;
      },
      60_000,
      'every person on a candidate list',
    );
    expect(listed).toEqual([...registered, firstId].sort());
    const { rows: matches } = await world.db.query<{ candidate_id: string }>(`SELECT candidate_id::text FROM matches WHERE offer_kind = 'opening' ORDER BY 1`);
    expect(matches.map((match) => match.candidate_id)).toEqual([...registered, firstId].sort());

    // Once all is handled, every event committed was relayed (the outbox drained) as exactly one job.
    await eventually(
      async () => (await world.db.query(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL`)).rows[0].n === 0,
      60_000,
      'the outbox to drain',
    );
    const { rows: events } = await world.db.query<{ id: string; event_name: keyof typeof EVENT_QUEUE }>(`SELECT id, event_name FROM outbox_events`);
    for (const queue of QUEUES) {
      const contents = await inspector.contents(queue);
      const expected = events.filter((event) => EVENT_QUEUE[event.event_name] === queue).map((event) => event.id);
      expect({ queue, stored: [...contents.stored].sort() }).toEqual({ queue, stored: [...expected].sort() });
    }

    // And each list reached the caseworker's webhook (a retry keeps its webhook-id).
    const { rows: lists } = await world.db.query<{ id: string }>(
      `SELECT id::text FROM notifications WHERE recipient_kind = 'caseworker' AND recipient_id = $1`,
      [caseworker.id],
    );
    await eventually(
      () => lists.every((list) => sink.to('/caseworker').some((hook) => hook.headers['webhook-id'] === list.id)),
      60_000,
      'every list delivered',
    );
  }, 180_000);
});
