import type { StandbyPoint } from '@huigong/persistence';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';

@ApiSchema({ name: 'StandbyEntry', description: 'A service point a person stands by for: its free seats just before they start are offered to them.' })
export class StandbyEntryView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  servicePointId: string;

  @ApiProperty({ type: 'string', description: "The service point's name." })
  servicePointName: string;

  @ApiProperty({ type: 'string', format: 'date-time', description: 'Since when the person stands by for it.' })
  since: string;
}

/** A standby entry as the API shows it. */
export function standbyEntryView(row: StandbyPoint): StandbyEntryView {
  return { servicePointId: row.servicePointId, servicePointName: row.name, since: new Date(row.since).toISOString() };
}
