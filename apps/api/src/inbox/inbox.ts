import { Controller, Get, Query } from '@nestjs/common';
import { CurrentPrincipal, type Principal, Roles } from '@huigong/platform';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { DataSource } from 'typeorm';

export class InboxQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number from 1 to 500' })
  @Min(1, { message: 'must be a whole number from 1 to 500' })
  @Max(500, { message: 'must be a whole number from 1 to 500' })
  limit?: number;
}

export interface InboxEntry {
  id: string;
  type: string;
  createdAt: string;
  payload: Record<string, unknown>;
}

/** Notifications delivered to the caller, newest first. */
@Controller('v1/inbox')
@Roles('employer', 'merchant', 'caseworker')
export class InboxController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
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
