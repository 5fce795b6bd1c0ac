/**
 * The peer: the same rows written with plain node-postgres, no framework, on the same PostgreSQL in the
 * same run: what this machine allows the product at best.
 * - single writes: N clients, each committing a candidate row and its outbox row in one transaction (one
 *   statement, a data-modifying CTE: one round trip), as fast as they can: durable writes per second and
 *   their latency at the intake's concurrency;
 * - bulk: chunks of people as multi-row statements (candidate rows and an outbox row per person, as the
 *   API writes them), as many at once as the bench's bulk client sends.
 * The rows go into copies of `candidates`, `consent_records` and `outbox_events` (LIKE ... INCLUDING ALL: the same columns,
 * defaults, checks and indexes, plus the caseworker foreign key), dropped afterwards, so that the
 * product's relay never sees them.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { summarise } from '../stats';
import type { CpuMeter } from './cpu';
import type { PersonBody, World } from './world';

export const PEER_APPLICATION = 'bench-e2e-peer';

export interface PeerSingle {
  concurrency: number;
  writes: number;
  perSecond: number;
  p50: number;
  p99: number;
  pgCpuMsPerWrite: number | undefined;
}

export interface PeerBulk {
  people: number;
  ms: number;
  perSecond: number;
  pgCpuMsPerPerson: number | undefined;
}

const COLUMNS =
  'id, caseworker_id, status, display_name, external_ref, phone, groups, skills, lat, lng, max_travel_km, availability, breaks, accessibility_needs, consent_jobs, consent_benefits, consent_sensitive';

const SINGLE = `
  WITH candidate AS (
    INSERT INTO bench_peer_candidates (${COLUMNS})
    VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $14)
    RETURNING id, caseworker_id, consent_jobs, consent_benefits, consent_sensitive
  ),
  consents AS (
    INSERT INTO bench_peer_consents (candidate_id, purpose, given_by, given_how)
    SELECT candidate.id, p.purpose, candidate.caseworker_id, 'not_stated'
      FROM candidate CROSS JOIN LATERAL (VALUES ('jobs', consent_jobs), ('benefits', consent_benefits), ('sensitive', consent_sensitive)) AS p (purpose, given)
     WHERE p.given
  )
  INSERT INTO bench_peer_outbox (id, event_name, payload, correlation_id)
  SELECT $15, 'CandidateRegistered', jsonb_build_object('candidateId', candidate.id), $16 FROM candidate`;

const BULK = `
  WITH candidate AS (
    INSERT INTO bench_peer_candidates (${COLUMNS})
    SELECT gen_random_uuid(), $2, 'active', x.display_name, x.external_ref, x.phone, x.groups, x.skills, x.lat, x.lng, x.max_travel_km,
           x.availability, x.breaks, x.accessibility_needs, x.consent_contact, x.consent_contact, x.consent_contact
    FROM jsonb_to_recordset($1::jsonb) AS x(display_name text, external_ref text, phone text, groups text[], skills text[], lat float8, lng float8,
         max_travel_km float8, availability jsonb, breaks jsonb, accessibility_needs text[], consent_contact boolean)
    RETURNING id, caseworker_id, consent_jobs, consent_benefits, consent_sensitive
  ),
  consents AS (
    INSERT INTO bench_peer_consents (candidate_id, purpose, given_by, given_how)
    SELECT candidate.id, p.purpose, candidate.caseworker_id, 'not_stated'
      FROM candidate CROSS JOIN LATERAL (VALUES ('jobs', consent_jobs), ('benefits', consent_benefits), ('sensitive', consent_sensitive)) AS p (purpose, given)
     WHERE p.given
  )
  INSERT INTO bench_peer_outbox (id, event_name, payload, correlation_id)
  SELECT gen_random_uuid(), 'CandidateRegistered', jsonb_build_object('candidateId', candidate.id), $3 FROM candidate`;

function singleValues(person: PersonBody, caseworkerId: string): unknown[] {
  return [
    randomUUID(),
    caseworkerId,
    person.displayName,
    person.externalRef,
    person.phone,
    person.groups,
    person.skills,
    person.location.lat,
    person.location.lng,
    person.maxTravelKm ?? null,
    JSON.stringify(person.availability),
    JSON.stringify(person.breaks),
    person.accessibilityNeeds,
    person.consent.contact,
    randomUUID(),
    randomUUID(),
  ];
}

function bulkRow(person: PersonBody): Record<string, unknown> {
  return {
    display_name: person.displayName,
    external_ref: person.externalRef,
    phone: person.phone,
    groups: person.groups,
    skills: person.skills,
    lat: person.location.lat,
    lng: person.location.lng,
    max_travel_km: person.maxTravelKm ?? null,
    availability: person.availability,
    breaks: person.breaks,
    accessibility_needs: person.accessibilityNeeds,
    consent_contact: person.consent.contact,
  };
}

export class Peer {
  private constructor(
    private readonly databaseUrl: string,
    private readonly admin: pg.Client,
    private readonly caseworkerId: string,
  ) {}

  static async prepare(databaseUrl: string): Promise<Peer> {
    const admin = new pg.Client({ connectionString: databaseUrl, application_name: PEER_APPLICATION });
    await admin.connect();
    const caseworkerId = randomUUID();
    await admin.query(`
      CREATE TABLE bench_peer_candidates (LIKE candidates INCLUDING ALL);
      ALTER TABLE bench_peer_candidates ADD FOREIGN KEY (caseworker_id) REFERENCES caseworkers (id);
      CREATE TABLE bench_peer_consents (LIKE consent_records INCLUDING ALL);
      CREATE TABLE bench_peer_outbox (LIKE outbox_events INCLUDING ALL);`);
    await admin.query(`INSERT INTO caseworkers (id, name) VALUES ($1, 'Peer desk')`, [caseworkerId]);
    return new Peer(databaseUrl, admin, caseworkerId);
  }

  /** `synchronous_commit` and `fsync`: whether a commit here waits for the disk. */
  async durability(): Promise<string> {
    const { rows } = await this.admin.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync') ORDER BY name`,
    );
    return rows.map((row) => `${row.name}=${row.setting}`).join(', ');
  }

  private async clients(count: number): Promise<pg.Client[]> {
    return Promise.all(
      Array.from({ length: count }, async () => {
        const client = new pg.Client({ connectionString: this.databaseUrl, application_name: PEER_APPLICATION });
        await client.connect();
        return client;
      }),
    );
  }

  async single(world: World, concurrency: number, durationMs: number, cpu: CpuMeter): Promise<PeerSingle> {
    const clients = await this.clients(concurrency);
    const people = Array.from({ length: 2_000 }, () => world.person().body);
    const latencies: number[] = [];
    const phase = await cpu.begin();
    const started = performance.now();
    const until = started + durationMs;
    let n = 0;
    await Promise.all(
      clients.map(async (client) => {
        while (performance.now() < until) {
          const person = people[n++ % people.length];
          const at = performance.now();
          await client.query({ name: 'peer-single', text: SINGLE, values: singleValues(person, this.caseworkerId) });
          latencies.push(performance.now() - at);
        }
      }),
    );
    const wallMs = performance.now() - started;
    const report = await phase.end();
    await Promise.all(clients.map((client) => client.end()));
    const summary = summarise(latencies);
    const pgMs = report.ms.get('postgres');
    return {
      concurrency,
      writes: latencies.length,
      perSecond: (latencies.length / wallMs) * 1000,
      p50: summary.p50,
      p99: summary.p99,
      pgCpuMsPerWrite: pgMs === undefined ? undefined : pgMs / latencies.length,
    };
  }

  async bulk(world: World, people: number, chunk: number, concurrency: number, cpu: CpuMeter): Promise<PeerBulk> {
    const clients = await this.clients(concurrency);
    // A few chunks made before the clock starts and sent in turn (the ids are the database's): the peer
    // measures PostgreSQL, not the bench making people.
    const chunks = Array.from({ length: 4 }, () => JSON.stringify(Array.from({ length: chunk }, () => bulkRow(world.person().body))));
    const last = people % chunk === 0 ? undefined : JSON.stringify(Array.from({ length: people % chunk }, () => bulkRow(world.person().body)));
    const phase = await cpu.begin();
    const started = performance.now();
    let next = 0;
    let sent = 0;
    await Promise.all(
      clients.map(async (client) => {
        while (next < people) {
          const size = Math.min(chunk, people - next);
          next += size;
          const rows = size === chunk || last === undefined ? chunks[sent++ % chunks.length] : last;
          await client.query(BULK, [rows, this.caseworkerId, randomUUID()]);
        }
      }),
    );
    const ms = performance.now() - started;
    const report = await phase.end();
    await Promise.all(clients.map((client) => client.end()));
    const pgMs = report.ms.get('postgres');
    return { people, ms, perSecond: (people / ms) * 1000, pgCpuMsPerPerson: pgMs === undefined ? undefined : pgMs / people };
  }

  async drop(): Promise<void> {
    await this.admin.query('DROP TABLE IF EXISTS bench_peer_outbox, bench_peer_consents, bench_peer_candidates');
    await this.admin.query('DELETE FROM caseworkers WHERE id = $1', [this.caseworkerId]);
    await this.admin.end();
  }
}
