import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A person registered by a job fair's intent has a name, a phone and maybe a place: their groups, skills
 * and schedules wait for their caseworker. Until the caseworker completes the profile (any PATCH), the
 * engine proposes nothing to them: their lead is what they asked for, and proposals drawn from a guessed
 * place would fill their caseworker's lists with people nobody has spoken to yet.
 */
export class PendingProfiles1766100000000 implements MigrationInterface {
  name = 'PendingProfiles1766100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE candidates ADD COLUMN profile_pending boolean NOT NULL DEFAULT false`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE candidates DROP COLUMN profile_pending`);
  }
}
