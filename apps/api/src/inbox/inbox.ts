import { Controller, Get, Query } from '@nestjs/common';
import { NOTIFICATION_TYPES } from '@huigong/persistence';
import { CurrentPrincipal, type Principal, Roles } from '@huigong/platform';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSchema, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiErrors, ApiKeyAuth, QUERY } from '../docs/operation';

export class InboxQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 100, description: 'How many notifications, newest first.' })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number from 1 to 500' })
  @Min(1, { message: 'must be a whole number from 1 to 500' })
  @Max(500, { message: 'must be a whole number from 1 to 500' })
  limit?: number;
}

@ApiSchema({ name: 'InboxEntry', description: 'A notification delivered to the caller.' })
export class InboxEntry {
  @ApiProperty({ type: 'string', format: 'uuid', description: 'The notification id: the `webhook-id` of its webhook deliveries.' })
  id: string;

  @ApiProperty({ enum: [...NOTIFICATION_TYPES], enumName: 'NotificationType' })
  type: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'What the webhook carried. `candidate_list` (caseworkers): the offer, and your candidates with score and reasons; ' +
      '`match_summary` (employers, merchants): the offer and counts only; `reminder` (caseworkers): proposals that have not moved for a week; ' +
      '`candidate_digest` (caseworkers): the window, and per list of a burst its offer and number of candidates (each list is in the inbox too).',
  })
  payload: Record<string, unknown>;
}

/** Notifications delivered to the caller, newest first. */
@ApiTags('inbox')
@ApiKeyAuth('employer', 'merchant', 'caseworker')
@Controller('v1/inbox')
@Roles('employer', 'merchant', 'caseworker')
export class InboxController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @ApiOperation({ summary: 'Your inbox', description: 'Notifications delivered to the caller, newest first.' })
  @ApiOkResponse({ type: InboxEntry, isArray: true })
  @ApiErrors(QUERY)
  async list(@CurrentPrincipal() caller: Principal, @Query() query: InboxQueryDto): Promise<InboxEntry[]> {
    const recipient =
      caller.role === 'caseworker'
        ? { kind: 'caseworker', id: caller.caseworkerId }
        : caller.role === 'admin'
          ? undefined
          : { kind: 'organization', id: caller.organizationId };
    if (recipient === undefined) return [];
    const rows: { id: string; type: string; created_at: Date; payload: Record<string, unknown> }[] = await this.dataSource.query(
      `SELECT id, type, created_at, payload FROM notifications
        WHERE recipient_kind = $1 AND recipient_id = $2
        ORDER BY created_at DESC, id DESC LIMIT $3`,
      [recipient.kind, recipient.id, query.limit ?? 100],
    );
    return rows.map((row) => ({ id: row.id, type: row.type, createdAt: row.created_at.toISOString(), payload: row.payload }));
  }
}
