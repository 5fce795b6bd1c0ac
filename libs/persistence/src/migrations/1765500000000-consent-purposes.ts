import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Consent per purpose (libs/domain's consent.ts): jobs, benefits, and the use of sensitive data in
 * matching, each a column of the person's row, which matching reads; `consent_contact`, the contract's
 * "may be contacted at all", becomes what they imply (jobs or benefits), kept by PostgreSQL so that it can
 * never disagree with them. People registered before keep what their one consent meant: every purpose.
 *
 * `consent_records` is the history: one row per purpose given, with who recorded it (the caseworker's id),
 * when and how, and when, by whom and how it was withdrawn; a purpose given again is a new row. Ids only,
 * so that erasure (which withdraws every open consent) leaves it as it is.
 */
export class ConsentPurposes1765500000000 implements MigrationInterface {
  name = 'ConsentPurposes1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE candidates
        ADD COLUMN consent_jobs boolean NOT NULL DEFAULT false,
        ADD COLUMN consent_benefits boolean NOT NULL DEFAULT false,
        ADD COLUMN consent_sensitive boolean NOT NULL DEFAULT false;
      UPDATE candidates SET consent_jobs = true, consent_benefits = true, consent_sensitive = true WHERE consent_contact;
      ALTER TABLE candidates DROP COLUMN consent_contact;
      ALTER TABLE candidates ADD COLUMN consent_contact boolean GENERATED ALWAYS AS (consent_jobs OR consent_benefits) STORED;

      CREATE TABLE consent_records (
        id bigserial PRIMARY KEY,
        candidate_id uuid NOT NULL REFERENCES candidates (id),
        purpose text NOT NULL CHECK (purpose IN ('jobs', 'benefits', 'sensitive')),
        given_at timestamptz NOT NULL DEFAULT now(),
        given_by uuid NOT NULL,
        given_how text NOT NULL CHECK (given_how IN ('paper_form', 'app', 'in_person', 'phone', 'not_stated')),
        withdrawn_at timestamptz,
        withdrawn_by uuid,
        withdrawn_how text CHECK (withdrawn_how IN ('paper_form', 'app', 'in_person', 'phone', 'not_stated', 'erasure')),
        CHECK ((withdrawn_at IS NULL) = (withdrawn_how IS NULL))
      );
      CREATE INDEX consent_records_candidate_idx ON consent_records (candidate_id, given_at);
      CREATE UNIQUE INDEX consent_records_standing_idx ON consent_records (candidate_id, purpose) WHERE withdrawn_at IS NULL;
      INSERT INTO consent_records (candidate_id, purpose, given_at, given_by, given_how)
      SELECT c.id, p.purpose, c.created_at, c.caseworker_id, 'not_stated'
        FROM candidates c CROSS JOIN (VALUES ('jobs'), ('benefits'), ('sensitive')) AS p (purpose)
       WHERE c.consent_jobs;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE consent_records;
      ALTER TABLE candidates DROP COLUMN consent_contact;
      ALTER TABLE candidates ADD COLUMN consent_contact boolean NOT NULL DEFAULT false;
      UPDATE candidates SET consent_contact = consent_jobs OR consent_benefits;
      ALTER TABLE candidates DROP COLUMN consent_jobs, DROP COLUMN consent_benefits, DROP COLUMN consent_sensitive;
    `);
  }
}
