import { type AccessibilityFeature, SERVICE_POINT_KINDS, type ServicePointKind } from '@huigong/domain';
import type { ServicePointEntity, ServicePointStatus } from '@huigong/persistence';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { AccessibilityProperty, LocationDto, LocationProperty, WindowDto, WindowsProperty } from '../common/dto';

@ApiSchema({ name: 'ServicePointView', description: 'A service point as its organization and the admin see it.' })
export class ServicePointView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  id: string;

  @ApiProperty({ type: 'string', format: 'uuid', description: 'The organization whose premises these are.' })
  organizationId: string;

  @ApiProperty({ enum: ['open', 'closed'], enumName: 'ServicePointStatus', description: 'A closed point is no longer on the map.' })
  status: ServicePointStatus;

  @ApiProperty({ type: 'string' })
  name: string;

  @ApiProperty({ enum: [...SERVICE_POINT_KINDS], enumName: 'ServicePointKind' })
  kind: ServicePointKind;

  @LocationProperty()
  location: LocationDto;

  @ApiProperty({ type: 'string', nullable: true })
  address: string | null;

  @WindowsProperty({ required: true, min: 0, max: 50 })
  openingHours: WindowDto[];

  @AccessibilityProperty({ required: true })
  accessibilityFeatures: AccessibilityFeature[];

  @ApiProperty({ type: 'string', nullable: true })
  memberBenefit: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updatedAt: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  closedAt: string | null;
}

export function servicePointView(row: ServicePointEntity): ServicePointView {
  return {
    id: row.id,
    organizationId: row.organizationId,
    status: row.status,
    name: row.name,
    kind: row.kind,
    location: { lat: row.lat, lng: row.lng },
    address: row.address,
    openingHours: row.openingHours,
    accessibilityFeatures: row.accessibilityFeatures,
    memberBenefit: row.memberBenefit,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    closedAt: row.closedAt?.toISOString() ?? null,
  };
}
