import { EVENT_QUEUE, type EventName, QueueName, UnitOfWork, type WriteTransaction, outboxEvent } from '@huigong/messaging';
import { randomUUID } from 'node:crypto';
import { runInRequestContext } from '@huigong/platform';
import { ADMIN, type Keys, aCandidate, aSlot, bearer, createParties, weekdays } from './support/builders';
import { QueueInspector } from './support/queue-inspection';
import { DisposableRedis } from './support/redis-server';
import { type RunningApi, Teardown, type TestWorld, createTestWorld, eventually, startApi, startWorker } from './support/test-environment';

/**
 * The outbox guarantees, against real PostgreSQL and Redis: an event exists exactly when its write
 * committed, every committed event becomes exactly one BullMQ job (job id = outbox id) whatever happens to
 * Redis or to a relay, and the matcher handles each event once however often it is delivered.
 */

interface OutboxRow {
  id: string;
  event_name: EventName;
  payload: Record<string, unknown>;
  correlation_id: string;
  published_at: Date | null;
}

async function outboxRows(world: TestWorld): Promise<OutboxRow[]> {
  const { rows } = await world.db.query<OutboxRow>(`SELECT id, event_name, payload, correlation_id, published_at FROM outbox_events ORDER BY created_at, id`);
  return rows;
}

/** Waits until the outbox holds `expected` rows and every one of them is marked published. */
async function allPublished(world: TestWorld, expected: number, timeoutMs = 20_000): Promise<void> {
  let last = { total: -1, pending: -1 };
  try {
    await eventually(
      async () => {
        const { rows } = await world.db.query<{ total: number; pending: number }>(
          `SELECT count(*)::int AS total, count(*) FILTER (WHERE published_at IS NULL)::int AS pending FROM outbox_events`,
        );
        last = rows[0];
        return last.total === expected && last.pending === 0;
      },
      timeoutMs,
      `all ${expected} outbox rows to be published`,
    );
  } catch (error) {
    throw new Error(`${(error as Error).message} (last seen: ${last.total} rows, ${last.pending} unpublished)`, { cause: error });
  }
}

const sorted = (ids: readonly string[]) => [...ids].sort();

/** Ids that occur more than once in a list. */
function repeatedIn(ids: readonly string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const id of ids) (seen.has(id) ? repeated : seen).add(id);
  return [...repeated];
}

/**
 * The operator's check: each queue holds exactly one job per outbox row routed to it, with the outbox id
 * as job id and the row's event as data, listed once, and no job that has no row. Returns the rows.
 */
async function expectExactlyOneJobPerOutboxRow(world: TestWorld, inspector: QueueInspector): Promise<OutboxRow[]> {
  const rows = await outboxRows(world);
  // The queues the outbox feeds (the ticks' queues hold their schedulers' jobs, which no row made).
  for (const queueName of new Set(Object.values(EVENT_QUEUE))) {
    const expected = rows.filter((row) => EVENT_QUEUE[row.event_name] === queueName);
    const expectedIds = new Set(expected.map((row) => row.id));
    const contents = await inspector.contents(queueName);
    const storedIds = new Set(contents.stored);
    expect({
      queue: queueName,
      jobsStored: contents.stored.length,
      jobsListed: contents.listed.length,
      rowsWithoutJob: expected.filter((row) => !storedIds.has(row.id)).map((row) => row.id),
      jobsWithoutRow: contents.stored.filter((id) => !expectedIds.has(id)),
      listedTwice: repeatedIn(contents.listed),
      listedButNotStored: contents.listed.filter((id) => !storedIds.has(id)),
    }).toEqual({
      queue: queueName,
      jobsStored: expected.length,
      jobsListed: expected.length,
      rowsWithoutJob: [],
      jobsWithoutRow: [],
      listedTwice: [],
      listedButNotStored: [],
    });
    const wrongData = expected.filter((row) => {
      const job = contents.jobs.get(row.id);
      return (
        job === undefined ||
        job.name !== row.event_name ||
        job.data.eventId !== row.id ||
        job.data.eventName !== row.event_name ||
        job.data.correlationId !== row.correlation_id ||
        JSON.stringify(job.data.payload) !== JSON.stringify(row.payload)
      );
    });
    expect(wrongData.map((row) => row.id)).toEqual([]);
  }
  return rows;
}

/** NDJSON for a bulk import of `count` valid candidates. */
function ndjson(count: number, label: string): string {
  return Array.from({ length: count }, (_, i) => JSON.stringify(aCandidate({ displayName: `Bulk ${label} ${i}`, externalRef: `${label}-${i}` }))).join('\n');
}

/** A response's status, with the error body when it is not a success (so a failure says why). */
const outcome = (response: { status: number; body: unknown }) =>
  response.status < 300 ? response.status : `${response.status} ${JSON.stringify(response.body)}`;

/** Each request fails the test if the API does not answer within this time (a hang is a defect too). */
const ANSWER_WITHIN_MS = 5_000;

describe('outbox: an event exists exactly when its write committed', () => {
  let world: TestWorld;
  let api: RunningApi;
  let inspector: QueueInspector;
  let employerId: string;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    inspector = teardown.add(new QueueInspector(world), (started) => started.close());
    const employer = await api.http.post('/v1/organizations').set(ADMIN).send({ name: 'Yangpu Assembly', kind: 'employer' }).expect(201);
    employerId = employer.body.id;
  });

  afterAll(() => teardown.run());

  /** The body of PostOpeningHandler, by hand: insert an opening, emit OpeningPosted. */
  async function insertOpening(tx: WriteTransaction, title: string): Promise<string> {
    const id = randomUUID();
    await tx.manager.query(
      `INSERT INTO openings (id, organization_id, status, title, lat, lng, radius_km, shifts, positions)
       VALUES ($1, $2, 'open', $3, 31.27, 121.549, 10, $4, 5)`,
      [id, employerId, title, JSON.stringify(weekdays('08:00', '16:00'))],
    );
    return id;
  }

  async function openingsTitled(title: string): Promise<number> {
    const { rows } = await world.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM openings WHERE title = $1`, [title]);
    return rows[0].n;
  }

  it('commits the row and its event together, and the relay turns the event into one job', async () => {
    const unitOfWork = api.app.get(UnitOfWork);
    const openingId = await unitOfWork.run(async (tx) => {
      const id = await insertOpening(tx, 'committed');
      tx.emit(outboxEvent('OpeningPosted', { openingId: id }));
      return id;
    });

    expect(await openingsTitled('committed')).toBe(1);
    await allPublished(world, 1);
    const [row] = await expectExactlyOneJobPerOutboxRow(world, inspector);
    expect(row).toMatchObject({ event_name: 'OpeningPosted', payload: { openingId } });
  });

  it('leaves neither the row nor an outbox row when the unit of work throws after emitting', async () => {
    const unitOfWork = api.app.get(UnitOfWork);
    const before = await outboxRows(world);
    let insertedId: string | undefined;

    await expect(
      unitOfWork.run(async (tx) => {
        insertedId = await insertOpening(tx, 'rolled back');
        tx.emit(outboxEvent('OpeningPosted', { openingId: insertedId }));
        // The row is really there inside the transaction before the failure.
        const [{ n }] = await tx.manager.query(`SELECT count(*)::int AS n FROM openings WHERE id = $1`, [insertedId]);
        expect(n).toBe(1);
        throw new Error('the caller failed after emitting');
      }),
    ).rejects.toThrow('the caller failed after emitting');

    expect(insertedId).toBeDefined();
    expect(await openingsTitled('rolled back')).toBe(0);
    const { rows } = await world.db.query(`SELECT id FROM outbox_events WHERE payload->>'openingId' = $1`, [insertedId]);
    expect(rows).toEqual([]);
    expect(await outboxRows(world)).toEqual(before);
  });

  it('rolls the write back when its event cannot be stored in the outbox', async () => {
    const unitOfWork = api.app.get(UnitOfWork);
    const before = await outboxRows(world);

    // PostgreSQL's jsonb refuses \u0000: the outbox INSERT itself fails, after the opening row was written.
    await expect(
      unitOfWork.run(async (tx) => {
        await insertOpening(tx, 'outbox failed');
        tx.emit(outboxEvent('OpeningPosted', { openingId: 'nul\u0000byte' }));
      }),
    ).rejects.toThrow();

    expect(await openingsTitled('outbox failed')).toBe(0);
    expect(await outboxRows(world)).toEqual(before);
    // Nothing reached the queue either: still exactly the one job of the committed write.
    await expectExactlyOneJobPerOutboxRow(world, inspector);
  });

  /** Grouped writes as six requests would make them at the same moment, each in its own request context. */
  function groupedOpenings(label: string, failing: number | null) {
    const unitOfWork = api.app.get(UnitOfWork);
    return Array.from({ length: 6 }, (_, i) =>
      runInRequestContext({ correlationId: `${label}-${i}` }, () =>
        unitOfWork.runGrouped(async (tx) => {
          const id = await insertOpening(tx, `${label} ${i}`);
          tx.emit(outboxEvent('OpeningPosted', { openingId: id }));
          if (i === failing) throw new Error(`write ${i} failed`);
          const [{ txid }] = await tx.manager.query(`SELECT txid_current()::text AS txid`);
          return { id, txid: txid as string };
        }),
      ),
    );
  }

  it('commits writes of the same moment in one transaction, each event with its own request id', async () => {
    const before = new Set((await outboxRows(world)).map((row) => row.id));
    const written = await Promise.all(groupedOpenings('grouped', null));
    // One group: one transaction, one flush to disk for the six.
    expect(new Set(written.map((write) => write.txid)).size).toBe(1);
    for (let i = 0; i < 6; i++) expect(await openingsTitled(`grouped ${i}`)).toBe(1);
    const events = (await outboxRows(world)).filter((row) => !before.has(row.id));
    expect(events.map((row) => [row.correlation_id, row.payload.openingId]).sort()).toEqual(written.map((write, i) => [`grouped-${i}`, write.id]).sort());
  });

  it('fails only the write that failed: the others of its group commit, alone, with their events', async () => {
    const before = new Set((await outboxRows(world)).map((row) => row.id));
    const settled = await Promise.allSettled(groupedOpenings('regrouped', 3));
    expect(settled.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(settled[3].status === 'rejected' && (settled[3].reason as Error).message).toBe('write 3 failed');
    const kept = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
    for (let i = 0; i < 6; i++) expect(await openingsTitled(`regrouped ${i}`)).toBe(i === 3 ? 0 : 1);
    const events = (await outboxRows(world)).filter((row) => !before.has(row.id));
    expect(events.map((row) => row.payload.openingId).sort()).toEqual(kept.map((write) => write.id).sort());
    expect(events.map((row) => row.correlation_id).sort()).toEqual(['regrouped-0', 'regrouped-1', 'regrouped-2', 'regrouped-4', 'regrouped-5']);
  });
});

describe('outbox: Redis stopped during writes and started again', () => {
  let redis: DisposableRedis;
  let redisRunning = false;
  let world: TestWorld;
  let api: RunningApi;
  let inspector: QueueInspector;
  let keys: Keys;
  const teardown = new Teardown();

  beforeAll(async () => {
    redis = teardown.add(await DisposableRedis.start(), (started) => started.stop());
    redisRunning = true;
    world = teardown.add(await createTestWorld({ redisUrl: redis.url }), (started) => started.destroy());
    api = teardown.add(await startApi(world), (started) => started.close());
    // Bring Redis back first so that every client closes cleanly and the queue keys can be removed.
    teardown.add(redis, async (started) => {
      if (!redisRunning)
        await started.start().then(
          () => (redisRunning = true),
          () => undefined,
        );
    });
    keys = await createParties(api);
  });

  afterAll(() => teardown.run());

  it('accepts every write while Redis is down, keeps the events, and publishes each exactly once when it is back', async () => {
    expect(await outboxRows(world)).toEqual([]); // creating the parties emits no domain event

    await redis.stop();
    redisRunning = false;

    const caseworker = bearer(keys.caseworker);
    const merchant = bearer(keys.merchant);
    const idempotencyKey = randomUUID();
    const retried = aCandidate({ displayName: 'Li Na', externalRef: 'YP-RETRY' });

    // A burst of writes of every kind that emits, all while Redis is unreachable.
    const responses = await Promise.all([
      ...Array.from({ length: 8 }, (_, i) =>
        api.http
          .post('/v1/candidates')
          .set(caseworker)
          .send(aCandidate({ externalRef: `YP-DOWN-${i}` }))
          .timeout(ANSWER_WITHIN_MS),
      ),
      ...Array.from({ length: 8 }, (_, i) =>
        api.http
          .post('/v1/slots')
          .set(merchant)
          .send(aSlot({ title: `Rider special ${i}` }))
          .timeout(ANSWER_WITHIN_MS),
      ),
      api.http.post('/v1/candidates/bulk').set(caseworker).set('Content-Type', 'application/x-ndjson').send(ndjson(20, 'DOWN')).timeout(ANSWER_WITHIN_MS),
      api.http.post('/v1/candidates').set(caseworker).set('Idempotency-Key', idempotencyKey).send(retried).timeout(ANSWER_WITHIN_MS),
    ]);
    // The client retries the last POST (same key and body): same answer, nothing new.
    const replay = await api.http.post('/v1/candidates').set(caseworker).set('Idempotency-Key', idempotencyKey).send(retried).timeout(ANSWER_WITHIN_MS);
    const firstCandidate = responses[0].body.id as string;
    const patch = await api.http.patch(`/v1/candidates/${firstCandidate}`).set(caseworker).send({ maxTravelKm: 3 }).timeout(ANSWER_WITHIN_MS);
    const read = await api.http.get(`/v1/candidates/${firstCandidate}`).set(caseworker).timeout(ANSWER_WITHIN_MS);

    expect([...responses, replay, patch, read].map(outcome)).toEqual([...Array(16).fill(201), 200, 201, 201, 200, 200]);
    expect(responses[16].body).toEqual({ accepted: 20, rejected: [] });
    expect(replay.body.id).toBe(responses[17].body.id);
    expect(read.body.maxTravelKm).toBe(3);

    // Every committed write has its event in the outbox, and none is marked published: Redis is down.
    const expectedPayloads = [
      ...responses.slice(0, 8).map((r) => ({ event: 'CandidateRegistered', payload: { candidateId: r.body.id } })),
      ...responses.slice(8, 16).map((r) => ({ event: 'SlotPublished', payload: { slotId: r.body.id } })),
      { event: 'CandidateRegistered', payload: { candidateId: responses[17].body.id } },
      { event: 'CandidateUpdated', payload: { candidateId: firstCandidate } },
    ];
    const whileDown = await outboxRows(world);
    // The import's 20 people are one CandidatesImported event.
    expect(whileDown).toHaveLength(8 + 8 + 1 + 1 + 1);
    expect(whileDown.filter((row) => row.published_at !== null).map((row) => row.id)).toEqual([]);
    const stored = whileDown.map((row) => ({ event: row.event_name, payload: row.payload }));
    for (const expected of expectedPayloads) expect(stored).toContainEqual(expected);
    const { rows: bulkRows } = await world.db.query(`SELECT count(*)::int AS n FROM candidates WHERE external_ref LIKE 'DOWN-%'`);
    expect(whileDown.filter((row) => row.event_name === 'CandidateRegistered')).toHaveLength(8 + 1);
    const imported = whileDown.filter((row) => row.event_name === 'CandidatesImported');
    expect(imported).toHaveLength(1);
    expect((imported[0].payload as { candidateIds: string[] }).candidateIds).toHaveLength(20);
    expect(bulkRows[0].n).toBe(20);

    await redis.start();
    redisRunning = true;

    await allPublished(world, whileDown.length, 30_000);
    inspector = teardown.add(new QueueInspector(world), (started) => started.close());
    const published = await expectExactlyOneJobPerOutboxRow(world, inspector);
    expect(sorted(published.map((row) => row.id))).toEqual(sorted(whileDown.map((row) => row.id)));

    // And the API still takes writes once Redis is back; the new event is published too.
    await api.http
      .post('/v1/candidates')
      .set(caseworker)
      .send(aCandidate({ externalRef: 'YP-BACK' }))
      .expect(201);
    await allPublished(world, whileDown.length + 1);
    await expectExactlyOneJobPerOutboxRow(world, inspector);
  });
});

describe('outbox: several relays, a relay that lost its commit, and a matcher that sees an event twice', () => {
  let world: TestWorld;
  let apiA: RunningApi;
  let apiB: RunningApi;
  let inspector: QueueInspector;
  let keys: Keys;
  let burstSize: number;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    inspector = teardown.add(new QueueInspector(world), (started) => started.close());
    // Two API instances on one database and one Redis: each runs an outbox relay.
    apiB = teardown.add(await startApi(world), (started) => started.close());
    apiA = teardown.add(await startApi(world), (started) => started.close());
    keys = await createParties(apiA);
  });

  afterAll(() => teardown.run());

  it('publishes a burst of writes through two APIs at once as exactly one job per event', async () => {
    const caseworker = bearer(keys.caseworker);
    const merchant = bearer(keys.merchant);
    const apis = [apiA, apiB];
    const bulk = (api: RunningApi, count: number, label: string) =>
      api.http.post('/v1/candidates/bulk').set(caseworker).set('Content-Type', 'application/x-ndjson').send(ndjson(count, label)).timeout(15_000);

    // Two bulk imports and a few hundred single writes, spread over both APIs: every commit wakes the
    // relay of its own process, so both relays claim rows at the same time, over and over.
    const responses = await Promise.all([
      bulk(apiA, 150, 'A'),
      bulk(apiB, 150, 'B'),
      ...Array.from({ length: 200 }, (_, i) =>
        apis[i % 2].http
          .post('/v1/candidates')
          .set(caseworker)
          .send(aCandidate({ externalRef: `YP-${i}` }))
          .timeout(15_000),
      ),
      ...Array.from({ length: 50 }, (_, i) =>
        apis[i % 2].http
          .post('/v1/slots')
          .set(merchant)
          .send(aSlot({ title: `Rider special ${i}` }))
          .timeout(15_000),
      ),
    ]);
    expect(responses.map(outcome)).toEqual([200, 200, ...Array(250).fill(201)]);
    expect(responses.slice(0, 2).map((response) => response.body)).toEqual([
      { accepted: 150, rejected: [] },
      { accepted: 150, rejected: [] },
    ]);
    // Each import is one CandidatesImported event (up to 1,000 people each).
    burstSize = 1 + 1 + 200 + 50;

    await allPublished(world, burstSize);
    const rows = await expectExactlyOneJobPerOutboxRow(world, inspector);
    expect(rows).toHaveLength(burstSize);
    // The relays shared the rows (SKIP LOCKED): no row was even sent to BullMQ twice.
    expect((await inspector.contents(QueueName.DomainEvents)).duplicated).toEqual([]);
  });

  it('still holds one job per event after a relay re-sends rows whose commit was lost', async () => {
    const { rows: marks } = await world.db.query<{ last: string }>(`SELECT max(published_at)::text AS last FROM outbox_events`);
    const lastPublishedAt = marks[0].last;

    // As if every relay transaction had added its jobs and then died before COMMIT.
    const reset = await world.db.query<{ id: string }>(`UPDATE outbox_events SET published_at = NULL RETURNING id`);
    expect(reset.rowCount).toBe(burstSize);

    await allPublished(world, burstSize);
    // Each row was really published again (not just left alone) ...
    const { rows: again } = await world.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox_events WHERE published_at > $1::timestamptz`, [
      lastPublishedAt,
    ]);
    expect(again[0].n).toBe(burstSize);
    // ... and BullMQ recognised every id it already held, once each, instead of adding a second job.
    const contents = await inspector.contents(QueueName.DomainEvents);
    expect(sorted(contents.duplicated)).toEqual(sorted(reset.rows.map((row) => row.id)));
    await expectExactlyOneJobPerOutboxRow(world, inspector);
  });

  it('handles an event once in the matcher although its job is delivered again', async () => {
    teardown.add(await startWorker(world, 'matcher'), (started) => started.close());
    const domainIds = (await outboxRows(world)).filter((row) => EVENT_QUEUE[row.event_name] === QueueName.DomainEvents).map((row) => row.id);
    expect(domainIds).toHaveLength(burstSize);

    const processedByMatcher = async () => {
      const { rows } = await world.db.query<{ event_id: string }>(`SELECT event_id FROM processed_events WHERE consumer = 'matcher'`);
      return rows.map((row) => row.event_id);
    };
    await eventually(
      async () => (await processedByMatcher()).length === domainIds.length && (await inspector.unfinished(QueueName.DomainEvents)) === 0,
      30_000,
      'the matcher to process every event and drain the queue',
    );
    expect(sorted(await processedByMatcher())).toEqual(sorted(domainIds));
    const queue = inspector.queue(QueueName.DomainEvents);
    expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: domainIds.length, failed: 0 });

    // Deliver the first event again: same event, another job id (as a second relay or a replay would).
    const eventId = domainIds[0];
    const original = await queue.getJob(eventId);
    if (original === undefined) throw new Error(`the relay's job ${eventId} is not in the queue`);
    expect(original.data.eventId).toBe(eventId);
    const { rows: before } = await world.db.query(`SELECT event_name, processed_at::text FROM processed_events WHERE consumer = 'matcher' AND event_id = $1`, [
      eventId,
    ]);
    const redeliveryId = randomUUID();
    const redelivery = await queue.add(original.name, original.data, { jobId: redeliveryId });
    expect(redelivery.id).toBe(redeliveryId);

    const state = await eventually(
      async () => {
        const current = await queue.getJobState(redeliveryId);
        return (current === 'completed' || current === 'failed') && (await inspector.unfinished(QueueName.DomainEvents)) === 0 ? current : undefined;
      },
      15_000,
      'the redelivered job to finish and the queue to drain',
    );
    expect(state).toBe('completed');

    const { rows: after } = await world.db.query(`SELECT event_name, processed_at::text FROM processed_events WHERE consumer = 'matcher' AND event_id = $1`, [
      eventId,
    ]);
    expect(after).toHaveLength(1);
    expect(after).toEqual(before); // recorded once, by the first delivery
    expect(sorted(await processedByMatcher())).toEqual(sorted(domainIds));
    expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: domainIds.length + 1, failed: 0 });
  });

  it('handles an event once when three deliveries of it are processed at the same time', async () => {
    const queue = inspector.queue(QueueName.DomainEvents);
    const countBefore = (await world.db.query(`SELECT count(*)::int AS n FROM processed_events WHERE consumer = 'matcher'`)).rows[0].n as number;

    // Hold the queue so that the relay's job and two redeliveries are all waiting when the matcher resumes.
    await queue.pause();
    try {
      const candidate = await apiA.http
        .post('/v1/candidates')
        .set(bearer(keys.caseworker))
        .send(aCandidate({ externalRef: 'YP-TRIPLE' }))
        .expect(201);
      const { rows } = await world.db.query<{ id: string }>(`SELECT id FROM outbox_events WHERE payload->>'candidateId' = $1`, [candidate.body.id]);
      expect(rows).toHaveLength(1);
      const eventId = rows[0].id;
      const job = await eventually(() => queue.getJob(eventId), 15_000, 'the relay to add the job');
      const redeliveryIds = [randomUUID(), randomUUID()];
      await queue.addBulk(redeliveryIds.map((jobId) => ({ name: job.name, data: job.data, opts: { jobId } })));
      const jobIds = [eventId, ...redeliveryIds];
      await queue.resume();

      await eventually(
        async () => {
          const states = await Promise.all(jobIds.map((id) => queue.getJobState(id)));
          return states.every((s) => s === 'completed' || s === 'failed') && (await inspector.unfinished(QueueName.DomainEvents)) === 0;
        },
        15_000,
        'the three deliveries to finish',
      );
      const finished = await Promise.all(
        jobIds.map(async (id) => {
          const job = await queue.getJob(id);
          return { state: await queue.getJobState(id), failedAttempts: job?.stacktrace?.length ?? 0, failedReason: job?.failedReason ?? null };
        }),
      );
      expect(finished).toEqual(jobIds.map(() => ({ state: 'completed', failedAttempts: 0, failedReason: null })));
      const { rows: processed } = await world.db.query(`SELECT event_id FROM processed_events WHERE consumer = 'matcher' AND event_id = $1`, [eventId]);
      expect(processed).toHaveLength(1);
      const countAfter = (await world.db.query(`SELECT count(*)::int AS n FROM processed_events WHERE consumer = 'matcher'`)).rows[0].n as number;
      expect(countAfter).toBe(countBefore + 1);
    } finally {
      await queue.resume();
    }
  });
});
