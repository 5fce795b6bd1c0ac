import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every read of a person's data through the API (profile, explain, candidate lists and inbox items that
 * name them, the worklist, exports): who read whom, what, when, and the request id. Ids only: erasure
 * leaves it as it is, with nothing personal in it.
 */
export class AuditReads1765400000000 implements MigrationInterface {
  name = 'AuditReads1765400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_reads (
        id bigserial PRIMARY KEY,
        read_at timestamptz NOT NULL,
        reader_kind text NOT NULL CHECK (reader_kind IN ('admin', 'caseworker', 'employer', 'merchant')),
        reader_id text NOT NULL,
        candidate_id uuid NOT NULL,
        what text NOT NULL,
        request_id text
      );
      CREATE INDEX audit_reads_candidate_idx ON audit_reads (candidate_id, read_at);
      CREATE INDEX audit_reads_reader_idx ON audit_reads (reader_id, read_at);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_reads`);
  }
}
