import type { MigrationInterface, QueryRunner } from 'typeorm';

const OPEN_JOB = `offer_kind = 'opening' AND status IN ('proposed', 'contacted', 'interested', 'interview')`;

/**
 * The partial indexes that the matcher's statements could be read through by mistake name their own key in
 * their predicate (`candidate_id IS NOT NULL`, `opening_id IS NOT NULL`, `caseworker_id IS NOT NULL`), so
 * that only a query picking by that key can use them: a condition `key = ANY(...)` implies `key IS NOT
 * NULL`, and a condition on another column does not.
 *
 * Without it, a statement counting people's open job matches implied the predicate of the index by opening
 * too, and one locking people by id implied that of the index of active people by caseworker. With
 * statistics taken while a table was empty (a new deployment, until autovacuum's next analyze, a minute
 * or more), PostgreSQL believes such an index empty and scans it whole, every open match or every active
 * person of the city, rather than looking the ids up: 10-25 ms a statement on the path of every new
 * opening, instead of 0.5 ms (test/query-plans.e2e-spec.ts).
 */
export class PartialIndexKeys1764800000000 implements MigrationInterface {
  name = 'PartialIndexKeys1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX matches_open_job_matches_of_candidate_idx;
      DROP INDEX matches_open_job_matches_of_opening_idx;
      DROP INDEX candidates_caseworker_idx;
      CREATE INDEX matches_open_job_matches_of_candidate_idx ON matches (candidate_id) WHERE candidate_id IS NOT NULL AND ${OPEN_JOB};
      CREATE INDEX matches_open_job_matches_of_opening_idx ON matches (opening_id) WHERE opening_id IS NOT NULL AND ${OPEN_JOB};
      CREATE INDEX candidates_caseworker_idx ON candidates (caseworker_id) WHERE caseworker_id IS NOT NULL AND status = 'active';
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX candidates_caseworker_idx;
      DROP INDEX matches_open_job_matches_of_opening_idx;
      DROP INDEX matches_open_job_matches_of_candidate_idx;
      CREATE INDEX candidates_caseworker_idx ON candidates (caseworker_id) WHERE status = 'active';
      CREATE INDEX matches_open_job_matches_of_candidate_idx ON matches (candidate_id) WHERE ${OPEN_JOB};
      CREATE INDEX matches_open_job_matches_of_opening_idx ON matches (opening_id) WHERE ${OPEN_JOB};
    `);
  }
}
