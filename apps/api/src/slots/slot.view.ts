import type { AccessibilityFeature, SlotKind, TargetGroup } from '@huigong/domain';
import { SLOT_KINDS } from '@huigong/domain';
import type { SlotEntity, SlotStatus } from '@huigong/persistence';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { AccessibilityProperty, LocationDto, LocationProperty, TargetGroupsProperty, WindowDto, WindowsProperty } from '../common/dto';
import { DatedOccurrenceDto, SlotOfferTermsDto } from './slot.dto';

@ApiSchema({ name: 'OfferSummary', description: 'How many offers of the slot were made, and how many were redeemed: counts, never people.' })
export class OfferSummary {
  @ApiProperty({ type: 'integer', minimum: 0 })
  offered: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  redeemed: number;
}

@ApiSchema({ name: 'SlotView', description: 'A slot as its merchant sees it, with its offers as counts.' })
export class SlotView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  id: string;

  @ApiProperty({ enum: ['active', 'withdrawn'], enumName: 'SlotStatus' })
  status: SlotStatus;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The service point it was published at, if any.' })
  servicePointId: string | null;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The course demand it was scheduled for, if any.' })
  courseDemandId: string | null;

  @ApiProperty({ type: 'string' })
  title: string;

  @ApiProperty({ enum: [...SLOT_KINDS], enumName: 'SlotKind' })
  kind: SlotKind;

  @TargetGroupsProperty({ required: true, min: 1 })
  eligibleGroups: TargetGroup[];

  @WindowsProperty({ required: true, min: 0, max: 50, description: 'Weekly windows; none when the slot has only dated occurrences.' })
  windows: WindowDto[];

  @ApiProperty({ type: () => DatedOccurrenceDto, isArray: true, description: 'Dated occurrences (sessions; stays of a lodging slot), as instants in UTC.' })
  occurrences: DatedOccurrenceDto[];

  @ApiProperty({ type: 'integer', minimum: 1 })
  capacity: number;

  @ApiProperty({ type: () => SlotOfferTermsDto })
  offer: SlotOfferTermsDto;

  @LocationProperty()
  location: LocationDto;

  @ApiProperty({ type: 'number' })
  radiusKm: number;

  @AccessibilityProperty({ required: true })
  accessibilityFeatures: AccessibilityFeature[];

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  validUntil: string | null;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updatedAt: string;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true })
  withdrawnAt: string | null;

  @ApiProperty({ type: () => OfferSummary })
  offerSummary: OfferSummary;
}

export function slotView(row: SlotEntity, offerSummary: OfferSummary = { offered: 0, redeemed: 0 }): SlotView {
  return {
    id: row.id,
    status: row.status,
    servicePointId: row.servicePointId,
    courseDemandId: row.courseDemandId,
    title: row.title,
    kind: row.kind,
    eligibleGroups: row.eligibleGroups,
    windows: row.windows,
    occurrences: row.occurrences,
    capacity: row.capacity,
    offer: row.offer,
    location: { lat: row.lat, lng: row.lng },
    radiusKm: row.radiusKm,
    accessibilityFeatures: row.accessibilityFeatures,
    validUntil: row.validUntil?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    withdrawnAt: row.withdrawnAt?.toISOString() ?? null,
    offerSummary,
  };
}
