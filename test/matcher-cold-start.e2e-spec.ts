import type { INestApplicationContext } from '@nestjs/common';
import { ReadinessChecks } from '@huigong/observability';
import { MatchingService } from '../apps/matcher/src/matching.service';
import { StatementRowsProxy } from './support/statement-rows-proxy';
import { Teardown, type TestWorld, createTestWorld, eventually, startWorker } from './support/test-environment';

const PEOPLE = 100_000;

/**
 * The matcher's cold start at a size where one statement over every person is too long for the pool's
 * statement_timeout on a slow machine (issue 9: at a million people it was cancelled, retried, and the
 * matcher never became ready). What must hold at any size: the matcher becomes ready with every matchable
 * person in its index, and no statement it sends carries a share of the people that grows with the city.
 * Rows per statement are counted on the wire (a proxy between the matcher and PostgreSQL), so the test
 * does not depend on how fast this machine is.
 */
describe('the matcher cold start on a large city', () => {
  let world: TestWorld;
  let proxy: StatementRowsProxy;
  let matcher: INestApplicationContext | undefined;
  const teardown = new Teardown();

  beforeAll(async () => {
    world = teardown.add(await createTestWorld(), (started) => started.destroy());
    const databaseUrl = new URL(world.config.databaseUrl);
    proxy = teardown.add(await StatementRowsProxy.start({ host: databaseUrl.hostname, port: Number(databaseUrl.port || 5432) }), (started) => started.close());
    // Ids in a random order; those beginning 0-3 (a quarter, together at the start of the key order) are
    // erased tombstones, as people who withdrew consent leave; one in ten of the others has not consented
    // to be contacted. The rest (about 67,500) are matchable.
    await world.db.query(`INSERT INTO caseworkers (id, name) VALUES ('00000000-0000-4000-8000-00000000c0de', 'Cold start desk')`);
    await world.db.query(
      `INSERT INTO candidates (id, caseworker_id, status, display_name, groups, skills, lat, lng, max_travel_km, availability, breaks, accessibility_needs, consent_jobs, consent_benefits, consent_sensitive, erased_at)
       SELECT id, '00000000-0000-4000-8000-00000000c0de', CASE WHEN erased THEN 'erased' ELSE 'active' END,
              CASE WHEN erased THEN NULL ELSE 'Seeker ' || i END,
              CASE WHEN erased THEN '{}' ELSE '{rider}' END::text[], CASE WHEN erased THEN '{}' ELSE '{delivery}' END::text[],
              CASE WHEN erased THEN NULL ELSE 31.2 + (i % 1000) * 0.0002 END, CASE WHEN erased THEN NULL ELSE 121.4 + (i / 1000) * 0.002 END,
              CASE WHEN erased THEN NULL ELSE 5 END,
              CASE WHEN erased THEN '[]' ELSE '[{"day": 1, "start": "08:00", "end": "12:00"}, {"day": 3, "start": "14:00", "end": "18:00"}]' END::jsonb,
              '[]'::jsonb, '{}', consenting, consenting, consenting, CASE WHEN erased THEN now() END
         FROM (SELECT i, id, erased, NOT erased AND i % 10 <> 0 AS consenting
                 FROM (SELECT i, md5('cold start ' || i)::uuid AS id, md5('cold start ' || i) < '4' AS erased FROM generate_series(1, $1) i) drawn) people`,
      [PEOPLE],
    );
  });

  afterAll(async () => {
    // The matcher is started by the test itself, so it may not exist; it stops before the proxy and the database.
    await matcher?.close();
    await teardown.run();
  });

  it('becomes ready with every matchable person, reading them in statements that stay small', async () => {
    const { rows: matchable } = await world.db.query<{ id: string }>(`SELECT id FROM candidates WHERE status = 'active' AND consent_contact`);
    expect(matchable.length).toBeGreaterThan(PEOPLE / 2);

    matcher = await startWorker({ ...world, config: { ...world.config, databaseUrl: proxy.url(world.config.databaseUrl) } }, 'matcher');
    const readiness = matcher.get(ReadinessChecks, { strict: false });
    await eventually(async () => (await readiness.check()).ready, 180_000, 'the matcher to be ready');

    const people = matcher.get(MatchingService, { strict: false }).engine.people;
    expect(people.size).toBe(matchable.length);
    expect(matchable.filter((row) => !people.has(row.id))).toEqual([]);
    // A statement that read every person would carry about 67,500 rows; the index's pages stay far below
    // a quarter of the city, whatever its size.
    expect(proxy.mostRowsInOneStatement).toBeGreaterThan(0);
    expect(proxy.mostRowsInOneStatement).toBeLessThanOrEqual(PEOPLE / 4);
  }, 240_000);
});
