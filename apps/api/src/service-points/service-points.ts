import { Body, ConflictException, Controller, Get, HttpCode, Injectable, NotFoundException, Param, Patch, Post, Query } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork } from '@huigong/messaging';
import { ServicePointEntity } from '@huigong/persistence';
import { CurrentPrincipal, type PrincipalOf, Roles } from '@huigong/platform';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { uuidParam } from '../common/params';
import { ApiErrors, ApiIdParam, ApiIdempotencyKey, ApiKeyAuth, ID_PARAM, IDEMPOTENT, JSON_BODY, OPTIONAL_JSON_BODY, QUERY } from '../docs/operation';
import { COURSE_DEMAND_ERRORS, PublishSlotCommand } from '../slots/slots';
import { SlotView } from '../slots/slot.view';
import { ServicePointDto, ServicePointQueryDto, ServicePointSlotDto, UpdateServicePointDto } from './service-point.dto';
import { ServicePointView, servicePointView } from './service-point.view';
import { storedWindows } from '../common/dto';

const NOT_YOURS = 'None of your service points has this id.';

/** Text as given, trimmed; absent or null is none. (Blank text stays blank: the map and the export read it as none.) */
const trimmedText = (text: string | null | undefined): string | null => (text === undefined || text === null ? null : text.trim());

/** Who manages service points: the merchant whose premises they are, or the union admin (any). */
type PointManager = PrincipalOf<'merchant'> | PrincipalOf<'admin'>;

/** A service point the caller may manage: its organization's own, or any for the admin; else 404. */
async function loadManagedPoint(manager: EntityManager, id: string, caller: PointManager, lock = false): Promise<ServicePointEntity> {
  const row = await manager.findOne(ServicePointEntity, {
    where: caller.role === 'admin' ? { id } : { id, organizationId: caller.organizationId },
    ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
  if (row === null) throw new NotFoundException(`No service point ${id}.`);
  return row;
}

export class RegisterServicePointCommand {
  constructor(
    readonly organizationId: string,
    readonly input: ServicePointDto,
  ) {}
}

@Injectable()
@CommandHandler(RegisterServicePointCommand)
export class RegisterServicePointHandler implements ICommandHandler<RegisterServicePointCommand, ServicePointView> {
  constructor(private readonly unitOfWork: UnitOfWork) {}

  execute({ organizationId, input }: RegisterServicePointCommand): Promise<ServicePointView> {
    return this.unitOfWork.run(async ({ manager }) => {
      const row = manager.create(ServicePointEntity, {
        id: randomUUID(),
        organizationId,
        status: 'open',
        name: input.name.trim(),
        kind: input.kind,
        lat: input.location.lat,
        lng: input.location.lng,
        address: trimmedText(input.address),
        openingHours: storedWindows(input.openingHours),
        accessibilityFeatures: input.accessibilityFeatures ?? [],
        memberBenefit: trimmedText(input.memberBenefit),
        revision: 1,
        closedAt: null,
      });
      await manager.insert(ServicePointEntity, row);
      return servicePointView(row);
    });
  }
}

export class UpdateServicePointCommand {
  constructor(
    readonly caller: PointManager,
    readonly servicePointId: string,
    readonly patch: UpdateServicePointDto,
  ) {}
}

@Injectable()
@CommandHandler(UpdateServicePointCommand)
export class UpdateServicePointHandler implements ICommandHandler<UpdateServicePointCommand, ServicePointView> {
  constructor(private readonly unitOfWork: UnitOfWork) {}

  execute({ caller, servicePointId, patch }: UpdateServicePointCommand): Promise<ServicePointView> {
    return this.unitOfWork.run(async ({ manager }) => {
      const row = await loadManagedPoint(manager, servicePointId, caller, true);
      if (patch.name !== undefined) row.name = patch.name.trim();
      if (patch.kind !== undefined) row.kind = patch.kind;
      if (patch.location !== undefined) {
        row.lat = patch.location.lat;
        row.lng = patch.location.lng;
      }
      if (patch.address !== undefined) row.address = trimmedText(patch.address);
      if (patch.openingHours !== undefined) row.openingHours = storedWindows(patch.openingHours);
      if (patch.accessibilityFeatures !== undefined) row.accessibilityFeatures = patch.accessibilityFeatures ?? [];
      if (patch.memberBenefit !== undefined) row.memberBenefit = trimmedText(patch.memberBenefit);
      row.revision += 1;
      return servicePointView(await manager.save(row));
    });
  }
}

export class CloseServicePointCommand {
  constructor(
    readonly caller: PointManager,
    readonly servicePointId: string,
  ) {}
}

/** A closed point leaves the map; its slots go on until their merchant withdraws them. Closing twice changes nothing. */
@Injectable()
@CommandHandler(CloseServicePointCommand)
export class CloseServicePointHandler implements ICommandHandler<CloseServicePointCommand, ServicePointView> {
  constructor(private readonly unitOfWork: UnitOfWork) {}

  execute({ caller, servicePointId }: CloseServicePointCommand): Promise<ServicePointView> {
    return this.unitOfWork.run(async ({ manager }) => {
      const row = await loadManagedPoint(manager, servicePointId, caller, true);
      if (row.status === 'open') {
        row.status = 'closed';
        row.closedAt = new Date();
        row.revision += 1;
        await manager.save(row);
      }
      return servicePointView(row);
    });
  }
}

/**
 * Service points: the merchant registers its premises (a union that runs points itself registers as a
 * merchant organization); the merchant and the union admin manage them. Service points decide no match:
 * they are what the benefit map shows, and where slots are published.
 */
@ApiTags('service-points')
@ApiKeyAuth('merchant', 'admin')
@Controller('v1/service-points')
@Roles('merchant', 'admin')
export class ServicePointsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly dataSource: DataSource,
  ) {}

  @Post()
  @Roles('merchant')
  @ApiKeyAuth('merchant')
  @ApiOperation({ summary: 'Register a service point', description: "The caller's premises, open at once and on the benefit map." })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: ServicePointView })
  @ApiErrors(JSON_BODY, IDEMPOTENT)
  register(@CurrentPrincipal() caller: PrincipalOf<'merchant'>, @Body() body: ServicePointDto): Promise<ServicePointView> {
    return this.commands.execute(new RegisterServicePointCommand(caller.organizationId, body));
  }

  @Get()
  @ApiOperation({
    summary: 'List service points',
    description: "A merchant's own; the admin's, every organization's (`organizationId` for one). Open and closed, oldest first.",
  })
  @ApiOkResponse({ type: ServicePointView, isArray: true })
  @ApiErrors(QUERY)
  async list(@CurrentPrincipal() caller: PointManager, @Query() query: ServicePointQueryDto): Promise<ServicePointView[]> {
    const organizationId = caller.role === 'admin' ? query.organizationId : caller.organizationId;
    const rows = await this.dataSource.manager.find(ServicePointEntity, {
      where: { ...(organizationId === undefined ? {} : { organizationId }), ...(query.kind === undefined ? {} : { kind: query.kind }) },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: 1000,
    });
    return rows.map(servicePointView);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a service point' })
  @ApiIdParam('The service point.')
  @ApiOkResponse({ type: ServicePointView })
  @ApiErrors(ID_PARAM, { 404: NOT_YOURS })
  async get(@CurrentPrincipal() caller: PointManager, @Param('id', uuidParam()) id: string): Promise<ServicePointView> {
    return servicePointView(await loadManagedPoint(this.dataSource.manager, id, caller));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a service point', description: 'Any subset of the fields; `null` clears `address` or `memberBenefit`.' })
  @ApiIdParam('The service point.')
  @ApiOkResponse({ type: ServicePointView })
  @ApiErrors(ID_PARAM, JSON_BODY, { 404: NOT_YOURS })
  update(@CurrentPrincipal() caller: PointManager, @Param('id', uuidParam()) id: string, @Body() patch: UpdateServicePointDto): Promise<ServicePointView> {
    return this.commands.execute(new UpdateServicePointCommand(caller, id, patch));
  }

  @Post(':id/close')
  @HttpCode(200)
  @ApiOperation({ summary: 'Close a service point', description: 'It leaves the benefit map; its slots go on until withdrawn. Closing twice changes nothing.' })
  @ApiIdParam('The service point.')
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: ServicePointView, description: '`status: "closed"`.' })
  @ApiErrors(ID_PARAM, OPTIONAL_JSON_BODY, IDEMPOTENT, { 404: NOT_YOURS })
  close(@CurrentPrincipal() caller: PointManager, @Param('id', uuidParam()) id: string): Promise<ServicePointView> {
    return this.commands.execute(new CloseServicePointCommand(caller, id));
  }

  @Post(':id/slots')
  @Roles('merchant')
  @ApiKeyAuth('merchant')
  @ApiOperation({
    summary: 'Publish a slot at a service point',
    description: 'As `POST /v1/slots`, the slot belonging to the point: in its place unless `location` says otherwise, and on the benefit map with it.',
  })
  @ApiIdParam('The service point.')
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: SlotView, description: 'The slot, `status: "active"`, with `servicePointId`.' })
  @ApiErrors(ID_PARAM, JSON_BODY, IDEMPOTENT, {
    404: `${NOT_YOURS} Or ${COURSE_DEMAND_ERRORS[404]}`,
    409: `The service point is closed; or ${COURSE_DEMAND_ERRORS[409]}`,
  })
  async publishSlot(
    @CurrentPrincipal() caller: PrincipalOf<'merchant'>,
    @Param('id', uuidParam()) id: string,
    @Body() body: ServicePointSlotDto,
  ): Promise<SlotView> {
    const point = await loadManagedPoint(this.dataSource.manager, id, caller);
    if (point.status === 'closed') throw new ConflictException('The service point is closed: publish the slot at an open one.');
    return this.commands.execute(new PublishSlotCommand(caller.organizationId, body, { servicePointId: point.id, lat: point.lat, lng: point.lng }));
  }
}
