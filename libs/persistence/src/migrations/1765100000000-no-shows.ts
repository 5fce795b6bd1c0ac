import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * No-shows: a slot offer left to expire while its occurrence had seats is `expired` with the reason
 * `no_show` (`occurrence_full` when every seat was redeemed). A person's no-shows of the last days are
 * counted by person, through this index, whenever a slot's rotation has more people than room.
 */
export class NoShows1765100000000 implements MigrationInterface {
  name = 'NoShows1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE INDEX matches_no_shows_idx ON matches (candidate_id, expires_at)
        WHERE candidate_id IS NOT NULL AND status = 'expired' AND status_reason = 'no_show';
      UPDATE matches SET status_reason = 'no_show' WHERE offer_kind = 'slot' AND status = 'expired' AND status_reason IS NULL;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX matches_no_shows_idx`);
  }
}
