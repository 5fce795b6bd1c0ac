import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A person is `seeking` work or `employed` (libs/domain's Employment): a hire makes them employed, and no
 * more jobs are proposed to them (benefit slots still are) unless their caseworker marks them open to job
 * offers. `employed_since`: when the hire that made them employed was recorded.
 */
export class Employment1765000000000 implements MigrationInterface {
  name = 'Employment1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE candidates
        ADD COLUMN employment text NOT NULL DEFAULT 'seeking' CHECK (employment IN ('seeking', 'employed')),
        ADD COLUMN employed_since timestamptz,
        ADD COLUMN open_to_job_offers boolean NOT NULL DEFAULT false;
      UPDATE candidates c SET employment = 'employed', employed_since = h.at
        FROM (SELECT candidate_id, max(updated_at) AS at FROM matches WHERE status = 'hired' GROUP BY candidate_id) h
       WHERE c.id = h.candidate_id AND c.status = 'active';
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE candidates DROP COLUMN employment, DROP COLUMN employed_since, DROP COLUMN open_to_job_offers`);
  }
}
