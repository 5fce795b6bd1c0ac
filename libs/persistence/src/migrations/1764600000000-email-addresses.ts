import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Email through SMTP: an optional address for caseworkers and organizations, and `email` as a delivery channel. */
export class EmailAddresses1764600000000 implements MigrationInterface {
  name = 'EmailAddresses1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE caseworkers ADD COLUMN email text;
      ALTER TABLE organizations ADD COLUMN email text;
      ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_channel_check;
      ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_channel_check CHECK (channel IN ('webhook', 'worker_gateway', 'email'));
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DELETE FROM notification_deliveries WHERE channel = 'email';
      ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_channel_check;
      ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_channel_check CHECK (channel IN ('webhook', 'worker_gateway'));
      ALTER TABLE organizations DROP COLUMN email;
      ALTER TABLE caseworkers DROP COLUMN email;
    `);
  }
}
