import { Controller, Get, HttpCode, Injectable, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork, outboxEvent } from '@huigong/messaging';
import { DELIVERY_CHANNELS, NOTIFICATION_RECIPIENT_KINDS, NOTIFICATION_TYPES, NotificationStore } from '@huigong/persistence';
import { Roles } from '@huigong/platform';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSchema, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { uuidParam } from '../common/params';
import { ApiErrors, ApiIdParam, ApiIdempotencyKey, ApiKeyAuth, ID_PARAM, IDEMPOTENT, OPTIONAL_JSON_BODY, QUERY } from '../docs/operation';

const STATUSES = ['pending', 'delivered', 'dead', 'disabled', 'dropped'] as const;

export class DeliveriesQueryDto {
  @ApiPropertyOptional({ enum: [...STATUSES], enumName: 'DeliveryStatus', default: 'dead', description: 'Which deliveries to list.' })
  @IsOptional()
  @IsIn(STATUSES, { message: `must be one of: ${STATUSES.join(', ')}` })
  status?: (typeof STATUSES)[number];
}

/** A delivery as an admin sees it: where it was going and what happened, never the payload. */
@ApiSchema({ name: 'Delivery', description: 'A delivery of a notification: where it was going and what happened, never the payload.' })
export class DeliveryView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  deliveryId: string;

  @ApiProperty({ type: 'string', format: 'uuid', description: 'Also the `webhook-id` of every attempt.' })
  notificationId: string;

  @ApiProperty({ enum: [...NOTIFICATION_TYPES], enumName: 'NotificationType' })
  type: string;

  @ApiProperty({ type: 'string', enum: [...DELIVERY_CHANNELS] })
  channel: string;

  @ApiProperty({ type: 'string', enum: [...NOTIFICATION_RECIPIENT_KINDS] })
  recipientKind: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  recipientId: string;

  @ApiProperty({ enum: [...STATUSES], enumName: 'DeliveryStatus' })
  status: string;

  @ApiProperty({ type: 'integer', minimum: 0 })
  attempts: number;

  @ApiProperty({ type: 'integer', nullable: true, description: 'The HTTP status (for email, the SMTP reply code) of the last answer, if there was one.' })
  lastStatusCode: number | null;

  @ApiProperty({ type: 'string', nullable: true })
  lastError: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updatedAt: string;
}

@ApiSchema({ name: 'DeliveryReplay', description: 'The delivery is pending again: a new series of attempts, under the same `webhook-id`.' })
export class ReplayedDelivery {
  @ApiProperty({ type: 'string', format: 'uuid' })
  deliveryId: string;

  @ApiProperty({ type: 'string', enum: ['pending'] })
  status: 'pending';
}

export class ReplayDeliveryCommand {
  constructor(readonly deliveryId: string) {}
}

/** Sends a dead (or switched-off) delivery again, as a new series of attempts with the same webhook-id. */
@Injectable()
@CommandHandler(ReplayDeliveryCommand)
export class ReplayDeliveryHandler implements ICommandHandler<ReplayDeliveryCommand, { deliveryId: string; status: 'pending' }> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly notifications: NotificationStore,
  ) {}

  execute({ deliveryId }: ReplayDeliveryCommand): Promise<{ deliveryId: string; status: 'pending' }> {
    return this.unitOfWork.run(async (tx) => {
      const { manager } = tx;
      // Replaying after a 410 means the receiver is back: the store switches its webhook on again.
      if (!(await this.notifications.replayDelivery(manager, deliveryId))) throw new NotFoundException(`No dead delivery ${deliveryId}.`);
      tx.emit(outboxEvent('DeliveryRequested', { deliveryId }));
      return { deliveryId, status: 'pending' as const };
    });
  }
}

/** Deliveries for the union admin: the dead ones to look at, and a replay once the receiver is fixed. */
@ApiTags('deliveries')
@ApiKeyAuth('admin')
@Controller('v1/deliveries')
@Roles('admin')
export class DeliveriesController {
  constructor(
    private readonly notifications: NotificationStore,
    private readonly commands: CommandBus,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List deliveries', description: 'By status, dead ones by default: the last 500, most recently changed first.' })
  @ApiOkResponse({ type: DeliveryView, isArray: true })
  @ApiErrors(QUERY)
  async list(@Query() query: DeliveriesQueryDto): Promise<DeliveryView[]> {
    const rows = await this.notifications.deliveries({ status: query.status ?? 'dead' });
    return rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() }));
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replay a delivery',
    description: 'A dead or switched-off delivery is sent again, under the same `webhook-id`; a switched-off webhook is switched on.',
  })
  @ApiIdParam('The delivery.')
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: ReplayedDelivery })
  @ApiErrors(ID_PARAM, OPTIONAL_JSON_BODY, IDEMPOTENT, { 404: 'No dead or switched-off delivery has this id.' })
  replay(@Param('id', uuidParam()) id: string): Promise<{ deliveryId: string; status: 'pending' }> {
    return this.commands.execute(new ReplayDeliveryCommand(id));
  }
}
