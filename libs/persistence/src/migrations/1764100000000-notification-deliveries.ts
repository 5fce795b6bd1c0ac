import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Deliveries of notifications to webhooks and the worker gateway, and endpoints disabled by a 410. */
export class NotificationDeliveries1764100000000 implements MigrationInterface {
  name = 'NotificationDeliveries1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE notification_deliveries (
        id uuid PRIMARY KEY,
        notification_id uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
        channel text NOT NULL CHECK (channel IN ('webhook', 'worker_gateway')),
        status text NOT NULL CHECK (status IN ('pending', 'delivered', 'dead', 'disabled')),
        attempts integer NOT NULL DEFAULT 0,
        last_status_code integer,
        last_error text,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (notification_id, channel)
      );
      CREATE INDEX notification_deliveries_dead_idx ON notification_deliveries (created_at) WHERE status = 'dead';
      ALTER TABLE organizations ADD COLUMN webhook_disabled_at timestamptz;
      ALTER TABLE caseworkers ADD COLUMN webhook_disabled_at timestamptz;
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE caseworkers DROP COLUMN webhook_disabled_at;
      ALTER TABLE organizations DROP COLUMN webhook_disabled_at;
      DROP TABLE notification_deliveries;
    `);
  }
}
