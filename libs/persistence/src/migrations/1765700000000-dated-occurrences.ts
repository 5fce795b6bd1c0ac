import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Dated occurrences of slots (libs/domain's dated-occurrence.ts): a course on a date, a rest base's stays.
 * `dated_offers_until` is when the last of them can still be offered, for a slot that has no weekly
 * windows (null otherwise): past it the slot is as lapsed as past its `valid_until`. A slot offer records
 * the start of the occurrence it was made for beside its end (`expires_at`), so a stay's nights can be
 * counted at redemption, and reports can name the occurrence.
 */
export class DatedOccurrences1765700000000 implements MigrationInterface {
  name = 'DatedOccurrences1765700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE slots ADD COLUMN occurrences jsonb NOT NULL DEFAULT '[]';
      ALTER TABLE slots ADD COLUMN dated_offers_until timestamptz;
      ALTER TABLE matches ADD COLUMN occurrence_starts_at timestamptz;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE matches DROP COLUMN occurrence_starts_at;
      ALTER TABLE slots DROP COLUMN dated_offers_until;
      ALTER TABLE slots DROP COLUMN occurrences;
    `);
  }
}
