import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The standby pool (issue 13, item 5): a worker, through their caseworker, stands by for the slots of a
 * service point (`standby_enrolments`, one row per person and point; erasure deletes the person's rows).
 * When an occurrence there still has free seats shortly before it starts, the matcher's standby sweep offers
 * them to those standing by: the offers are ordinary slot offers marked `last_minute`, at most one per
 * person and occurrence (`matches_last_minute_once_idx`), so a sweep run twice, or by two matchers, offers once.
 */
export class StandbyPool1766000000000 implements MigrationInterface {
  name = 'StandbyPool1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE standby_enrolments (
        candidate_id uuid NOT NULL REFERENCES candidates (id),
        service_point_id uuid NOT NULL REFERENCES service_points (id),
        caseworker_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (candidate_id, service_point_id)
      );
      CREATE INDEX standby_enrolments_point_idx ON standby_enrolments (service_point_id);
      ALTER TABLE matches ADD COLUMN last_minute boolean NOT NULL DEFAULT false;
      CREATE UNIQUE INDEX matches_last_minute_once_idx ON matches (slot_id, occurrence_starts_at, candidate_id) WHERE last_minute;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX matches_last_minute_once_idx;
      ALTER TABLE matches DROP COLUMN last_minute;
      DROP TABLE standby_enrolments;
    `);
  }
}
