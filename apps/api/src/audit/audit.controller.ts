import { Controller, Get, Query } from '@nestjs/common';
import { AUDITED_READS, AuditStore } from '@huigong/persistence';
import { Roles } from '@huigong/platform';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSchema, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID } from 'class-validator';
import { QueryIntegerParam } from '../common/dto';
import { ApiErrors, ApiKeyAuth, QUERY } from '../docs/operation';

export class AuditQueryDto {
  @ApiPropertyOptional({ type: 'string', format: 'uuid', description: 'Reads of this person.' })
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  candidateId?: string;

  @ApiPropertyOptional({ type: 'string', description: 'Reads by this reader: a caseworker or organization id, or `admin`.' })
  @IsOptional()
  @IsString({ message: 'must be text' })
  readerId?: string;

  @QueryIntegerParam({ min: 1, max: 1000, default: 200, description: 'How many reads, newest first.' })
  limit?: number;
}

@ApiSchema({ name: 'AuditedRead', description: "One read of one person's data: ids only." })
export class AuditReadView {
  @ApiProperty({ type: 'string', format: 'date-time' })
  readAt: string;

  @ApiProperty({ enum: ['admin', 'caseworker', 'employer', 'merchant', 'partner'] })
  readerKind: string;

  @ApiProperty({ type: 'string', description: 'The caseworker or organization id, or `admin`.' })
  readerId: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  candidateId: string;

  @ApiProperty({
    enum: [...AUDITED_READS],
    description: 'What was read: the profile, explain, a candidate list or inbox item naming them, the worklist, an export, the consent history.',
  })
  what: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'The `x-request-id` of the read.' })
  requestId: string | null;
}

/** Who read whose data: for the union admin, by person or by reader. */
@ApiTags('audit')
@ApiKeyAuth('admin')
@Controller('v1/audit')
@Roles('admin')
export class AuditController {
  constructor(private readonly audit: AuditStore) {}

  @Get()
  @ApiOperation({
    summary: "Reads of people's data",
    description:
      "Every read of a person's data through the API (written in batches, within a second): by person (`candidateId`) or by reader (`readerId`), newest first.",
  })
  @ApiOkResponse({ type: AuditReadView, isArray: true })
  @ApiErrors(QUERY)
  async reads(@Query() query: AuditQueryDto): Promise<AuditReadView[]> {
    const rows = await this.audit.reads({ candidateId: query.candidateId, readerId: query.readerId, limit: query.limit ?? 200 });
    return rows.map((row) => ({ ...row, readAt: new Date(row.readAt).toISOString() }));
  }
}
