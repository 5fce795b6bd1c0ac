import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Service points (libs/domain's service-point.ts): the premises of an organization where members get a
 * standing benefit and use offers; what the benefit map shows and the HSDS export publishes. A slot may
 * belong to one (published at it, in its place). The map asks for the points within a radius of a place:
 * (lat, lng) is indexed for the box around it.
 */
export class ServicePoints1765600000000 implements MigrationInterface {
  name = 'ServicePoints1765600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE service_points (
        id uuid PRIMARY KEY,
        organization_id uuid NOT NULL REFERENCES organizations (id),
        status text NOT NULL CHECK (status IN ('open', 'closed')),
        name text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('canteen', 'restaurant', 'barber', 'hotel', 'repair', 'station', 'rest_base', 'other')),
        lat double precision NOT NULL,
        lng double precision NOT NULL,
        address text,
        opening_hours jsonb NOT NULL DEFAULT '[]',
        accessibility_features text[] NOT NULL DEFAULT '{}',
        member_benefit text,
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        closed_at timestamptz
      );
      CREATE INDEX service_points_place_idx ON service_points (lat, lng) WHERE status = 'open';
      CREATE INDEX service_points_organization_idx ON service_points (organization_id);
      ALTER TABLE slots ADD COLUMN service_point_id uuid REFERENCES service_points (id);
      CREATE INDEX slots_service_point_idx ON slots (service_point_id) WHERE service_point_id IS NOT NULL;
      CREATE INDEX slots_place_idx ON slots (lat, lng) WHERE status = 'active';
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DROP INDEX slots_place_idx;
      ALTER TABLE slots DROP COLUMN service_point_id;
      DROP TABLE service_points;
    `);
  }
}
