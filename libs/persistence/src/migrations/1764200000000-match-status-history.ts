import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every change of a match's status: who, when, from, to, and why. */
export class MatchStatusHistory1764200000000 implements MigrationInterface {
  name = 'MatchStatusHistory1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE match_status_history (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        match_id uuid NOT NULL REFERENCES matches (id),
        from_status text NOT NULL,
        to_status text NOT NULL,
        reason text,
        changed_by_kind text NOT NULL CHECK (changed_by_kind IN ('caseworker', 'organization', 'system')),
        changed_by_id uuid,
        changed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX match_status_history_match_idx ON match_status_history (match_id, changed_at);
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE match_status_history`);
  }
}
