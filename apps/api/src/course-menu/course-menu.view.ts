import type { CourseDemandReportRow, CourseDemandRow, CourseTopicRow, CourseTopicStatus } from '@huigong/persistence';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { WindowDto } from '../common/dto';

@ApiSchema({ name: 'CourseTopicView', description: "A topic on a station's menu, with the orders waiting for a course (a count)." })
export class CourseTopicView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  id: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  servicePointId: string;

  @ApiProperty({ type: 'string' })
  servicePointName: string;

  @ApiProperty({ type: 'string', format: 'uuid', description: "The station's organization, which schedules the courses." })
  organizationId: string;

  @ApiProperty({ enum: ['open', 'closed'], enumName: 'CourseTopicStatus' })
  status: CourseTopicStatus;

  @ApiProperty({ type: 'string' })
  title: string;

  @ApiProperty({ type: 'string', nullable: true })
  description: string | null;

  @ApiProperty({ type: 'integer' })
  sessionMinutes: number;

  @ApiProperty({ type: 'integer', description: 'The open orders that make a demand.' })
  threshold: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Orders not yet in a demand.' })
  openOrders: number;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;
}

export function courseTopicView(row: CourseTopicRow): CourseTopicView {
  return {
    id: row.id,
    servicePointId: row.servicePointId,
    servicePointName: row.servicePointName,
    organizationId: row.organizationId,
    status: row.status,
    title: row.title,
    description: row.description,
    sessionMinutes: row.sessionMinutes,
    threshold: row.threshold,
    openOrders: row.openOrders,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

@ApiSchema({ name: 'SuitedWindow', description: 'A weekly window, and how many of those who ordered are free for all of it.' })
export class SuitedWindowView {
  @ApiProperty({ type: () => WindowDto })
  window: WindowDto;

  @ApiProperty({ type: 'integer', minimum: 1 })
  suits: number;
}

@ApiSchema({
  name: 'CourseDemandView',
  description: 'Orders of a topic that reached its threshold: counts and windows, never people. `slotId`: the course scheduled for it.',
})
export class CourseDemandView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  id: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  topicId: string;

  @ApiProperty({ type: 'string' })
  topicTitle: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  servicePointId: string;

  @ApiProperty({ type: 'string' })
  servicePointName: string;

  @ApiProperty({ type: 'integer', minimum: 1 })
  orders: number;

  @ApiProperty({ type: () => SuitedWindowView, isArray: true, description: 'Up to three windows that suit most of them, best first.' })
  bestWindows: SuitedWindowView[];

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true })
  slotId: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  scheduledAt: string | null;
}

export function courseDemandView(row: CourseDemandRow): CourseDemandView {
  return {
    id: row.id,
    topicId: row.topicId,
    topicTitle: row.topicTitle,
    servicePointId: row.servicePointId,
    servicePointName: row.servicePointName,
    orders: row.orders,
    bestWindows: row.bestWindows,
    slotId: row.slotId,
    createdAt: new Date(row.createdAt).toISOString(),
    scheduledAt: row.scheduledAt === null ? null : new Date(row.scheduledAt).toISOString(),
  };
}

@ApiSchema({ name: 'CourseOrderView', description: 'The order recorded; `demandId` when it made the topic reach its threshold.' })
export class CourseOrderView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  id: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  topicId: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  candidateId: string;

  @ApiProperty({ enum: ['open', 'in_demand'], description: '`in_demand`: the orders reached the threshold with this one; the station was told.' })
  status: 'open' | 'in_demand';

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true })
  demandId: string | null;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Orders of the topic still waiting after this one.' })
  openOrders: number;
}

@ApiSchema({ name: 'CourseDemandReportRow', description: 'Per topic and station: orders waiting, in a demand, scheduled and attended. Counts only.' })
export class CourseDemandReportRowView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  topicId: string;

  @ApiProperty({ type: 'string' })
  title: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  servicePointId: string;

  @ApiProperty({ type: 'string' })
  servicePointName: string;

  @ApiProperty({ type: 'integer' })
  threshold: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Orders not yet in a demand.' })
  openOrders: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Orders in a demand no course was scheduled for yet.' })
  awaitingSchedule: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Orders whose demand has a course.' })
  scheduled: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'Of those, people whose offer of the course was redeemed.' })
  attended: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  demands: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  coursesScheduled: number;
}

export function courseDemandReportRowView(row: CourseDemandReportRow): CourseDemandReportRowView {
  return {
    topicId: row.topicId,
    title: row.title,
    servicePointId: row.servicePointId,
    servicePointName: row.servicePointName,
    threshold: row.threshold,
    openOrders: row.openOrders,
    awaitingSchedule: row.awaitingSchedule,
    scheduled: row.scheduled,
    attended: row.attended,
    demands: row.demands,
    coursesScheduled: row.coursesScheduled,
  };
}
