import { DEFAULT_JOB_OPTIONS, type EventJobData, QueueName, queuePrefix, redisOptions } from '@huigong/messaging';
import { Queue, QueueEvents } from 'bullmq';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { Teardown, type TestWorld, createTestWorld, eventually, startWorker } from './support/test-environment';

/** Published outbox rows older than OUTBOX_RETENTION_DAYS (7 by default), enough for three batches of 5,000. */
const OLD_PUBLISHED = 12_000;

/**
 * The notifier's PurgeHistory tick, with the default retentions (outbox rows 7 days after they were
 * published, processed-event marks 30 days, idempotency records 24 hours): what is past them goes, in
 * batches; what is within stays; an event not yet relayed stays however old; and a job redelivered within
 * its mark's window is still recognised as handled.
 */
describe('the purge of rows past their use', () => {
  const teardown = new Teardown();
  let world: TestWorld;

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
  });

  afterAll(() => teardown.run());

  const handledWithinWindow = randomUUID();
  const handledLongAgo = randomUUID();

  it('deletes what is past its retention in batches, keeps what is within, and never an event still to be relayed', async () => {
    const recent = randomUUID();
    const unpublished = randomUUID();
    await world.db.query(
      `INSERT INTO outbox_events (id, event_name, payload, correlation_id, created_at, published_at)
       SELECT gen_random_uuid(), 'OpeningPosted', jsonb_build_object('openingId', gen_random_uuid()), 'old', now() - interval '9 days', now() - interval '8 days' - make_interval(secs => n)
         FROM generate_series(1, $1::int) n`,
      [OLD_PUBLISHED],
    );
    await world.db.query(
      `INSERT INTO outbox_events (id, event_name, payload, correlation_id, created_at, published_at) VALUES
         ($1, 'OpeningPosted', '{}', 'recent', now() - interval '6 days', now() - interval '6 days'),
         ($2, 'SlotWithdrawn', '{}', 'never relayed', now() - interval '40 days', NULL)`,
      [recent, unpublished],
    );
    await world.db.query(
      `INSERT INTO processed_events (consumer, event_id, event_name, processed_at) VALUES
         ('matcher', $1, 'OpeningClosed', now() - interval '20 days'),
         ('matcher', $2, 'OpeningClosed', now() - interval '31 days'),
         ('notifier', $2, 'MatchesProposed', now() - interval '40 days'),
         ('notifier', $1, 'MatchesProposed', now())`,
      [handledWithinWindow, handledLongAgo],
    );
    await world.db.query(
      `INSERT INTO idempotency_records (scope, idempotency_key, request_hash, status_code, response_body, created_at) VALUES
         ('key-a', 'yesterday', 'h', 201, '{}', now() - interval '25 hours'),
         ('key-a', 'today', 'h', 201, '{}', now() - interval '23 hours')`,
    );
    // The notifier's relay would publish the old unpublished row at once; held by the test, it is skipped
    // (SKIP LOCKED), as a row whose relay is slow would be, while the purge runs around it.
    const holder = teardown.add(new pg.Client({ connectionString: world.config.databaseUrl }), (client) => client.end());
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query(`SELECT id FROM outbox_events WHERE id = $1 FOR UPDATE`, [unpublished]);

    // A notifier: its schedulers are new, so its first PurgeHistory comes at once.
    const ticks = teardown.add(
      new Queue(QueueName.NotifierTicks, {
        connection: redisOptions(world.config.redisUrl, 'worker'),
        prefix: queuePrefix(world.config, QueueName.NotifierTicks),
      }),
      (queue) => queue.close(),
    );
    const notifier = await startWorker(world, 'notifier');
    const purge = await eventually(
      async () => (await ticks.getJobs(['completed'], 0, -1)).find((job) => job.name === 'PurgeHistory'),
      30_000,
      'the first PurgeHistory tick',
    );
    await notifier.close();
    await holder.query('ROLLBACK');
    expect(purge.returnvalue).toEqual({ idempotencyRecords: 1, publishedEvents: OLD_PUBLISHED, processedMarks: 2 });

    const { rows: outbox } = await world.db.query<{ id: string; published: boolean }>(
      `SELECT id, published_at IS NOT NULL AS published FROM outbox_events ORDER BY id`,
    );
    expect(outbox).toEqual(
      [
        { id: recent, published: true },
        { id: unpublished, published: false },
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    const { rows: marks } = await world.db.query(`SELECT consumer, event_id FROM processed_events ORDER BY consumer`);
    expect(marks).toEqual([
      { consumer: 'matcher', event_id: handledWithinWindow },
      { consumer: 'notifier', event_id: handledWithinWindow },
    ]);
    const { rows: records } = await world.db.query(`SELECT idempotency_key FROM idempotency_records`);
    expect(records).toEqual([{ idempotency_key: 'today' }]);
  }, 60_000);

  it('still recognises a job redelivered within its mark’s window (a failed job retried from the board)', async () => {
    // The unpublished row of the test above would be relayed to this matcher: it is an event of another test.
    await world.db.query(`DELETE FROM outbox_events WHERE published_at IS NULL`);
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
    const connection = redisOptions(world.config.redisUrl, 'worker');
    const events = teardown.add(new Queue(QueueName.DomainEvents, { connection, prefix: queuePrefix(world.config, QueueName.DomainEvents) }), (queue) =>
      queue.close(),
    );
    const finished = teardown.add(
      new QueueEvents(QueueName.DomainEvents, { connection, prefix: queuePrefix(world.config, QueueName.DomainEvents) }),
      (queueEvents) => queueEvents.close(),
    );
    await finished.waitUntilReady();
    const redeliver = async (eventId: string) => {
      const data: EventJobData<'OpeningClosed'> = {
        eventId,
        eventName: 'OpeningClosed',
        correlationId: 'redelivered',
        occurredAt: new Date().toISOString(),
        payload: { openingId: randomUUID() },
      };
      const job = await events.add('OpeningClosed', data, { ...DEFAULT_JOB_OPTIONS, jobId: `redelivered-${eventId}` });
      return job.waitUntilFinished(finished, 30_000) as Promise<{ handled: boolean }>;
    };
    expect(await redeliver(handledWithinWindow)).toEqual({ handled: false });
    // Past the window the mark is gone, and the event would be handled again: the window must outlive redeliveries.
    expect(await redeliver(handledLongAgo)).toEqual({ handled: true });
  }, 60_000);
});
