import type { MigrationInterface, QueryRunner } from 'typeorm';

/** A reminder to a caseworker about proposals that have not moved for a week. */
export class ReminderNotifications1764400000000 implements MigrationInterface {
  name = 'ReminderNotifications1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_type_check CHECK (type IN ('candidate_list', 'offer', 'match_summary', 'reminder'));
      CREATE INDEX matches_stale_proposals_idx ON matches (updated_at) WHERE offer_kind = 'opening' AND status = 'proposed';
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX matches_stale_proposals_idx;
      ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_type_check CHECK (type IN ('candidate_list', 'offer', 'match_summary'));
    `);
  }
}
