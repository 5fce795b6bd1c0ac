import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An opening whose positions are all hired is `filled` (libs/domain's OpeningStatus): it proposes no one;
 * its other open matches are withdrawn, and their caseworkers told (`matches_withdrawn`).
 */
export class FilledOpenings1764900000000 implements MigrationInterface {
  name = 'FilledOpenings1764900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE openings DROP CONSTRAINT openings_status_check;
      ALTER TABLE openings ADD CONSTRAINT openings_status_check CHECK (status IN ('open', 'filled', 'closed'));
      ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
        CHECK (type IN ('candidate_list', 'offer', 'match_summary', 'reminder', 'candidate_digest', 'matches_withdrawn'));
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DELETE FROM notifications WHERE type = 'matches_withdrawn';
      ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_type_check CHECK (type IN ('candidate_list', 'offer', 'match_summary', 'reminder', 'candidate_digest'));
      UPDATE openings SET status = 'open' WHERE status = 'filled';
      ALTER TABLE openings DROP CONSTRAINT openings_status_check;
      ALTER TABLE openings ADD CONSTRAINT openings_status_check CHECK (status IN ('open', 'closed'));
    `);
  }
}
