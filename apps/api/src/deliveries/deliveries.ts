import { Controller, Get, HttpCode, Injectable, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork, outboxEvent } from '@huigong/messaging';
import { DELIVERY_CHANNELS, NOTIFICATION_RECIPIENT_KINDS, NOTIFICATION_TYPES } from '@huigong/persistence';
import { Roles } from '@huigong/platform';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSchema, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { DataSource } from 'typeorm';
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
  constructor(private readonly unitOfWork: UnitOfWork) {}

  execute({ deliveryId }: ReplayDeliveryCommand): Promise<{ deliveryId: string; status: 'pending' }> {
    return this.unitOfWork.run(async (tx) => {
      const { manager } = tx;
      const rows: { id: string }[] = await manager
        .query(
          `UPDATE notification_deliveries SET status = 'pending', attempts = 0, last_error = NULL, updated_at = now()
          WHERE id = $1 AND status IN ('dead', 'disabled') RETURNING id`,
          [deliveryId],
        )
        .then((result: [{ id: string }[], number]) => result[0]);
      if (rows.length === 0) throw new NotFoundException(`No dead delivery ${deliveryId}.`);
      // Replaying after a 410 means the receiver is back: its webhook is switched on again.
      await manager.query(
        `UPDATE caseworkers SET webhook_disabled_at = NULL WHERE id = (SELECT n.recipient_id FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.id = $1 AND d.channel = 'webhook' AND n.recipient_kind = 'caseworker')`,
        [deliveryId],
      );
      await manager.query(
        `UPDATE organizations SET webhook_disabled_at = NULL WHERE id = (SELECT n.recipient_id FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.id = $1 AND d.channel = 'webhook' AND n.recipient_kind = 'organization')`,
        [deliveryId],
      );
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
    private readonly dataSource: DataSource,
    private readonly commands: CommandBus,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List deliveries', description: 'By status, dead ones by default: the last 500, most recently changed first.' })
  @ApiOkResponse({ type: DeliveryView, isArray: true })
  @ApiErrors(QUERY)
  async list(@Query() query: DeliveriesQueryDto): Promise<DeliveryView[]> {
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT d.id, d.notification_id, n.type, d.channel, n.recipient_kind, n.recipient_id, d.status, d.attempts,
              d.last_status_code, d.last_error, d.created_at, d.updated_at
         FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id
        WHERE d.status = $1 ORDER BY d.updated_at DESC LIMIT 500`,
      [query.status ?? 'dead'],
    );
    return rows.map((row) => ({
      deliveryId: row.id as string,
      notificationId: row.notification_id as string,
      type: row.type as string,
      channel: row.channel as string,
      recipientKind: row.recipient_kind as string,
      recipientId: row.recipient_id as string,
      status: row.status as string,
      attempts: row.attempts as number,
      lastStatusCode: (row.last_status_code as number | null) ?? null,
      lastError: (row.last_error as string | null) ?? null,
      createdAt: (row.created_at as Date).toISOString(),
      updatedAt: (row.updated_at as Date).toISOString(),
    }));
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
