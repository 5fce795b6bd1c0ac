import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The course menu of worker stations (libs/domain's course-demand.ts): topics a station offers, the orders
 * of workers (recorded by their caseworker with the times they are free), and the demands that orders
 * reaching a topic's threshold make: the station is told (`course_demand`), and a course published for a
 * demand (`slots.course_demand_id`) is offered to those who ordered first. An order holds a person's free
 * windows: erasure empties them (the ids stay, for the counts).
 */
export class CourseMenu1765800000000 implements MigrationInterface {
  name = 'CourseMenu1765800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE course_topics (
        id uuid PRIMARY KEY,
        service_point_id uuid NOT NULL REFERENCES service_points (id),
        organization_id uuid NOT NULL REFERENCES organizations (id),
        status text NOT NULL CHECK (status IN ('open', 'closed')),
        title text NOT NULL,
        description text,
        session_minutes integer NOT NULL CHECK (session_minutes BETWEEN 15 AND 480),
        threshold integer NOT NULL CHECK (threshold BETWEEN 1 AND 1000),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX course_topics_point_idx ON course_topics (service_point_id);
      CREATE TABLE course_demands (
        id uuid PRIMARY KEY,
        topic_id uuid NOT NULL REFERENCES course_topics (id),
        orders integer NOT NULL,
        best_windows jsonb NOT NULL,
        slot_id uuid UNIQUE REFERENCES slots (id),
        created_at timestamptz NOT NULL DEFAULT now(),
        scheduled_at timestamptz
      );
      CREATE INDEX course_demands_topic_idx ON course_demands (topic_id);
      CREATE TABLE course_orders (
        id uuid PRIMARY KEY,
        topic_id uuid NOT NULL REFERENCES course_topics (id),
        candidate_id uuid NOT NULL REFERENCES candidates (id),
        caseworker_id uuid NOT NULL,
        free_windows jsonb NOT NULL,
        demand_id uuid REFERENCES course_demands (id),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE UNIQUE INDEX course_orders_open_idx ON course_orders (topic_id, candidate_id) WHERE demand_id IS NULL;
      CREATE INDEX course_orders_demand_idx ON course_orders (demand_id) WHERE demand_id IS NOT NULL;
      CREATE INDEX course_orders_candidate_idx ON course_orders (candidate_id);
      ALTER TABLE slots ADD COLUMN course_demand_id uuid REFERENCES course_demands (id);
      ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
        CHECK (type IN ('candidate_list', 'offer', 'match_summary', 'reminder', 'candidate_digest', 'matches_withdrawn', 'retention_check', 'course_demand'));
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      DELETE FROM notifications WHERE type = 'course_demand';
      ALTER TABLE notifications DROP CONSTRAINT notifications_type_check;
      ALTER TABLE notifications ADD CONSTRAINT notifications_type_check
        CHECK (type IN ('candidate_list', 'offer', 'match_summary', 'reminder', 'candidate_digest', 'matches_withdrawn', 'retention_check'));
      ALTER TABLE slots DROP COLUMN course_demand_id;
      DROP TABLE course_orders;
      DROP TABLE course_demands;
      DROP TABLE course_topics;
    `);
  }
}
