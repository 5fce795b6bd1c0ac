import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Caseworker digests: a notification type of its own, and deliveries that wait until a given time. */
export class CaseworkerDigests1764500000000 implements MigrationInterface {
  name = 'CaseworkerDigests1764500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_type_check CHECK (type IN ('candidate_list', 'offer', 'match_summary', 'reminder', 'candidate_digest'));
      ALTER TABLE notification_deliveries ADD COLUMN not_before timestamptz;
      CREATE INDEX notifications_recent_lists_idx ON notifications (recipient_id, created_at) WHERE type = 'candidate_list';
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX notifications_recent_lists_idx;
      ALTER TABLE notification_deliveries DROP COLUMN not_before;
      DELETE FROM notifications WHERE type = 'candidate_digest';
      ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_type_check CHECK (type IN ('candidate_list', 'offer', 'match_summary', 'reminder'));
    `);
  }
}
