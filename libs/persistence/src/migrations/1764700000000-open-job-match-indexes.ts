import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The open job matches of a person, and of an opening, counted from indexes of the open ones only. The
 * matcher counts a person's open job matches each time it proposes them (the cap), and the openings' within
 * reach of an imported chunk; through `matches_candidate_idx` and `matches_opening_candidate_key` that
 * meant reading every match ever made, withdrawn and closed ones included, which grows for as long as people
 * are registered and openings are posted. (On a small fresh database the two indexes cost more in writes
 * than they save; at 100,000 people with the history of a day's openings, the count over the openings
 * within reach of a chunk took 0.1-0.2 s a statement without the second one.) The predicate is the open job
 * statuses of libs/domain (OPEN_JOB_MATCH_STATUSES) written out, as the queries write them (MatchStore's
 * OPEN_JOB_MATCH): PostgreSQL uses a partial index only for a query whose condition implies it, and cannot
 * see into a bound parameter. A test holds the two lists equal.
 */
export class OpenJobMatchIndexes1764700000000 implements MigrationInterface {
  name = 'OpenJobMatchIndexes1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE INDEX matches_open_job_matches_of_candidate_idx ON matches (candidate_id)
        WHERE offer_kind = 'opening' AND status IN ('proposed', 'contacted', 'interested', 'interview');
      CREATE INDEX matches_open_job_matches_of_opening_idx ON matches (opening_id)
        WHERE offer_kind = 'opening' AND status IN ('proposed', 'contacted', 'interested', 'interview');
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX matches_open_job_matches_of_opening_idx;
      DROP INDEX matches_open_job_matches_of_candidate_idx;
    `);
  }
}
