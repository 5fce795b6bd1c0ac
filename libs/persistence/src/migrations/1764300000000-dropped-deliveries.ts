import type { MigrationInterface, QueryRunner } from 'typeorm';

/** An offer held back (daily cap, quiet hours) past the end of its window is dropped, with the reason. */
export class DroppedDeliveries1764300000000 implements MigrationInterface {
  name = 'DroppedDeliveries1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_status_check;
      ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_status_check
        CHECK (status IN ('pending', 'delivered', 'dead', 'disabled', 'dropped'));
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE notification_deliveries DROP CONSTRAINT notification_deliveries_status_check;
      ALTER TABLE notification_deliveries ADD CONSTRAINT notification_deliveries_status_check
        CHECK (status IN ('pending', 'delivered', 'dead', 'disabled'));
    `);
  }
}
