import { Controller, Get, Inject, Query } from '@nestjs/common';
import { type HsdsServicePage, hsdsServices } from '@huigong/domain';
import { ServicePointStore } from '@huigong/persistence';
import { APP_CONFIG, type AppConfig, PublicWhen, Roles } from '@huigong/platform';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { QueryIntegerParam } from '../common/dto';
import { ApiErrors, ApiKeyAuth, QUERY } from '../docs/operation';

/** Services per page unless `per_page` says. */
const HSDS_PER_PAGE = 100;

/** HSDS's own paging parameters (its API reference names them so). */
export class HsdsPageQueryDto {
  @QueryIntegerParam({ min: 1, max: 100_000, default: 1, description: 'The page, from 1.' })
  page?: number;

  @QueryIntegerParam({ min: 1, max: 1000, default: HSDS_PER_PAGE, description: 'Services per page.' })
  per_page?: number;
}

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
      "Open Referral's Human Services Data Specification 3.0 (https://docs.openreferral.org): a page (HSDS's `Page`, `page` and `per_page` as in HSDS's API) of `service` objects, " +
      'one per active offer and one per standing member benefit of an open service point, each with its organization, its place ' +
      '(`service_at_locations[].location`, with accessibility and opening hours) and its schedules (weekly, and once for dated occurrences); ' +
      'the member benefits first, then the offers, each in the order they were created. Places and offers only. ' +
      'Without a key when the deployment sets `PUBLIC_BENEFIT_MAP=true`.',
  })
  @ApiOkResponse({ description: 'An HSDS 3.0 page of services.', schema: { type: 'object', additionalProperties: true } })
  @ApiErrors(QUERY)
  async hsds(@Query() query: HsdsPageQueryDto): Promise<HsdsServicePage> {
    const page = query.page ?? 1;
    const perPage = query.per_page ?? HSDS_PER_PAGE;
    const { benefitPoints, slots, places, totalItems } = await this.servicePoints.hsdsPage(this.dataSource.manager, page, perPage);
    const placeById = new Map(places.map((point) => [point.id, point]));
    return hsdsServices(benefitPoints, slots, (id) => placeById.get(id), this.config.appTimezone, new Date(), { number: page, perPage, totalItems });
  }
}
