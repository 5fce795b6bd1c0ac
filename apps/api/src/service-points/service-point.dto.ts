import { type AccessibilityFeature, SERVICE_POINT_KINDS, type ServicePointKind } from '@huigong/domain';
import { ApiProperty, ApiPropertyOptional, ApiSchema, OmitType, PartialType } from '@nestjs/swagger';
import { MaxCodePoints, OptionalNotNull } from '@huigong/platform';
import { IsIn, IsOptional, IsString, IsUUID } from 'class-validator';
import {
  AccessibilityProperty,
  LocationDto,
  LocationProperty,
  NOT_BLANK,
  Rules,
  WindowDto,
  WindowsProperty,
  accessibilityRules,
  locationRules,
  nestedObjectRules,
  textRules,
  windowListRules,
} from '../common/dto';
import { SlotDto } from '../slots/slot.dto';

/** The premises of a merchant (or of the union, registered as one) where members get a standing benefit. */
@ApiSchema({ name: 'ServicePoint', description: 'A benefit service point: premises where members get a standing benefit and use offers.' })
export class ServicePointDto {
  @ApiProperty({ type: 'string', minLength: 1, maxLength: 200, ...NOT_BLANK, example: 'Dinghai Road community canteen No. 2' })
  @IsString({ message: 'must be text' })
  @Rules(textRules({ min: 1, max: 200, tooLong: 'must be at most 200 characters' }))
  name: string;

  @ApiProperty({ enum: [...SERVICE_POINT_KINDS], enumName: 'ServicePointKind' })
  @IsIn(SERVICE_POINT_KINDS, { message: `must be one of: ${SERVICE_POINT_KINDS.join(', ')}` })
  kind: ServicePointKind;

  @LocationProperty({ required: true, description: 'Where it is; its slots are here unless they say otherwise.' })
  @Rules(locationRules())
  location: LocationDto;

  @ApiPropertyOptional({ type: 'string', maxLength: 300, nullable: true, example: '定海路 449 弄' })
  @IsOptional()
  @IsString({ message: 'must be text' })
  @MaxCodePoints(300, { message: 'must be at most 300 characters' })
  address?: string | null;

  @WindowsProperty({ required: false, min: 0, max: 50, description: 'When it is open, every week (absent: not said).' })
  @OptionalNotNull()
  @Rules(windowListRules({ min: 0, max: 50 }))
  openingHours?: WindowDto[];

  @AccessibilityProperty({ required: false, description: 'What the premises offer.' })
  @OptionalNotNull()
  @Rules(accessibilityRules())
  accessibilityFeatures?: AccessibilityFeature[];

  @ApiPropertyOptional({
    type: 'string',
    maxLength: 300,
    nullable: true,
    description: 'The standing member benefit, in words.',
    example: 'Union members 20% off',
  })
  @IsOptional()
  @IsString({ message: 'must be text' })
  @MaxCodePoints(300, { message: 'must be at most 300 characters' })
  memberBenefit?: string | null;
}

@ApiSchema({ name: 'ServicePointPatch', description: 'Any subset of the fields of `ServicePoint`; `null` clears `address` or `memberBenefit`.' })
export class UpdateServicePointDto extends PartialType(ServicePointDto, { skipNullProperties: false }) {}

/** A slot published at a service point: the fields of `Slot`, its place the point's unless given. */
@ApiSchema({ name: 'ServicePointSlot', description: "The fields of `Slot`; `location` may be left out: it is the service point's." })
export class ServicePointSlotDto extends OmitType(SlotDto, ['location'] as const) {
  @LocationProperty({ required: false, description: "Where the slot is; absent: the service point's place." })
  @OptionalNotNull()
  @Rules(nestedObjectRules(() => LocationDto))
  location?: LocationDto;
}

export class ServicePointQueryDto {
  @ApiPropertyOptional({ enum: [...SERVICE_POINT_KINDS], enumName: 'ServicePointKind', description: 'Only points of this kind.' })
  @IsOptional()
  @IsIn(SERVICE_POINT_KINDS, { message: `must be one of: ${SERVICE_POINT_KINDS.join(', ')}` })
  kind?: ServicePointKind;

  @ApiPropertyOptional({ type: 'string', format: 'uuid', description: "The admin: only this organization's points." })
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  organizationId?: string;
}
