/**
 * The matcher's cold start, measured on its real path: people in the product's own schema in PostgreSQL,
 * read page by page (MatchStore), put into the engine, and re-laid out in cell order. The read goes through
 * the product's own pool settings (dataSourceOptions), statement_timeout included, right after the bulk
 * load (no statistics yet, the planner's worst case); it reports the longest wait for one page, which must
 * not grow with the city.
 */
import { type Region, regionBounds, regionsHolding } from '@huigong/domain';
import { MatchingEngine } from '@huigong/matching';
import { MatchStore, candidateProfile, dataSourceOptions, runMigrations } from '@huigong/persistence';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { DataSource } from 'typeorm';
import type { City } from './city';

const SERVER = process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'huigong_bench_cold_start';

export interface ColdStart {
  insertedInMs: number;
  loadMs: number;
  people: number;
  pages: number;
  /** The longest the load waited for one page: about one statement's time. */
  slowestPageMs: number;
  rssBytes: number;
  /** What the engine holds on the heap and in typed arrays once built (measured after a collection). */
  engineBytes: number;
  /** The same start for each matcher of a city split into regions: only its region and border. */
  shards: { region: string; people: number; loadMs: number; engineBytes: number }[];
}

/** Heap and typed arrays in use, after a full collection (node --expose-gc). */
function memoryInUse(): number {
  global.gc?.();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.arrayBuffers;
}

export async function measureColdStart(
  city: City,
  people: number,
  now: number,
  split: { regions: Region[]; borderKm: number } | null = null,
): Promise<ColdStart> {
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.end();
  const url = new URL(SERVER);
  url.pathname = `/${DATABASE}`;
  const databaseUrl = url.toString();
  await runMigrations(databaseUrl);
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const inserting = performance.now();
  const caseworker = randomUUID();
  await client.query(`INSERT INTO caseworkers (id, name) VALUES ($1, 'Bench caseworker')`, [caseworker]);
  const batch = 20_000;
  for (let from = 0; from < people; from += batch) {
    const rows = Array.from({ length: Math.min(batch, people - from) }, (_, i) => city.person(from + i, now));
    await client.query(
      `INSERT INTO candidates (id, caseworker_id, status, display_name, groups, skills, lat, lng, max_travel_km, availability, breaks, accessibility_needs, consent_jobs, consent_benefits, consent_sensitive, created_at, updated_at)
       SELECT gen_random_uuid(), $1, 'active', 'Bench person', string_to_array(g, ','), string_to_array(s, ','), lat, lng, mt, a::jsonb, b::jsonb, string_to_array(n, ','), c, c, c, to_timestamp(w / 1000), now()
         FROM unnest($2::text[], $3::text[], $4::float8[], $5::float8[], $6::float8[], $7::text[], $8::text[], $9::text[], $10::bool[], $11::float8[])
              AS t(g, s, lat, lng, mt, a, b, n, c, w)`,
      [
        caseworker,
        rows.map((p) => p.groups.join(',')),
        rows.map((p) => p.skills.join(',')),
        rows.map((p) => p.location.lat),
        rows.map((p) => p.location.lng),
        rows.map((p) => p.maxTravelKm),
        rows.map((p) => JSON.stringify(p.availability)),
        rows.map((p) => JSON.stringify(p.breaks)),
        rows.map((p) => p.accessibilityNeeds.join(',')),
        rows.map((p) => p.consentJobs),
        rows.map((p) => p.waitingSince),
      ],
    );
  }
  const insertedInMs = performance.now() - inserting;
  await client.end();

  const dataSource = new DataSource(dataSourceOptions({ databaseUrl, poolSize: 2 }));
  await dataSource.initialize();
  try {
    const store = new MatchStore(dataSource);
    global.gc?.();
    const started = performance.now();
    let engine: MatchingEngine | null = new MatchingEngine();
    let pages = 0;
    let slowestPageMs = 0;
    let waitingSince = started;
    await store.forEachMatchableCandidate(20_000, (page) => {
      slowestPageMs = Math.max(slowestPageMs, performance.now() - waitingSince);
      pages++;
      for (const row of page) engine?.people.upsert(candidateProfile(row));
      waitingSince = performance.now();
    });
    engine.people.relayout();
    const loadMs = performance.now() - started;
    // What the engine holds: the memory in use with it, less what is left once it is dropped.
    const withEngine = memoryInUse();
    const whole = { loadMs, people: engine.people.size, pages, slowestPageMs, rssBytes: process.memoryUsage().rss };
    engine = null;
    const engineBytes = withEngine - memoryInUse();

    // Each region's matcher, one after the other: its rows read by rectangle, its engine keeping its border.
    const shards: ColdStart['shards'] = [];
    for (const region of split?.regions ?? []) {
      const regions = split?.regions ?? [];
      const borderKm = split?.borderKm ?? 0;
      global.gc?.();
      const shardStarted = performance.now();
      let shard: MatchingEngine | null = new MatchingEngine(undefined, { admits: (place) => regionsHolding(regions, place, borderKm).includes(region) });
      await store.forEachMatchableCandidate(
        20_000,
        (page) => {
          for (const row of page) shard?.people.upsert(candidateProfile(row));
        },
        regionBounds(region, borderKm),
      );
      shard.people.relayout();
      const shardLoadMs = performance.now() - shardStarted;
      const withShard = memoryInUse();
      const shardPeople = shard.people.size;
      shard = null;
      shards.push({ region: region.name, people: shardPeople, loadMs: shardLoadMs, engineBytes: withShard - memoryInUse() });
    }
    return { insertedInMs, ...whole, engineBytes, shards };
  } finally {
    await dataSource.destroy();
    const cleanup = new pg.Client({ connectionString: SERVER });
    await cleanup.connect();
    await cleanup.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await cleanup.end();
  }
}
