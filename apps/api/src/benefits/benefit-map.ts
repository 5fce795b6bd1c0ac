import { Controller, Get, Inject, Query } from '@nestjs/common';
import {
  ACCESSIBILITY_FEATURES,
  type AccessibilityFeature,
  type MapPlace,
  SERVICE_POINT_KINDS,
  SLOT_KINDS,
  type ServicePointKind,
  type SlotKind,
  TARGET_GROUPS,
  type TargetGroup,
  benefitMap,
} from '@huigong/domain';
import { ServicePointStore } from '@huigong/persistence';
import { APP_CONFIG, type AppConfig, IsRfc3339DateTime, PublicWhen, Roles, parseRfc3339DateTime } from '@huigong/platform';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSchema, ApiTags } from '@nestjs/swagger';
import { IsIn, IsNumber, IsOptional, Max, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import { LocationDto, QueryNumber } from '../common/dto';
import { ApiErrors, ApiKeyAuth, QUERY } from '../docs/operation';
import { SlotOfferTermsDto } from '../slots/slot.dto';

/** At most this many places in an answer, nearest first. */
const MAX_PLACES = 200;

export class BenefitMapQueryDto {
  @ApiProperty({ type: 'number', minimum: -90, maximum: 90, description: 'Where the member is.', example: 31.2705 })
  @QueryNumber()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number from -90 to 90' })
  @Min(-90, { message: 'must be a number from -90 to 90' })
  @Max(90, { message: 'must be a number from -90 to 90' })
  lat: number;

  @ApiProperty({ type: 'number', minimum: -180, maximum: 180, example: 121.549 })
  @QueryNumber()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number from -180 to 180' })
  @Min(-180, { message: 'must be a number from -180 to 180' })
  @Max(180, { message: 'must be a number from -180 to 180' })
  lng: number;

  @ApiPropertyOptional({ type: 'number', minimum: 0.1, maximum: 50, default: 2, description: 'How far to look, in km.' })
  @IsOptional()
  @QueryNumber()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number from 0.1 to 50' })
  @Min(0.1, { message: 'must be a number from 0.1 to 50' })
  @Max(50, { message: 'must be a number from 0.1 to 50' })
  radiusKm?: number;

  @ApiPropertyOptional({ enum: [...TARGET_GROUPS], enumName: 'TargetGroup', description: 'Only offers for this group (and standing member benefits).' })
  @IsOptional()
  @IsIn(TARGET_GROUPS, { message: `must be one of: ${TARGET_GROUPS.join(', ')}` })
  group?: TargetGroup;

  @ApiPropertyOptional({ enum: [...SERVICE_POINT_KINDS], enumName: 'ServicePointKind', description: 'Only service points of this kind.' })
  @IsOptional()
  @IsIn(SERVICE_POINT_KINDS, { message: `must be one of: ${SERVICE_POINT_KINDS.join(', ')}` })
  kind?: ServicePointKind;

  @ApiPropertyOptional({ type: 'string', format: 'date-time', description: 'The moment "open now" and "next" are judged at; absent: now.' })
  @IsOptional()
  @IsRfc3339DateTime({ message: 'must be an RFC 3339 date-time with an offset, such as 2030-01-01T08:00:00+08:00' })
  at?: string;
}

@ApiSchema({ name: 'TimeSpan' })
export class TimeSpanView {
  @ApiProperty({ type: 'string', format: 'date-time' })
  start: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  end: string;
}

@ApiSchema({ name: 'BenefitOffer', description: 'An offer on the map: what, for whom (groups in general terms), when next.' })
export class BenefitOfferView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  slotId: string;

  @ApiProperty({ type: 'string' })
  title: string;

  @ApiProperty({ enum: [...SLOT_KINDS], enumName: 'SlotKind' })
  kind: SlotKind;

  @ApiProperty({ type: () => SlotOfferTermsDto })
  offer: SlotOfferTermsDto;

  @ApiProperty({ enum: [...TARGET_GROUPS], enumName: 'TargetGroup', isArray: true, description: 'Who it is for.' })
  eligibleGroups: TargetGroup[];

  @ApiProperty({ type: 'integer', minimum: 1 })
  seatsPerOccurrence: number;

  @ApiProperty({ type: 'boolean', description: 'An occurrence is running now.' })
  availableNow: boolean;

  @ApiProperty({ type: () => TimeSpanView, nullable: true, description: 'The running or next occurrence.' })
  next: TimeSpanView | null;
}

@ApiSchema({ name: 'BenefitPlace', description: 'A service point (or an offer published without one) within reach.' })
export class BenefitPlaceView {
  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'Null: an offer published without a service point.' })
  servicePointId: string | null;

  @ApiProperty({ type: 'string' })
  name: string;

  @ApiProperty({ type: 'string', description: 'The organization whose premises or offer it is.' })
  organizationName: string;

  @ApiProperty({ enum: [...SERVICE_POINT_KINDS], enumName: 'ServicePointKind', nullable: true })
  kind: ServicePointKind | null;

  @ApiProperty({ type: () => LocationDto })
  location: LocationDto;

  @ApiProperty({ type: 'string', nullable: true })
  address: string | null;

  @ApiProperty({ type: 'number', minimum: 0, description: 'As the crow flies.' })
  distanceKm: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'On foot: 1.3 times the distance at 80 m a minute.' })
  walkingMinutes: number;

  @ApiProperty({ type: 'string', nullable: true, description: 'The standing benefit for union members.' })
  memberBenefit: string | null;

  @ApiProperty({ enum: [...ACCESSIBILITY_FEATURES], enumName: 'AccessibilityFeature', isArray: true })
  accessibilityFeatures: AccessibilityFeature[];

  @ApiProperty({ type: 'boolean', nullable: true, description: 'Null: its opening hours are not known.' })
  openNow: boolean | null;

  @ApiProperty({ type: () => TimeSpanView, nullable: true, description: 'When it is open now, or opens next.' })
  opens: TimeSpanView | null;

  @ApiProperty({ type: () => BenefitOfferView, isArray: true })
  offers: BenefitOfferView[];
}

@ApiSchema({ name: 'BenefitMap', description: 'What is on offer near a place: places and offers only, nothing about any person.' })
export class BenefitMapView {
  @ApiProperty({ type: 'string', format: 'date-time' })
  at: string;

  @ApiProperty({ type: () => LocationDto })
  near: LocationDto;

  @ApiProperty({ type: 'number' })
  radiusKm: number;

  @ApiProperty({ type: () => BenefitPlaceView, isArray: true, description: `Nearest first; at most ${MAX_PLACES}.` })
  places: MapPlace[];
}

/** The benefit map (惠工地图): every role may read it, and anyone when PUBLIC_BENEFIT_MAP=true. */
@ApiTags('benefits')
@ApiKeyAuth('admin', 'employer', 'merchant', 'caseworker')
@Controller('v1/benefits')
@Roles('admin', 'employer', 'merchant', 'caseworker')
@PublicWhen('publicBenefitMap')
export class BenefitMapController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly servicePoints: ServicePointStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'What is on offer near a place',
    description:
      'Service points and active offers within `radiusKm` of a place, nearest first: the standing member benefit, whether open now or when next, ' +
      'and each offer with its next occurrence and the groups it is for. An offer shows where the place is within its own reach too. ' +
      'Without a key when the deployment sets `PUBLIC_BENEFIT_MAP=true`.',
  })
  @ApiOkResponse({ type: BenefitMapView })
  @ApiErrors(QUERY)
  async near(@Query() query: BenefitMapQueryDto): Promise<BenefitMapView> {
    const at = query.at === undefined ? new Date() : new Date(parseRfc3339DateTime(query.at) as number);
    const radiusKm = query.radiusKm ?? 2;
    const center = { lat: query.lat, lng: query.lng };
    const { points, slots } = await this.servicePoints.near(this.dataSource.manager, center, radiusKm, MAX_PLACES * 5);
    const places = benefitMap(points, slots, { near: center, radiusKm, group: query.group, kind: query.kind, at, timeZone: this.config.appTimezone });
    return { at: at.toISOString(), near: center, radiusKm, places: places.slice(0, MAX_PLACES) };
  }
}
