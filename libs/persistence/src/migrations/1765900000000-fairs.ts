import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Job fairs (libs/domain's fair.ts): the admin creates a fair with its employers and the caseworkers of the
 * areas it draws from; employers attach openings; a `partner` organization (the streaming platform) sends
 * the intents of viewers as they tap. An intent names a registered person, or a phone and a name: the
 * person is then registered once (`viewer_phones` remembers which phone became whom, so a second tap or
 * another fair finds them) and assigned to the caseworker of their area. The matcher turns each intent into
 * a lead: a job match marked `self_declared_at`, at the top of the caseworker's list.
 *
 * `fair_intents` has no foreign keys to openings or candidates on purpose: the intake inserts them in
 * batches while the matcher locks openings and people `FOR UPDATE`, and a foreign key check would take key
 * locks on those rows in the batch's order, not the matcher's (offers, then people), which could deadlock.
 * The intake checks both before it inserts (the openings through `fair_openings`).
 */
export class Fairs1765900000000 implements MigrationInterface {
  name = 'Fairs1765900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE organizations DROP CONSTRAINT organizations_kind_check;
      ALTER TABLE organizations ADD CONSTRAINT organizations_kind_check CHECK (kind IN ('employer', 'merchant', 'partner'));
      ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('employer', 'merchant', 'caseworker', 'partner'));
      ALTER TABLE audit_reads DROP CONSTRAINT audit_reads_reader_kind_check;
      ALTER TABLE audit_reads ADD CONSTRAINT audit_reads_reader_kind_check CHECK (reader_kind IN ('admin', 'caseworker', 'employer', 'merchant', 'partner'));

      CREATE TABLE fairs (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL CHECK (ends_at > starts_at),
        lat double precision NOT NULL,
        lng double precision NOT NULL,
        address text,
        target_groups text[] NOT NULL DEFAULT '{}',
        default_caseworker_id uuid NOT NULL REFERENCES caseworkers (id),
        areas jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE fair_employers (
        fair_id uuid NOT NULL REFERENCES fairs (id),
        organization_id uuid NOT NULL REFERENCES organizations (id),
        PRIMARY KEY (fair_id, organization_id)
      );
      CREATE INDEX fair_employers_organization_idx ON fair_employers (organization_id);
      CREATE TABLE fair_openings (
        fair_id uuid NOT NULL REFERENCES fairs (id),
        opening_id uuid NOT NULL REFERENCES openings (id),
        organization_id uuid NOT NULL REFERENCES organizations (id),
        attached_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (fair_id, opening_id)
      );
      CREATE TABLE fair_intents (
        id uuid PRIMARY KEY,
        fair_id uuid NOT NULL REFERENCES fairs (id),
        opening_id uuid NOT NULL,
        candidate_id uuid NOT NULL,
        partner_id uuid NOT NULL,
        self_registered boolean NOT NULL,
        taps integer NOT NULL CHECK (taps >= 1),
        first_tapped_at timestamptz NOT NULL DEFAULT now(),
        last_tapped_at timestamptz NOT NULL DEFAULT now(),
        match_id uuid,
        lead_made_at timestamptz,
        UNIQUE (fair_id, opening_id, candidate_id)
      );
      CREATE INDEX fair_intents_candidate_idx ON fair_intents (candidate_id);
      CREATE INDEX fair_intents_match_idx ON fair_intents (match_id) WHERE match_id IS NOT NULL;
      CREATE TABLE viewer_phones (
        phone_hash text PRIMARY KEY,
        candidate_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX viewer_phones_candidate_idx ON viewer_phones (candidate_id);
      ALTER TABLE matches ADD COLUMN self_declared_at timestamptz;

      ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
        CHECK (type IN ('candidate_list', 'offer', 'match_summary', 'reminder', 'candidate_digest', 'matches_withdrawn', 'retention_check', 'course_demand', 'fair_leads_reminder'));
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DELETE FROM notifications WHERE type = 'fair_leads_reminder';
      ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
        CHECK (type IN ('candidate_list', 'offer', 'match_summary', 'reminder', 'candidate_digest', 'matches_withdrawn', 'retention_check', 'course_demand'));
      ALTER TABLE matches DROP COLUMN self_declared_at;
      DROP TABLE viewer_phones;
      DROP TABLE fair_intents;
      DROP TABLE fair_openings;
      DROP TABLE fair_employers;
      DROP TABLE fairs;
      DELETE FROM audit_reads WHERE reader_kind = 'partner';
      ALTER TABLE audit_reads DROP CONSTRAINT audit_reads_reader_kind_check;
      ALTER TABLE audit_reads ADD CONSTRAINT audit_reads_reader_kind_check CHECK (reader_kind IN ('admin', 'caseworker', 'employer', 'merchant'));
      DELETE FROM api_keys WHERE role = 'partner';
      DELETE FROM organizations WHERE kind = 'partner';
      ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
      ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN ('employer', 'merchant', 'caseworker'));
      ALTER TABLE organizations DROP CONSTRAINT organizations_kind_check;
      ALTER TABLE organizations ADD CONSTRAINT organizations_kind_check CHECK (kind IN ('employer', 'merchant'));
    `);
  }
}
