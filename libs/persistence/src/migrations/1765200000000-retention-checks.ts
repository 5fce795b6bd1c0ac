import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention after a hire: 30 and 90 days on, the caseworker is reminded (`retention_check`) and records
 * whether the person stayed (`retained`) or `left`; a person who left is seeking work again.
 */
export class RetentionChecks1765200000000 implements MigrationInterface {
  name = 'RetentionChecks1765200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE retention_checks (
        match_id uuid NOT NULL REFERENCES matches (id),
        checkpoint_days integer NOT NULL CHECK (checkpoint_days IN (30, 90)),
        outcome text NOT NULL CHECK (outcome IN ('retained', 'left')),
        recorded_by uuid NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (match_id, checkpoint_days)
      );
      CREATE INDEX match_status_history_hires_idx ON match_status_history (changed_at) WHERE to_status = 'hired';
      ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
        CHECK (type IN ('candidate_list', 'offer', 'match_summary', 'reminder', 'candidate_digest', 'matches_withdrawn', 'retention_check'));
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DELETE FROM notifications WHERE type = 'retention_check';
      ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
        CHECK (type IN ('candidate_list', 'offer', 'match_summary', 'reminder', 'candidate_digest', 'matches_withdrawn'));
      DROP INDEX match_status_history_hires_idx;
      DROP TABLE retention_checks;
    `);
  }
}
