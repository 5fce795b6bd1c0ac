import { randomUUID } from 'node:crypto';
import { deleteProcessedMarks, deletePublishedEvents } from '@huigong/messaging';
import { OUTBOX_LAG_SQL } from '@huigong/observability';
import { IdempotencyStore, MatchStore, NotificationStore, dataSourceOptions } from '@huigong/persistence';
import { PURGE_BATCH_ROWS } from '@huigong/platform';
import pg from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { type TestWorld, createTestWorld } from './support/test-environment';

/**
 * The matcher's and the notifier's statements on `matches` reach their rows through an index on the column
 * they pick by, whatever PostgreSQL's statistics say. A new deployment is the case that matters: its tables
 * were analyzed while empty, then a bulk import and a morning's openings write tens of thousands of matches
 * before autovacuum analyzes again (a minute at the soonest). With statistics that say "empty", the planner
 * once read a person's open job matches by scanning the whole index of every opening's open matches (it
 * believed that index empty), 10-25 ms a statement instead of 0.5, on the path of every new opening.
 */

/** Records the statements a store method sends, with their parameters, instead of running them. */
function recordingManager(statements: { sql: string; parameters: unknown[] }[]): EntityManager {
  return {
    query: (sql: string, parameters: unknown[] = []) => {
      statements.push({ sql, parameters });
      return Promise.resolve([]);
    },
  } as unknown as EntityManager;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** How a plan reads a table: the indexes it uses on it (their names begin with the table's), and whether it scans it whole. */
function readsOf(table: string, node: PlanNode, found = { indexes: new Set<string>(), seqScan: false }): { indexes: Set<string>; seqScan: boolean } {
  if (node['Index Name']?.startsWith(`${table}_`)) found.indexes.add(node['Index Name']);
  if (node['Node Type'] === 'Seq Scan' && node['Relation Name'] === table) found.seqScan = true;
  for (const child of node.Plans ?? []) readsOf(table, child, found);
  return found;
}

/** A parameter written as an SQL literal, for EXECUTE of a statement prepared by name. */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return pg.escapeLiteral(`{${value.map((item: unknown) => JSON.stringify(item)).join(',')}}`);
  if (value instanceof Date) return pg.escapeLiteral(value.toISOString());
  if (typeof value === 'string' || typeof value === 'number') return pg.escapeLiteral(String(value));
  throw new Error(`No literal for ${JSON.stringify(value)}`);
}

/**
 * The plans a statement gets: planned with its parameters (a custom plan, as for its first runs), and
 * generic (as PostgreSQL may keep for a prepared statement after five runs: the product prepares what it
 * sends again, libs/persistence's PreparingClient).
 */
async function plansOf(db: pg.Pool, sql: string, parameters: unknown[]): Promise<{ mode: string; plan: PlanNode }[]> {
  const custom = await db.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`EXPLAIN (FORMAT JSON) ${sql}`, parameters);
  const client = await db.connect();
  try {
    await client.query(`SET plan_cache_mode = force_generic_plan`);
    await client.query(`PREPARE planned AS ${sql}`);
    const generic = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
      `EXPLAIN (FORMAT JSON) EXECUTE planned${parameters.length === 0 ? '' : `(${parameters.map(literal).join(', ')})`}`,
    );
    return [
      { mode: 'custom', plan: custom.rows[0]['QUERY PLAN'][0].Plan },
      { mode: 'generic', plan: generic.rows[0]['QUERY PLAN'][0].Plan },
    ];
  } finally {
    await client.query('DEALLOCATE ALL');
    await client.query('RESET plan_cache_mode');
    client.release();
  }
}

const BY_CANDIDATE = ['matches_open_job_matches_of_candidate_idx', 'matches_candidate_idx'];
const BY_OPENING = ['matches_open_job_matches_of_opening_idx', 'matches_opening_candidate_key'];
const BY_SLOT = ['matches_slot_idx', 'matches_open_slot_offer_key'];
const BY_ID = ['matches_pkey'];

describe('query plans on matches, with statistics taken while the tables were empty', () => {
  let world: TestWorld;
  const people = (n: number) => `00000000-0000-4000-8002-${String(n).padStart(12, '0')}`;
  const opening = (n: number) => `00000000-0000-4000-8003-${String(n).padStart(12, '0')}`;
  const slot = (n: number) => `00000000-0000-4000-8004-${String(n).padStart(12, '0')}`;

  beforeAll(async () => {
    world = await createTestWorld();
    // Statistics taken while the tables are empty, as on a new deployment, kept stale for the test.
    await world.db.query(`ANALYZE`);
    for (const table of ['candidates', 'openings', 'slots', 'matches']) await world.db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    // Then a city's first hour: 10,000 people, 1,500 openings with 20 matches each (a fifth withdrawn
    // again), 20 slots with 100 offers each.
    await world.db.query(`
      CREATE FUNCTION pg_temp.id(prefix text, n int) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$ SELECT (prefix || lpad(n::text, 12, '0'))::uuid $$;
      INSERT INTO organizations (id, name, kind) VALUES ('00000000-0000-4000-8000-000000000001', 'employer', 'employer'),
                                                       ('00000000-0000-4000-8000-000000000002', 'canteen', 'merchant');
      INSERT INTO caseworkers (id, name) SELECT pg_temp.id('00000000-0000-4000-8001-', n), 'desk ' || n FROM generate_series(1, 10) n;
      INSERT INTO candidates (id, caseworker_id, status, display_name, lat, lng, consent_jobs, consent_benefits)
        SELECT pg_temp.id('00000000-0000-4000-8002-', n), pg_temp.id('00000000-0000-4000-8001-', 1 + n % 10), 'active', 'person ' || n, 23.9, 106.6, true, true
          FROM generate_series(1, 10000) n;
      INSERT INTO openings (id, organization_id, status, title, lat, lng, radius_km, shifts, positions)
        SELECT pg_temp.id('00000000-0000-4000-8003-', n), '00000000-0000-4000-8000-000000000001', 'open', 'opening ' || n, 23.9, 106.6, 10, '[]', 10
          FROM generate_series(1, 1500) n;
      INSERT INTO slots (id, organization_id, status, title, kind, eligible_groups, windows, capacity, offer, lat, lng, radius_km)
        SELECT pg_temp.id('00000000-0000-4000-8004-', n), '00000000-0000-4000-8000-000000000002', 'active', 'lunch ' || n, 'meal', '{delivery_rider}', '[]', 40, '{}', 23.9, 106.6, 3
          FROM generate_series(1, 20) n;
      INSERT INTO matches (id, offer_kind, opening_id, candidate_id, caseworker_id, score, status)
        SELECT gen_random_uuid(), 'opening', pg_temp.id('00000000-0000-4000-8003-', o), pg_temp.id('00000000-0000-4000-8002-', 1 + (o * 37 + k * 101) % 10000),
               pg_temp.id('00000000-0000-4000-8001-', 1 + k % 10), 0.5, CASE WHEN k % 5 = 0 THEN 'withdrawn' ELSE 'proposed' END
          FROM generate_series(1, 1500) o, generate_series(1, 20) k;
      INSERT INTO matches (id, offer_kind, slot_id, candidate_id, caseworker_id, score, status, redemption_code)
        SELECT gen_random_uuid(), 'slot', pg_temp.id('00000000-0000-4000-8004-', s), pg_temp.id('00000000-0000-4000-8002-', 1 + (s * 53 + k * 7) % 10000),
               pg_temp.id('00000000-0000-4000-8001-', 1 + k % 10), 0.5, 'proposed', 'C' || s || '-' || k
          FROM generate_series(1, 20) s, generate_series(1, 100) k;
    `);
    // A batch of matches as the notifier reads them: an opening's shortlist (for 10 positions, 25 people).
    const { rows } = await world.db.query<{ id: string }>(`SELECT id FROM matches WHERE opening_id IS NOT NULL ORDER BY opening_id LIMIT 25`);
    aBatch.push(...rows.map((row) => row.id));
  }, 120_000);

  afterAll(async () => {
    await world.destroy();
  });

  const store = new MatchStore(null as unknown as DataSource);
  const notifications = new NotificationStore(null as unknown as DataSource);
  const somePeople = Array.from({ length: 30 }, (_, i) => people(100 + i * 331));
  const aBatch: string[] = [];
  const someOpenings = Array.from({ length: 80 }, (_, i) => opening(10 + i * 17));

  /** Each statement, with the indexes that pick by its column: nothing else may read matches. */
  const statements: [string, (manager: EntityManager) => Promise<unknown>, string[]][] = [
    ["a proposal's count of people's open job matches", (m) => store.openJobMatchesOf(m, somePeople), BY_CANDIDATE],
    ["an import's count of the openings' open matches", (m) => store.openMatchesOf(m, 'opening', someOpenings), BY_OPENING],
    ["an import's count of the slots' open offers", (m) => store.openMatchesOf(m, 'slot', [slot(3), slot(7)]), BY_SLOT],
    ["openings' histories", (m) => store.openingHistories(m, someOpenings.slice(0, 8)), BY_OPENING],
    ["a slot's history", (m) => store.slotHistory(m, slot(5)), BY_SLOT],
    [
      "the standby sweep's seats of an occurrence",
      (m) => store.occurrenceSeats(m, slot(5), { startsAt: new Date('2026-12-01T05:00:00Z'), endsAt: new Date('2026-12-01T06:00:00Z') }),
      [...BY_SLOT, 'matches_last_minute_once_idx'],
    ],
    [
      "a rotation's people with repeated no-shows",
      (m) => store.repeatNoShows(m, somePeople, { behindAfter: 3, days: 30 }),
      [...BY_CANDIDATE, 'matches_no_shows_idx'],
    ],
    ["people's histories", (m) => store.candidateHistories(m, somePeople), BY_CANDIDATE],
    ["an opening's proposed matches", (m) => store.proposedMatches(m, { openingId: opening(700) }), BY_OPENING],
    ["a person's proposed matches", (m) => store.proposedMatches(m, { candidateId: people(4242) }), BY_CANDIDATE],
    ['withdrawing a closed opening’s matches', (m) => store.withdraw(m, { openingId: opening(700) }), [...BY_OPENING, ...BY_ID]],
    ['withdrawing a withdrawn slot’s offers', (m) => store.withdraw(m, { slotId: slot(5) }), [...BY_SLOT, ...BY_ID]],
    ['withdrawing an erased person’s matches', (m) => store.withdraw(m, { candidateId: people(4242) }), [...BY_CANDIDATE, ...BY_ID]],
    ['withdrawing misfits by id', (m) => store.withdraw(m, { matchIds: aBatch.slice(0, 12) }), BY_ID],
    ["an opening's counts per status", (m) => store.statusCountsOf(m, opening(700)), BY_OPENING],
    ['the notifier’s read of a batch of matches', (m) => notifications.matchesToTell(m, aBatch), BY_ID],
  ];

  it.each(statements)('%s reads matches through an index on the column it picks by', async (_what, run, allowed) => {
    const sent: { sql: string; parameters: unknown[] }[] = [];
    await run(recordingManager(sent));
    expect(sent.length).toBeGreaterThan(0);
    for (const { sql, parameters } of sent) {
      for (const { mode, plan } of await plansOf(world.db, sql, parameters)) {
        const matches = readsOf('matches', plan);
        expect({ mode, sql, seqScan: matches.seqScan, indexes: [...matches.indexes].filter((index) => !allowed.includes(index)) }).toEqual({
          mode,
          sql,
          seqScan: false,
          indexes: [],
        });
        expect(matches.indexes.size).toBeGreaterThan(0);
        // People, where a statement reads them, by id: never every active person of the city.
        const people = readsOf('candidates', plan);
        expect({ mode, sql, seqScan: people.seqScan, indexes: [...people.indexes].filter((index) => index !== 'candidates_pkey') }).toEqual({
          mode,
          sql,
          seqScan: false,
          indexes: [],
        });
      }
    }
  });

  const peopleStatements: [string, (manager: EntityManager) => Promise<unknown>][] = [
    ['a proposal locking its people', (m) => store.lockCandidates(m, somePeople)],
    ['people locked for their own proposals', (m) => store.lockCandidateRows(m, somePeople)],
    ["the matcher's read of people's rows", (m) => store.candidates(m, somePeople)],
  ];

  it.each(peopleStatements)('%s reads people by id', async (_what, run) => {
    const sent: { sql: string; parameters: unknown[] }[] = [];
    await run(recordingManager(sent));
    expect(sent.length).toBeGreaterThan(0);
    for (const { sql, parameters } of sent) {
      for (const { mode, plan } of await plansOf(world.db, sql, parameters)) {
        const people = readsOf('candidates', plan);
        expect({ mode, sql, seqScan: people.seqScan, indexes: [...people.indexes] }).toEqual({ mode, sql, seqScan: false, indexes: ['candidates_pkey'] });
      }
    }
  });
});

describe("the purge's batches, with statistics taken while the tables were empty", () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld();
    await world.db.query(`ANALYZE`);
    for (const table of ['outbox_events', 'processed_events', 'idempotency_records'])
      await world.db.query(`ALTER TABLE ${table} SET (autovacuum_enabled = false)`);
    // A week and more of events: 60,000 published (half of them past the retention), 300 still to relay;
    // 120,000 marks over 40 days; 200,000 idempotency records over two days (a busy day's keys). (On a table
    // of a few thousand rows the planner rightly prefers to read it whole and sort: that is cheaper there.)
    await world.db.query(`
      INSERT INTO outbox_events (id, event_name, payload, correlation_id, created_at, published_at)
        SELECT gen_random_uuid(), 'OpeningPosted', '{}', 'c', now() - make_interval(mins => n * 15), now() - make_interval(mins => n * 15)
          FROM generate_series(1, 60000) n;
      INSERT INTO outbox_events (id, event_name, payload, correlation_id, created_at)
        SELECT gen_random_uuid(), 'OpeningPosted', '{}', 'c', now() - make_interval(secs => n) FROM generate_series(1, 300) n;
      INSERT INTO processed_events (consumer, event_id, event_name, processed_at)
        SELECT CASE WHEN n % 2 = 0 THEN 'matcher' ELSE 'notifier' END, gen_random_uuid(), 'OpeningPosted', now() - make_interval(secs => n * 29)
          FROM generate_series(1, 120000) n;
      INSERT INTO idempotency_records (scope, idempotency_key, request_hash, status_code, response_body, created_at)
        SELECT 'key', 'k' || n, 'h', 201, '{"id": "00000000-0000-4000-8000-000000000001"}', now() - make_interval(secs => n) FROM generate_series(1, 200000) n;
    `);
  }, 120_000);

  afterAll(async () => {
    await world.destroy();
  });

  const statements: [string, string, (manager: EntityManager) => Promise<unknown>, string][] = [
    ['published outbox events', 'outbox_events', (m) => deletePublishedEvents(m, 7, PURGE_BATCH_ROWS), 'outbox_events_published_idx'],
    ['processed-event marks', 'processed_events', (m) => deleteProcessedMarks(m, 30, PURGE_BATCH_ROWS), 'processed_events_processed_at_idx'],
    [
      'idempotency records',
      'idempotency_records',
      (m) => new IdempotencyStore(null as unknown as DataSource).deleteExpired(m, PURGE_BATCH_ROWS),
      'idempotency_records_created_idx',
    ],
  ];

  it.each(statements)('a batch of %s reads them by an index range from the oldest and deletes them by ctid', async (_what, table, run, index) => {
    const sent: { sql: string; parameters: unknown[] }[] = [];
    await run(recordingManager(sent));
    expect(sent).toHaveLength(1);
    for (const { sql, parameters } of sent) {
      for (const { mode, plan } of await plansOf(world.db, sql, parameters)) {
        const reads = readsOf(table, plan);
        expect({ mode, sql, seqScan: reads.seqScan, indexes: [...reads.indexes], tidScan: JSON.stringify(plan).includes('"Tid Scan"') }).toEqual({
          mode,
          sql,
          seqScan: false,
          indexes: [index],
          tidScan: true,
        });
      }
    }
  });

  it('the outbox gauges read only the rows still to relay, through their partial index, at every scrape', async () => {
    for (const { mode, plan } of await plansOf(world.db, OUTBOX_LAG_SQL, [])) {
      const reads = readsOf('outbox_events', plan);
      expect({ mode, seqScan: reads.seqScan, indexes: [...reads.indexes] }).toEqual({ mode, seqScan: false, indexes: ['outbox_events_pending_idx'] });
    }
  });
});

describe('statements sent again are prepared once per connection', () => {
  let world: TestWorld;

  beforeAll(async () => {
    world = await createTestWorld();
  });

  afterAll(async () => {
    await world.destroy();
  });

  /** What one connection of a process's pool has prepared, after the same statement was sent three times. */
  async function preparedAfterRepeats(preparedStatements: boolean): Promise<{ name: string; statement: string }[]> {
    const dataSource = new DataSource(dataSourceOptions({ databaseUrl: world.config.databaseUrl, poolSize: 1, preparedStatements }));
    await dataSource.initialize();
    try {
      const text = `SELECT count(*) AS n FROM candidates WHERE id = ANY($1::uuid[]) /* prepared-statements test ${String(preparedStatements)} */`;
      for (let i = 0; i < 3; i++) expect(await dataSource.query(text, [[randomUUID()]])).toEqual([{ n: '0' }]);
      // One connection in the pool: this is the connection that ran them.
      return await dataSource.query(`SELECT name, statement FROM pg_prepared_statements WHERE statement LIKE '%prepared-statements test%'`);
    } finally {
      await dataSource.destroy();
    }
  }

  it('names a statement with parameters on its second sighting, and the connection keeps it', async () => {
    const prepared = await preparedAfterRepeats(true);
    expect(prepared).toHaveLength(1);
    expect(prepared[0].name).toMatch(/^hg_[0-9a-f]{24}$/);
  });

  it('prepares nothing when DATABASE_PREPARED_STATEMENTS is off', async () => {
    expect(await preparedAfterRepeats(false)).toEqual([]);
  });
});
