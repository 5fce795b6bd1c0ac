import { Controller, Get, Query } from '@nestjs/common';
import { NOTIFICATION_TYPES, NotificationStore } from '@huigong/persistence';
import { CurrentPrincipal, type Principal, Roles } from '@huigong/platform';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiSchema, ApiTags } from '@nestjs/swagger';
import { AuditTrail } from '../audit/audit-trail';
import { QueryIntegerParam } from '../common/dto';
import { ApiErrors, ApiKeyAuth, QUERY } from '../docs/operation';

export class InboxQueryDto {
  @QueryIntegerParam({ min: 1, max: 500, default: 100, description: 'How many notifications, newest first.' })
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
      '`candidate_digest` (caseworkers): the window, and per list of a burst its offer and number of candidates (each list is in the inbox too); ' +
      '`matches_withdrawn` (caseworkers): an opening filled, `reason: "filled"`, and the caseworker\'s own people it no longer goes on with; ' +
      '`retention_check` (caseworkers): `checkpointDays` (30 or 90) and the hire to check (`POST /v1/matches/:id/retention`).',
  })
  payload: Record<string, unknown>;
}

/** The people an inbox item names: its `matches`' candidates. */
function peopleNamedIn(payload: Record<string, unknown>): string[] {
  const matches = Array.isArray(payload.matches) ? (payload.matches as unknown[]) : [];
  return matches.flatMap((match) => {
    const id = typeof match === 'object' && match !== null ? (match as { candidateId?: unknown }).candidateId : undefined;
    return typeof id === 'string' ? [id] : [];
  });
}

/** Notifications delivered to the caller, newest first. */
@ApiTags('inbox')
@ApiKeyAuth('employer', 'merchant', 'caseworker')
@Controller('v1/inbox')
@Roles('employer', 'merchant', 'caseworker')
export class InboxController {
  constructor(
    private readonly notifications: NotificationStore,
    private readonly audit: AuditTrail,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Your inbox', description: 'Notifications delivered to the caller, newest first.' })
  @ApiOkResponse({ type: InboxEntry, isArray: true })
  @ApiErrors(QUERY)
  async list(@CurrentPrincipal() caller: Principal, @Query() query: InboxQueryDto): Promise<InboxEntry[]> {
    const recipient =
      caller.role === 'caseworker'
        ? { kind: 'caseworker' as const, id: caller.caseworkerId }
        : caller.role === 'admin'
          ? undefined
          : { kind: 'organization' as const, id: caller.organizationId };
    if (recipient === undefined) return [];
    const rows = await this.notifications.inbox({ recipientKind: recipient.kind, recipientId: recipient.id, limit: query.limit ?? 100 });
    // A caseworker's inbox names their people (lists, reminders, checks); an organization's names no one.
    if (caller.role === 'caseworker')
      this.audit.noteReads(
        caller,
        rows.flatMap((row) => peopleNamedIn(row.payload)),
        'inbox',
      );
    return rows.map((row) => ({ ...row, createdAt: row.createdAt.toISOString() }));
  }
}
