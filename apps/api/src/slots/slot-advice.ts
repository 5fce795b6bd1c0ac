import { Injectable } from '@nestjs/common';
import { idleCapacityAdvice, uptakeRate } from '@huigong/domain';
import { ServicePointEntity, ServicePointStore } from '@huigong/persistence';
import type { PrincipalOf } from '@huigong/platform';
import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { IsNumber, IsOptional, IsUUID, Max, Min } from 'class-validator';
import { DataSource } from 'typeorm';
import { QueryNumber, WindowDto, WindowsProperty } from '../common/dto';
import { SuitedWindowView } from '../course-menu/course-menu.view';
import { DEFAULT_SLOT_RADIUS_KM } from './slot.dto';

export class SlotAdviceQueryDto {
  @ApiPropertyOptional({ type: 'string', format: 'uuid', description: 'Only this service point.' })
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  servicePointId?: string;

  @ApiPropertyOptional({
    type: 'number',
    minimum: 0.1,
    maximum: 50,
    default: DEFAULT_SLOT_RADIUS_KM,
    description: 'How far from the point people are counted.',
  })
  @IsOptional()
  @QueryNumber()
  @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number between 0.1 and 50' })
  @Min(0.1, { message: 'must be a number between 0.1 and 50' })
  @Max(50, { message: 'must be a number between 0.1 and 50' })
  radiusKm?: number;
}

@ApiSchema({ name: 'SlotUptakeAtPoint', description: 'A current slot of the point: offers made and redeemed, all time.' })
export class SlotUptakeAtPointView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  slotId: string;

  @ApiProperty({ type: 'string' })
  title: string;

  @WindowsProperty({ required: true, min: 0, max: 50 })
  windows: WindowDto[];

  @ApiProperty({ type: 'integer', minimum: 0 })
  offered: number;

  @ApiProperty({ type: 'integer', minimum: 0 })
  redeemed: number;

  @ApiProperty({ type: 'number', minimum: 0, maximum: 1, description: 'redeemed / offered, to three decimals (0 when none was offered).' })
  uptakeRate: number;
}

@ApiSchema({
  name: 'IdleCapacityAdvice',
  description: 'For one service point: the people within reach who take benefit offers, counted by when they are on a break; never who.',
})
export class IdleCapacityAdviceView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  servicePointId: string;

  @ApiProperty({ type: 'string' })
  name: string;

  @ApiProperty({ type: 'number' })
  radiusKm: number;

  @ApiProperty({ type: 'integer', minimum: 0, description: 'People within reach who may be offered something here (with breaks given).' })
  peopleWithinReach: number;

  @ApiProperty({ type: () => SuitedWindowView, isArray: true, description: 'The whole hours of the week when most of them are on a break, up to 5.' })
  busiestHours: SuitedWindowView[];

  @ApiProperty({
    type: () => SuitedWindowView,
    isArray: true,
    description: 'Up to three hour-long windows, apart, each with how many of them a slot there would reach (a break overlapping it by 30 minutes).',
  })
  suggestions: SuitedWindowView[];

  @ApiProperty({ type: () => SlotUptakeAtPointView, isArray: true })
  slots: SlotUptakeAtPointView[];
}

/** Idle-capacity advice for a merchant's service points (or every open point, for the admin). */
@Injectable()
export class SlotAdvisor {
  constructor(
    private readonly dataSource: DataSource,
    private readonly servicePoints: ServicePointStore,
  ) {}

  async advise(caller: PrincipalOf<'merchant'> | PrincipalOf<'admin'>, query: SlotAdviceQueryDto): Promise<IdleCapacityAdviceView[]> {
    const manager = this.dataSource.manager;
    const radiusKm = query.radiusKm ?? DEFAULT_SLOT_RADIUS_KM;
    const points = await manager.find(ServicePointEntity, {
      where: {
        status: 'open',
        ...(caller.role === 'merchant' ? { organizationId: caller.organizationId } : {}),
        ...(query.servicePointId === undefined ? {} : { id: query.servicePointId }),
      },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: 100,
    });
    const advice: IdleCapacityAdviceView[] = [];
    for (const point of points) {
      const breaks = await this.servicePoints.breaksNear(manager, { lat: point.lat, lng: point.lng }, radiusKm);
      const { busiestHours, suggestions } = idleCapacityAdvice(breaks);
      const slots = (await this.servicePoints.slotUptakeAt(manager, point.id)).map((slot) => ({
        ...slot,
        uptakeRate: uptakeRate(slot.redeemed, slot.offered),
      }));
      advice.push({ servicePointId: point.id, name: point.name, radiusKm, peopleWithinReach: breaks.length, busiestHours, suggestions, slots });
    }
    return advice;
  }
}
