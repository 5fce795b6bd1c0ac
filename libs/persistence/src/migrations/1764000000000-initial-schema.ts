import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The foundation: organisations, keys, caseworkers, candidates, offers, matches, notifications, outbox. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('employer', 'merchant')),
        webhook_url text,
        webhook_secret text,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE caseworkers (
        id uuid PRIMARY KEY,
        name text NOT NULL,
        webhook_url text,
        webhook_secret text,
        created_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        key_hash text NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('employer', 'merchant', 'caseworker')),
        organization_id uuid REFERENCES organizations (id),
        caseworker_id uuid REFERENCES caseworkers (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        CHECK ((organization_id IS NULL) <> (caseworker_id IS NULL))
      );

      CREATE TABLE candidates (
        id uuid PRIMARY KEY,
        caseworker_id uuid NOT NULL REFERENCES caseworkers (id),
        status text NOT NULL CHECK (status IN ('active', 'erased')),
        display_name text,
        external_ref text,
        phone text,
        groups text[] NOT NULL DEFAULT '{}',
        skills text[] NOT NULL DEFAULT '{}',
        lat double precision,
        lng double precision,
        max_travel_km double precision,
        availability jsonb NOT NULL DEFAULT '[]',
        breaks jsonb NOT NULL DEFAULT '[]',
        accessibility_needs text[] NOT NULL DEFAULT '{}',
        consent_contact boolean NOT NULL DEFAULT false,
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        erased_at timestamptz,
        CHECK (status = 'erased' OR (display_name IS NOT NULL AND lat IS NOT NULL AND lng IS NOT NULL))
      );
      CREATE INDEX candidates_caseworker_idx ON candidates (caseworker_id) WHERE status = 'active';

      CREATE TABLE openings (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id),
        status text NOT NULL CHECK (status IN ('open', 'closed')),
        title text NOT NULL,
        skills text[] NOT NULL DEFAULT '{}',
        target_groups text[] NOT NULL DEFAULT '{}',
        lat double precision NOT NULL,
        lng double precision NOT NULL,
        radius_km double precision NOT NULL,
        shifts jsonb NOT NULL,
        accessibility_features text[] NOT NULL DEFAULT '{}',
        positions integer NOT NULL CHECK (positions BETWEEN 1 AND 10000),
        valid_until timestamptz,
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz
      );
      CREATE INDEX openings_organization_idx ON openings (organization_id);

      CREATE TABLE slots (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id),
        status text NOT NULL CHECK (status IN ('active', 'withdrawn')),
        title text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('meal', 'haircut', 'repair', 'lodging', 'course', 'other')),
        eligible_groups text[] NOT NULL,
        windows jsonb NOT NULL,
        capacity integer NOT NULL CHECK (capacity >= 1),
        offer jsonb NOT NULL,
        lat double precision NOT NULL,
        lng double precision NOT NULL,
        radius_km double precision NOT NULL,
        accessibility_features text[] NOT NULL DEFAULT '{}',
        valid_until timestamptz,
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        withdrawn_at timestamptz
      );
      CREATE INDEX slots_organization_idx ON slots (organization_id);

      CREATE TABLE matches (
        id uuid PRIMARY KEY,
        offer_kind text NOT NULL CHECK (offer_kind IN ('opening', 'slot')),
        opening_id uuid REFERENCES openings (id),
        slot_id uuid REFERENCES slots (id),
        candidate_id uuid NOT NULL REFERENCES candidates (id),
        caseworker_id uuid NOT NULL REFERENCES caseworkers (id),
        score double precision NOT NULL CHECK (score BETWEEN 0 AND 1),
        reasons jsonb NOT NULL DEFAULT '[]',
        status text NOT NULL,
        status_reason text,
        note text,
        redemption_code text UNIQUE,
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((offer_kind = 'opening' AND opening_id IS NOT NULL AND slot_id IS NULL)
            OR (offer_kind = 'slot' AND slot_id IS NOT NULL AND opening_id IS NULL))
      );
      CREATE UNIQUE INDEX matches_opening_candidate_key ON matches (opening_id, candidate_id) WHERE opening_id IS NOT NULL;
      CREATE UNIQUE INDEX matches_open_slot_offer_key ON matches (slot_id, candidate_id) WHERE slot_id IS NOT NULL AND status = 'proposed';
      CREATE INDEX matches_caseworker_idx ON matches (caseworker_id, status);
      CREATE INDEX matches_candidate_idx ON matches (candidate_id);
      CREATE INDEX matches_slot_idx ON matches (slot_id) WHERE slot_id IS NOT NULL;

      CREATE TABLE notifications (
        id uuid PRIMARY KEY,
        recipient_kind text NOT NULL CHECK (recipient_kind IN ('organization', 'caseworker', 'candidate')),
        recipient_id uuid NOT NULL,
        type text NOT NULL CHECK (type IN ('candidate_list', 'offer', 'match_summary')),
        dedupe_key text NOT NULL UNIQUE,
        payload jsonb NOT NULL,
        candidate_ids uuid[] NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX notifications_inbox_idx ON notifications (recipient_kind, recipient_id, created_at DESC);
      CREATE INDEX notifications_candidates_idx ON notifications USING gin (candidate_ids);

      CREATE TABLE outbox_events (
        id uuid PRIMARY KEY,
        event_name text NOT NULL,
        payload jsonb NOT NULL,
        correlation_id text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at timestamptz
      );
      CREATE INDEX outbox_events_pending_idx ON outbox_events (created_at, id) WHERE published_at IS NULL;

      CREATE TABLE idempotency_records (
        scope text NOT NULL,
        idempotency_key text NOT NULL,
        request_hash text NOT NULL,
        status_code integer NOT NULL,
        response_body jsonb NOT NULL,
        resource_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (scope, idempotency_key)
      );
      CREATE INDEX idempotency_records_resource_idx ON idempotency_records (resource_id) WHERE resource_id IS NOT NULL;
      CREATE INDEX idempotency_records_created_idx ON idempotency_records (created_at);

      CREATE TABLE processed_events (
        consumer text NOT NULL,
        event_id uuid NOT NULL,
        event_name text NOT NULL,
        processed_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      );
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP TABLE processed_events, idempotency_records, outbox_events, notifications, matches,
        slots, openings, candidates, api_keys, caseworkers, organizations;
    `);
  }
}
