import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The open job matches of a person, counted from an index of the open ones only. The matcher counts a
 * person's open job matches each time it proposes them (the cap); through `matches_candidate_idx` that meant
 * reading every match the person ever had, withdrawn and closed ones included, which grows for as long as
 * they are registered. (An opening's own count is left to `matches_opening_candidate_key`: its history is
 * bounded by its shortlist's turnover, and a second partial index cost more in writes than it saved.) The predicate is the open job
 * statuses of libs/domain (OPEN_JOB_MATCH_STATUSES) written out, as the queries write them
 * (MatchStore's OPEN_JOB_MATCH): PostgreSQL uses a partial index only for a query whose condition implies
 * it, and cannot see into a bound parameter. A test holds the two lists equal.
 */
export class OpenJobMatchIndex1764700000000 implements MigrationInterface {
  name = 'OpenJobMatchIndex1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE INDEX matches_open_job_matches_of_candidate_idx ON matches (candidate_id)
        WHERE offer_kind = 'opening' AND status IN ('proposed', 'contacted', 'interested', 'interview');
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX matches_open_job_matches_of_candidate_idx;
    `);
  }
}
