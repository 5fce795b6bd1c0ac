import { Injectable } from '@nestjs/common';
import type { SuitedWindow, WeeklyWindow } from '@huigong/domain';
import type { EntityManager } from 'typeorm';

export type CourseTopicStatus = 'open' | 'closed';

/** A topic of a station's course menu, with how many orders wait for a course. */
export interface CourseTopicRow {
  id: string;
  servicePointId: string;
  servicePointName: string;
  organizationId: string;
  status: CourseTopicStatus;
  title: string;
  description: string | null;
  sessionMinutes: number;
  threshold: number;
  openOrders: number;
  createdAt: Date;
}

export interface CourseDemandRow {
  id: string;
  topicId: string;
  topicTitle: string;
  organizationId: string;
  servicePointId: string;
  servicePointName: string;
  orders: number;
  bestWindows: SuitedWindow[];
  slotId: string | null;
  createdAt: Date;
  scheduledAt: Date | null;
}

/** Per topic: the orders waiting, those in a demand not scheduled yet, those scheduled, and those who came. */
export interface CourseDemandReportRow {
  topicId: string;
  title: string;
  servicePointId: string;
  servicePointName: string;
  organizationId: string;
  threshold: number;
  openOrders: number;
  awaitingSchedule: number;
  scheduled: number;
  attended: number;
  demands: number;
  coursesScheduled: number;
}

const TOPIC_COLUMNS = `t.id, t.service_point_id AS "servicePointId", p.name AS "servicePointName", t.organization_id AS "organizationId", t.status, t.title,
  t.description, t.session_minutes AS "sessionMinutes", t.threshold, t.created_at AS "createdAt",
  (SELECT count(*)::int FROM course_orders o WHERE o.topic_id = t.id AND o.demand_id IS NULL) AS "openOrders"`;
const DEMAND_COLUMNS = `d.id, d.topic_id AS "topicId", t.title AS "topicTitle", t.organization_id AS "organizationId", t.service_point_id AS "servicePointId",
  p.name AS "servicePointName", d.orders, d.best_windows AS "bestWindows", d.slot_id AS "slotId", d.created_at AS "createdAt", d.scheduled_at AS "scheduledAt"`;

/** The course menu: topics, orders and demands (libs/domain's course-demand.ts). Ids and free windows only. */
@Injectable()
export class CourseMenuStore {
  async addTopic(
    manager: EntityManager,
    topic: { id: string; servicePointId: string; organizationId: string; title: string; description: string | null; sessionMinutes: number; threshold: number },
  ): Promise<void> {
    await manager.query(
      `INSERT INTO course_topics (id, service_point_id, organization_id, status, title, description, session_minutes, threshold)
       VALUES ($1, $2, $3, 'open', $4, $5, $6, $7)`,
      [topic.id, topic.servicePointId, topic.organizationId, topic.title, topic.description, topic.sessionMinutes, topic.threshold],
    );
  }

  /** A topic; `lock`: its row, so that the orders of one topic are counted one at a time. */
  async topic(manager: EntityManager, id: string, lock = false): Promise<CourseTopicRow | null> {
    if (lock) await manager.query(`SELECT 1 FROM course_topics WHERE id = $1 FOR UPDATE`, [id]);
    const rows: CourseTopicRow[] = await manager.query(
      `SELECT ${TOPIC_COLUMNS} FROM course_topics t JOIN service_points p ON p.id = t.service_point_id WHERE t.id = $1`,
      [id],
    );
    return rows.at(0) ?? null;
  }

  /** The menu: open topics, of one station or of one organization if asked, by station then title. */
  topics(manager: EntityManager, filter: { servicePointId?: string; organizationId?: string }): Promise<CourseTopicRow[]> {
    return manager.query(
      `SELECT ${TOPIC_COLUMNS} FROM course_topics t JOIN service_points p ON p.id = t.service_point_id
        WHERE t.status = 'open' AND ($1::uuid IS NULL OR t.service_point_id = $1) AND ($2::uuid IS NULL OR t.organization_id = $2)
        ORDER BY p.name, t.title, t.id LIMIT 1000`,
      [filter.servicePointId ?? null, filter.organizationId ?? null],
    );
  }

  /** An order, unless the person has one open for the topic already (then null). */
  async addOrder(
    manager: EntityManager,
    order: { id: string; topicId: string; candidateId: string; caseworkerId: string; freeWindows: WeeklyWindow[] },
  ): Promise<string | null> {
    const rows: { id: string }[] = await manager.query(
      `INSERT INTO course_orders (id, topic_id, candidate_id, caseworker_id, free_windows) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (topic_id, candidate_id) WHERE demand_id IS NULL DO NOTHING RETURNING id`,
      [order.id, order.topicId, order.candidateId, order.caseworkerId, JSON.stringify(order.freeWindows)],
    );
    return rows.at(0)?.id ?? null;
  }

  /** The free windows of each open order of a topic (of people still active). */
  async openOrderWindows(manager: EntityManager, topicId: string): Promise<WeeklyWindow[][]> {
    const rows: { freeWindows: WeeklyWindow[] }[] = await manager.query(
      `SELECT o.free_windows AS "freeWindows" FROM course_orders o JOIN candidates c ON c.id = o.candidate_id
        WHERE o.topic_id = $1 AND o.demand_id IS NULL AND c.status = 'active'`,
      [topicId],
    );
    return rows.map((row) => row.freeWindows);
  }

  /** A demand of the topic's open orders: they join it (and are open no more). Returns how many joined. */
  async addDemand(manager: EntityManager, demand: { id: string; topicId: string; bestWindows: SuitedWindow[] }): Promise<number> {
    await manager.query(`INSERT INTO course_demands (id, topic_id, orders, best_windows) VALUES ($1, $2, 0, $3)`, [
      demand.id,
      demand.topicId,
      JSON.stringify(demand.bestWindows),
    ]);
    // A SELECT over the UPDATE: TypeORM hands an UPDATE's RETURNING over as [rows, count].
    const [{ joined }]: { joined: number }[] = await manager.query(
      `WITH joined AS (UPDATE course_orders SET demand_id = $1 WHERE topic_id = $2 AND demand_id IS NULL RETURNING id),
            counted AS (UPDATE course_demands SET orders = (SELECT count(*) FROM joined) WHERE id = $1 RETURNING orders)
       SELECT orders AS joined FROM counted`,
      [demand.id, demand.topicId],
    );
    return joined;
  }

  async demand(manager: EntityManager, id: string, lock = false): Promise<CourseDemandRow | null> {
    const rows: CourseDemandRow[] = await manager.query(
      `SELECT ${DEMAND_COLUMNS} FROM course_demands d JOIN course_topics t ON t.id = d.topic_id JOIN service_points p ON p.id = t.service_point_id
        WHERE d.id = $1 ${lock ? 'FOR UPDATE OF d' : ''}`,
      [id],
    );
    return rows.at(0) ?? null;
  }

  /** The demand is scheduled: this slot is its course. */
  async schedule(manager: EntityManager, demandId: string, slotId: string): Promise<void> {
    await manager.query(`UPDATE course_demands SET slot_id = $2, scheduled_at = now() WHERE id = $1`, [demandId, slotId]);
  }

  /** Those who ordered the course a slot was scheduled for, with the windows they gave (active people only). */
  orderersOfSlot(manager: EntityManager, slotId: string): Promise<{ candidateId: string; freeWindows: WeeklyWindow[] }[]> {
    return manager.query(
      `SELECT o.candidate_id AS "candidateId", o.free_windows AS "freeWindows"
         FROM slots s JOIN course_orders o ON o.demand_id = s.course_demand_id JOIN candidates c ON c.id = o.candidate_id
        WHERE s.id = $1 AND c.status = 'active' ORDER BY o.created_at, o.id`,
      [slotId],
    );
  }

  /** The windows a person gave with their orders of the courses of these slots, by slot (slots they did not order are absent). */
  async orderWindowsOf(manager: EntityManager, candidateId: string, slotIds: readonly string[]): Promise<Map<string, WeeklyWindow[]>> {
    if (slotIds.length === 0) return new Map();
    const rows: { slotId: string; freeWindows: WeeklyWindow[] }[] = await manager.query(
      `SELECT s.id AS "slotId", o.free_windows AS "freeWindows" FROM slots s JOIN course_orders o ON o.demand_id = s.course_demand_id
        WHERE s.id = ANY($2::uuid[]) AND o.candidate_id = $1`,
      [candidateId, slotIds],
    );
    return new Map(rows.map((row) => [row.slotId, row.freeWindows]));
  }

  /** Counts per topic (of one organization, if asked): never people. */
  report(manager: EntityManager, organizationId: string | null): Promise<CourseDemandReportRow[]> {
    return manager.query(
      `SELECT t.id AS "topicId", t.title, t.service_point_id AS "servicePointId", p.name AS "servicePointName", t.organization_id AS "organizationId",
              t.threshold,
              count(o.id) FILTER (WHERE o.demand_id IS NULL)::int AS "openOrders",
              count(o.id) FILTER (WHERE o.demand_id IS NOT NULL AND d.slot_id IS NULL)::int AS "awaitingSchedule",
              count(o.id) FILTER (WHERE d.slot_id IS NOT NULL)::int AS "scheduled",
              count(o.id) FILTER (WHERE d.slot_id IS NOT NULL AND EXISTS (
                SELECT 1 FROM matches m WHERE m.slot_id = d.slot_id AND m.candidate_id = o.candidate_id AND m.status = 'redeemed'))::int AS "attended",
              (SELECT count(*)::int FROM course_demands x WHERE x.topic_id = t.id) AS "demands",
              (SELECT count(*)::int FROM course_demands x WHERE x.topic_id = t.id AND x.slot_id IS NOT NULL) AS "coursesScheduled"
         FROM course_topics t
         JOIN service_points p ON p.id = t.service_point_id
         LEFT JOIN course_orders o ON o.topic_id = t.id
         LEFT JOIN course_demands d ON d.id = o.demand_id
        WHERE $1::uuid IS NULL OR t.organization_id = $1
        GROUP BY t.id, p.name
        ORDER BY p.name, t.title, t.id`,
      [organizationId],
    );
  }
}
