/**
 * The peer: PostgreSQL with PostGIS answering "who fits this opening, best first" the way a good engineer
 * would write it without this engine: GiST on a geography column, GIN on the group and skill arrays,
 * weekly windows as int4multirange, the same rules and the same score formula in SQL.
 */
import { weekIntervals } from '@huigong/domain';
import { DEFAULT_GROUP_PRIORITY, DEFAULT_MATCHING_POLICY, type CandidateProfile, type OpeningOffer, shortlistSize } from '@huigong/matching';
import pg from 'pg';
import { summarise } from './stats';

export interface PeerReport {
  loaded: string;
  p50: number;
  p99: number;
  sameTop: number;
}

const SERVER = process.env.BENCH_DATABASE_SERVER_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const DATABASE = 'huigong_bench_peer';

const multirange = (windows: CandidateProfile['availability']): string =>
  `{${weekIntervals(windows)
    .map(({ start, end }) => `[${start},${end})`)
    .join(',')}}`;

async function database(): Promise<pg.Client> {
  const admin = new pg.Client({ connectionString: SERVER });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  await admin.end();
  const url = new URL(SERVER);
  url.pathname = `/${DATABASE}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query('CREATE EXTENSION postgis');
  } catch (error) {
    await client.end();
    throw new Error(`PostGIS is not installed on this PostgreSQL server (${(error as Error).message}). On Debian: apt-get install postgresql-15-postgis-3.`, {
      cause: error,
    });
  }
  return client;
}

async function load(client: pg.Client, people: readonly CandidateProfile[]): Promise<string> {
  const started = performance.now();
  await client.query(`
    CREATE TABLE people (
      id uuid PRIMARY KEY, lat float8 NOT NULL, lng float8 NOT NULL, geog geography(Point, 4326) NOT NULL,
      groups text[] NOT NULL, skills text[] NOT NULL, needs text[] NOT NULL, consent boolean NOT NULL,
      max_travel_km float8, availability int4multirange NOT NULL, waiting_since float8 NOT NULL);
    CREATE TABLE priorities (grp text PRIMARY KEY, priority float8 NOT NULL);`);
  await client.query(`INSERT INTO priorities SELECT * FROM unnest($1::text[], $2::float8[])`, [
    Object.keys(DEFAULT_GROUP_PRIORITY),
    Object.values(DEFAULT_GROUP_PRIORITY),
  ]);
  const batch = 20_000;
  for (let from = 0; from < people.length; from += batch) {
    const rows = people.slice(from, from + batch);
    await client.query(
      `INSERT INTO people
       SELECT id, lat, lng, ST_SetSRID(ST_MakePoint(lng, lat), 4326)::geography, string_to_array(groups, ','), string_to_array(skills, ','),
              string_to_array(needs, ','), consent, max_travel_km, availability::int4multirange, waiting_since
         FROM unnest($1::uuid[], $2::float8[], $3::float8[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::float8[], $9::text[], $10::float8[])
              AS t(id, lat, lng, groups, skills, needs, consent, max_travel_km, availability, waiting_since)`,
      [
        rows.map((p) => p.id),
        rows.map((p) => p.location.lat),
        rows.map((p) => p.location.lng),
        rows.map((p) => p.groups.join(',')),
        rows.map((p) => p.skills.map((s) => s.toLowerCase()).join(',')),
        rows.map((p) => p.accessibilityNeeds.join(',')),
        rows.map((p) => p.consentJobs),
        rows.map((p) => p.maxTravelKm),
        rows.map((p) => multirange(p.availability)),
        rows.map((p) => p.waitingSince),
      ],
    );
  }
  const loadedMs = performance.now() - started;
  const indexed = performance.now();
  await client.query(`
    CREATE INDEX ON people USING gist (geog);
    CREATE INDEX ON people USING gin (groups);
    CREATE INDEX ON people USING gin (skills);
    CREATE INDEX ON people USING gist (availability);
    ANALYZE people;`);
  return `${people.length.toLocaleString('en')} rows loaded in ${(loadedMs / 1000).toFixed(1)} s, indexed in ${((performance.now() - indexed) / 1000).toFixed(1)} s`;
}

const w = DEFAULT_MATCHING_POLICY.weights;
/** The rules and the score of API v1 in SQL, for one opening; $-parameters as in `parameters()`. */
const QUERY = `
  WITH candidates AS (
    SELECT p.id,
           2 * 6371.0088 * asin(least(1, sqrt(sin(radians(p.lat - $1) / 2) ^ 2 + cos(radians($1)) * cos(radians(p.lat)) * sin(radians(p.lng - $2) / 2) ^ 2))) AS km,
           least($3, coalesce(p.max_travel_km, 'Infinity')) AS limit_km,
           (SELECT coalesce(sum(upper(r) - lower(r)), 0) FROM unnest(p.availability * $6::int4multirange) r)::float8 / $7 AS coverage,
           CASE WHEN cardinality($8::text[]) = 0 THEN 1
                ELSE (SELECT count(*) FROM unnest($8::text[]) s WHERE s = ANY (p.skills))::float8 / cardinality($8::text[]) END AS skills,
           (SELECT coalesce(max(pr.priority), 0) FROM unnest(p.groups) g JOIN priorities pr ON pr.grp = g
             WHERE cardinality($4::text[]) = 0 OR g = ANY ($4::text[])) AS priority,
           least(1, greatest(0, ($9 - p.waiting_since) / 86400000.0) / ${DEFAULT_MATCHING_POLICY.waitingDaysForFullScore}) AS waiting
      FROM people p
     WHERE p.consent
       AND (cardinality($4::text[]) = 0 OR p.groups && $4::text[])
       AND p.needs <@ $5::text[]
       AND ST_DWithin(p.geog, ST_SetSRID(ST_MakePoint($2, $1), 4326)::geography, $3 * 1010 + 10, false)
       AND p.availability && $6::int4multirange)
  SELECT id, round(least(1, greatest(0,
           ${w.skills} * skills + ${w.schedule} * least(1, coverage)
           + ${w.distance} * CASE WHEN limit_km <= 0 THEN 0 ELSE least(1, greatest(0, 1 - km / limit_km)) END
           + ${w.waiting} * waiting + ${w.priority} * priority))::numeric, 4) AS score
    FROM candidates
   WHERE km <= limit_km AND coverage >= ${DEFAULT_MATCHING_POLICY.minScheduleCoverage}
   ORDER BY score DESC, id
   LIMIT $10`;

function parameters(opening: OpeningOffer, now: number): unknown[] {
  const shifts = weekIntervals(opening.shifts);
  const minutes = shifts.reduce((sum, { start, end }) => sum + end - start, 0);
  return [
    opening.location.lat,
    opening.location.lng,
    opening.radiusKm,
    opening.targetGroups,
    opening.accessibilityFeatures,
    `{${shifts.map(({ start, end }) => `[${start},${end})`).join(',')}}`,
    minutes,
    opening.skills.map((s) => s.toLowerCase()),
    now,
    Math.min(50, shortlistSize(opening.positions)),
  ];
}

/** Loads the same people into PostGIS, answers the same openings, and compares the top 50 with the engine's. */
export async function runPostgisPeer(
  people: readonly CandidateProfile[],
  openings: readonly OpeningOffer[],
  engineTop: string[][],
  now: number,
): Promise<PeerReport> {
  const client = await database();
  try {
    const loaded = await load(client, people);
    const timings: number[] = [];
    let sameTop = 0;
    for (let i = 0; i < openings.length; i++) {
      const started = performance.now();
      const { rows } = await client.query<{ id: string }>({ name: 'match-opening', text: QUERY, values: parameters(openings[i], now) });
      timings.push(performance.now() - started);
      if (JSON.stringify(rows.map((row) => row.id)) === JSON.stringify(engineTop[i])) sameTop++;
    }
    const stats = summarise(timings);
    return { loaded, p50: stats.p50, p99: stats.p99, sameTop };
  } finally {
    await client.end();
    const admin = new pg.Client({ connectionString: SERVER });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
    await admin.end();
  }
}
