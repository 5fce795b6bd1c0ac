import { Body, ConflictException, Controller, Get, Injectable, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { DEFAULT_COURSE_SESSION_MINUTES, DEFAULT_COURSE_THRESHOLD, bestCourseWindows, demandReached } from '@huigong/domain';
import { UnitOfWork, outboxEvent } from '@huigong/messaging';
import { CandidateEntity, CourseMenuStore, ServicePointEntity } from '@huigong/persistence';
import { CurrentPrincipal, NamedConflictException, type PrincipalOf, Roles } from '@huigong/platform';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { storedWindows } from '../common/dto';
import { uuidParam } from '../common/params';
import { ApiErrors, ApiIdParam, ApiIdempotencyKey, ApiKeyAuth, ID_PARAM, IDEMPOTENT, JSON_BODY, QUERY } from '../docs/operation';
import { CourseOrderDto, CourseTopicDto, CourseTopicQueryDto } from './course-menu.dto';
import {
  CourseDemandReportRowView,
  CourseDemandView,
  CourseOrderView,
  CourseTopicView,
  courseDemandReportRowView,
  courseDemandView,
  courseTopicView,
} from './course-menu.view';

/** Who manages a station's menu: the merchant whose station it is, or the union admin. */
type MenuManager = PrincipalOf<'merchant'> | PrincipalOf<'admin'>;

export class AddCourseTopicCommand {
  constructor(
    readonly caller: MenuManager,
    readonly input: CourseTopicDto,
  ) {}
}

@Injectable()
@CommandHandler(AddCourseTopicCommand)
export class AddCourseTopicHandler implements ICommandHandler<AddCourseTopicCommand, CourseTopicView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly menu: CourseMenuStore,
  ) {}

  execute({ caller, input }: AddCourseTopicCommand): Promise<CourseTopicView> {
    return this.unitOfWork.run(async ({ manager }) => {
      const point = await manager.findOne(ServicePointEntity, {
        where: caller.role === 'admin' ? { id: input.servicePointId } : { id: input.servicePointId, organizationId: caller.organizationId },
      });
      if (point === null) throw new NotFoundException(`No service point ${input.servicePointId} of yours.`);
      if (point.status === 'closed') throw new ConflictException('The service point is closed.');
      const id = randomUUID();
      await this.menu.addTopic(manager, {
        id,
        servicePointId: point.id,
        organizationId: point.organizationId,
        title: input.title.trim(),
        description: input.description === undefined ? null : input.description.trim(),
        sessionMinutes: input.sessionMinutes ?? DEFAULT_COURSE_SESSION_MINUTES,
        threshold: input.threshold ?? DEFAULT_COURSE_THRESHOLD,
      });
      const added = await this.menu.topic(manager, id);
      if (added === null) throw new Error(`The course topic ${id} just added cannot be read back.`);
      return courseTopicView(added);
    });
  }
}

export class OrderCourseCommand {
  constructor(
    readonly caseworkerId: string,
    readonly topicId: string,
    readonly input: CourseOrderDto,
  ) {}
}

/**
 * An order, under the topic's lock so that the orders of one topic are counted one at a time: the order
 * that reaches the threshold makes the demand, with every open order of the topic, and its event
 * (`CourseDemandReached`), in the same transaction, so the station is told exactly once.
 */
@Injectable()
@CommandHandler(OrderCourseCommand)
export class OrderCourseHandler implements ICommandHandler<OrderCourseCommand, CourseOrderView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly menu: CourseMenuStore,
  ) {}

  execute({ caseworkerId, topicId, input }: OrderCourseCommand): Promise<CourseOrderView> {
    return this.unitOfWork.run(async (tx) => {
      const { manager } = tx;
      const topic = await this.menu.topic(manager, topicId, true);
      if (topic === null) throw new NotFoundException(`No course topic ${topicId}.`);
      if (topic.status === 'closed') throw new ConflictException('The topic is off the menu.');
      const person = await manager.findOne(CandidateEntity, { where: { id: input.candidateId, caseworkerId } });
      if (person === null || person.status !== 'active') throw new NotFoundException('None of your people has this id.');
      if (!person.consentBenefits) {
        throw new NamedConflictException('no_consent', 'The person has not consented to benefit offers: a course they order could not be offered to them.');
      }
      const id = await this.menu.addOrder(manager, {
        id: randomUUID(),
        topicId,
        candidateId: person.id,
        caseworkerId,
        freeWindows: storedWindows(input.freeWindows),
      });
      if (id === null) throw new NamedConflictException('already_ordered', 'The person has an order of this topic waiting already.');
      const openOrders = topic.openOrders + 1;
      if (!demandReached(openOrders, topic.threshold)) return { id, topicId, candidateId: person.id, status: 'open', demandId: null, openOrders };
      const demandId = randomUUID();
      const bestWindows = bestCourseWindows(await this.menu.openOrderWindows(manager, topicId), topic.sessionMinutes);
      await this.menu.addDemand(manager, { id: demandId, topicId, bestWindows });
      tx.emit(outboxEvent('CourseDemandReached', { demandId }));
      return { id, topicId, candidateId: person.id, status: 'in_demand', demandId, openOrders: 0 };
    });
  }
}

/**
 * The course menu of worker stations: the station (its merchant organization) or the union admin puts
 * topics on it; every role reads it; caseworkers order a topic for their people, with the times they are
 * free. Orders reaching a topic's threshold make a demand: the station is told, with the windows that suit
 * most of them, and a course published for the demand (`courseDemandId` of a slot) goes to them first.
 */
@ApiTags('course-menu')
@ApiKeyAuth('admin', 'employer', 'merchant', 'caseworker')
@Controller('v1/course-topics')
@Roles('admin', 'employer', 'merchant', 'caseworker')
export class CourseTopicsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly dataSource: DataSource,
    private readonly menu: CourseMenuStore,
  ) {}

  @Post()
  @Roles('merchant', 'admin')
  @ApiKeyAuth('merchant', 'admin')
  @ApiOperation({ summary: 'Put a topic on a station’s course menu', description: "At one of the caller's service points (any, for the admin)." })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: CourseTopicView })
  @ApiErrors(JSON_BODY, IDEMPOTENT, { 404: 'No such service point of yours.', 409: 'The service point is closed.' })
  add(@CurrentPrincipal() caller: MenuManager, @Body() body: CourseTopicDto): Promise<CourseTopicView> {
    return this.commands.execute(new AddCourseTopicCommand(caller, body));
  }

  @Get()
  @ApiOperation({ summary: 'Read the course menu', description: 'Open topics, of one station if asked, with the orders waiting for each (a count).' })
  @ApiOkResponse({ type: CourseTopicView, isArray: true })
  @ApiErrors(QUERY)
  async list(@Query() query: CourseTopicQueryDto): Promise<CourseTopicView[]> {
    return (await this.menu.topics(this.dataSource.manager, { servicePointId: query.servicePointId })).map(courseTopicView);
  }

  @Post(':id/orders')
  @Roles('caseworker')
  @ApiKeyAuth('caseworker')
  @ApiOperation({
    summary: 'Order a course for one of your people',
    description:
      'With the times they are free for it, every week. One waiting order per person and topic. The order that brings the waiting orders to the threshold makes a demand (`status: "in_demand"`), and the station is told (`course_demand`).',
  })
  @ApiIdParam('The course topic.')
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: CourseOrderView })
  @ApiErrors(ID_PARAM, JSON_BODY, IDEMPOTENT, {
    404: 'No such topic. Or none of your people has the id `candidateId`.',
    409: 'The topic is off the menu; the person has an order waiting already (`code: "already_ordered"`) or has not consented to benefit offers (`code: "no_consent"`).',
  })
  order(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>, @Param('id', uuidParam()) id: string, @Body() body: CourseOrderDto): Promise<CourseOrderView> {
    return this.commands.execute(new OrderCourseCommand(caller.caseworkerId, id, body));
  }
}

@ApiTags('course-menu')
@ApiKeyAuth('merchant', 'admin')
@Controller('v1/course-demands')
@Roles('merchant', 'admin')
export class CourseDemandsController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly menu: CourseMenuStore,
  ) {}

  @Get(':id')
  @ApiOperation({ summary: 'Read a course demand', description: "The station's own (any, for the admin): counts and windows, never people." })
  @ApiIdParam('The demand.')
  @ApiOkResponse({ type: CourseDemandView })
  @ApiErrors(ID_PARAM, { 404: 'None of your demands has this id.' })
  async get(@CurrentPrincipal() caller: MenuManager, @Param('id', uuidParam()) id: string): Promise<CourseDemandView> {
    const demand = await this.menu.demand(this.dataSource.manager, id);
    if (demand === null || (caller.role === 'merchant' && demand.organizationId !== caller.organizationId))
      throw new NotFoundException(`No course demand ${id}.`);
    return courseDemandView(demand);
  }
}

@ApiTags('reports')
@ApiKeyAuth('admin', 'merchant')
@Controller('v1/reports/course-demand')
@Roles('admin', 'merchant')
export class CourseDemandReportController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly menu: CourseMenuStore,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Course demand per topic and station',
    description:
      'Orders waiting, in a demand not scheduled yet, scheduled, and attended (the offer of the course redeemed). A merchant sees its own stations. Counts only.',
  })
  @ApiOkResponse({ type: CourseDemandReportRowView, isArray: true })
  async report(@CurrentPrincipal() caller: MenuManager): Promise<CourseDemandReportRowView[]> {
    return (await this.menu.report(this.dataSource.manager, caller.role === 'merchant' ? caller.organizationId : null)).map(courseDemandReportRowView);
  }
}
