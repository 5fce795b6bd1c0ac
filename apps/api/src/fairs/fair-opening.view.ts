import { OPENING_STATUSES, type OpeningStatus } from '@huigong/domain';
import type { FairOpeningRow } from '@huigong/persistence';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'FairOpening', description: 'An opening attached to a fair.' })
export class FairOpeningView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  openingId: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  employerId: string;

  @ApiProperty({ type: 'string' })
  title: string;

  @ApiProperty({ type: 'integer', minimum: 1 })
  positions: number;

  @ApiProperty({ enum: [...OPENING_STATUSES], enumName: 'OpeningStatus' })
  status: OpeningStatus;

  @ApiProperty({ type: 'string', format: 'date-time' })
  attachedAt: string;
}

export function fairOpeningView(row: FairOpeningRow): FairOpeningView {
  return {
    openingId: row.openingId,
    employerId: row.employerId,
    title: row.title,
    positions: row.positions,
    status: row.status,
    attachedAt: row.attachedAt.toISOString(),
  };
}
