import { Controller, Get, Inject } from '@nestjs/common';
import { type HsdsServicePage, hsdsServices } from '@huigong/domain';
import { ServicePointStore } from '@huigong/persistence';
import { APP_CONFIG, type AppConfig, PublicWhen, Roles } from '@huigong/platform';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { ApiKeyAuth } from '../docs/operation';

/** Open data: the service points and their offers as Open Referral HSDS 3.0, for the directories that exchange it. */
@ApiTags('benefits')
@ApiKeyAuth('admin', 'employer', 'merchant', 'caseworker')
@Controller('v1/exports')
@Roles('admin', 'employer', 'merchant', 'caseworker')
@PublicWhen('publicBenefitMap')
export class HsdsExportController {
  constructor(
    private readonly dataSource: DataSource,
    private readonly servicePoints: ServicePointStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get('hsds')
  @ApiOperation({
    summary: 'The service points and offers as HSDS 3.0',
    description:
      "Open Referral's Human Services Data Specification 3.0 (https://docs.openreferral.org): one page (HSDS's `Page`) of `service` objects, " +
      'one per active offer and one per standing member benefit of an open service point, each with its organization, its place ' +
      '(`service_at_locations[].location`, with accessibility and opening hours) and its weekly schedules. Places and offers only. ' +
      'Without a key when the deployment sets `PUBLIC_BENEFIT_MAP=true`.',
  })
  @ApiOkResponse({ description: 'An HSDS 3.0 page of services.', schema: { type: 'object', additionalProperties: true } })
  async hsds(): Promise<HsdsServicePage> {
    const { points, slots } = await this.servicePoints.everything(this.dataSource.manager);
    return hsdsServices(points, slots, this.config.appTimezone, new Date());
  }
}
