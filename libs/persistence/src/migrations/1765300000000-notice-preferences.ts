import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A worker's own notice preferences, set by their caseworker: quiet hours, daily cap of offers, language
 * (libs/notifications' NoticePreferences); each one absent is the deployment's.
 */
export class NoticePreferences1765300000000 implements MigrationInterface {
  name = 'NoticePreferences1765300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE candidates ADD COLUMN notice_preferences jsonb NOT NULL DEFAULT '{}'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE candidates DROP COLUMN notice_preferences`);
  }
}
