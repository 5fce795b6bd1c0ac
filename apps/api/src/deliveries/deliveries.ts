import { Controller, Get, HttpCode, Injectable, NotFoundException, Param, Post, Query } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork, outboxEvent } from '@huigong/messaging';
import { Roles } from '@huigong/platform';
import { IsIn, IsOptional } from 'class-validator';
import { DataSource } from 'typeorm';
import { uuidParam } from '../common/params';

const STATUSES = ['pending', 'delivered', 'dead', 'disabled', 'dropped'] as const;

export class DeliveriesQueryDto {
  @IsOptional()
  @IsIn(STATUSES, { message: `must be one of: ${STATUSES.join(', ')}` })
  status?: (typeof STATUSES)[number];
}

/** A delivery as an admin sees it: where it was going and what happened, never the payload. */
export interface DeliveryView {
  deliveryId: string;
  notificationId: string;
  type: string;
  channel: string;
  recipientKind: string;
  recipientId: string;
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  updatedAt: string;
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
    return this.unitOfWork.run(async ({ manager, emit }) => {
      const rows: { id: string }[] = await manager.query(
        `UPDATE notification_deliveries SET status = 'pending', attempts = 0, last_error = NULL, updated_at = now()
          WHERE id = $1 AND status IN ('dead', 'disabled') RETURNING id`,
        [deliveryId],
      ).then((result: [{ id: string }[], number]) => result[0]);
      if (rows.length === 0) throw new NotFoundException(`No dead delivery ${deliveryId}.`);
      // Replaying after a 410 means the receiver is back: its webhook is switched on again.
      await manager.query(
        `UPDATE caseworkers SET webhook_disabled_at = NULL WHERE id = (SELECT n.recipient_id FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.id = $1 AND n.recipient_kind = 'caseworker')`,
        [deliveryId],
      );
      await manager.query(
        `UPDATE organizations SET webhook_disabled_at = NULL WHERE id = (SELECT n.recipient_id FROM notification_deliveries d JOIN notifications n ON n.id = d.notification_id WHERE d.id = $1 AND n.recipient_kind = 'organization')`,
        [deliveryId],
      );
      emit(outboxEvent('DeliveryRequested', { deliveryId }));
      return { deliveryId, status: 'pending' as const };
    });
  }
}

/** Deliveries for the union admin: the dead ones to look at, and a replay once the receiver is fixed. */
@Controller('v1/deliveries')
@Roles('admin')
export class DeliveriesController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly commands: CommandBus,
  ) {}

  @Get()
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
  replay(@Param('id', uuidParam()) id: string): Promise<{ deliveryId: string; status: 'pending' }> {
    return this.commands.execute(new ReplayDeliveryCommand(id));
  }
}
