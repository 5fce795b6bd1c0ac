import { Controller, Get, Query } from '@nestjs/common';
import { SENSITIVE_TARGET_GROUPS, TARGET_GROUPS, type TargetGroup, uptakeRate } from '@huigong/domain';
import { ReportStore } from '@huigong/persistence';
import { CurrentPrincipal, IsRfc3339DateTime, type Principal, Roles, parseRfc3339DateTime } from '@huigong/platform';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSchema, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import { ApiErrors, ApiKeyAuth, QUERY } from '../docs/operation';

const INSTANT = 'must be an RFC 3339 date-time with an offset, such as 2030-01-01T08:00:00+08:00';

export class SlotUptakeQueryDto {
  @ApiPropertyOptional({ type: 'string', format: 'uuid', description: 'Only this slot.' })
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  slotId?: string;

  @ApiPropertyOptional({ type: 'string', format: 'date-time', description: 'Only occurrences ending at or after this instant.' })
  @IsOptional()
  @IsRfc3339DateTime({ message: INSTANT })
  from?: string;

  @ApiPropertyOptional({ type: 'string', format: 'date-time', description: 'Only occurrences ending before this instant.' })
  @IsOptional()
  @IsRfc3339DateTime({ message: INSTANT })
  to?: string;
}

const COUNT = { type: 'integer', minimum: 0 } as const;

@ApiSchema({ name: 'UptakeCounts', description: 'What became of offers: counts only.' })
export class UptakeCounts {
  @ApiProperty({ ...COUNT, description: 'Offers made.' })
  offered: number;

  @ApiProperty({ ...COUNT, description: 'Offers the worker gateway took.' })
  delivered: number;

  @ApiProperty(COUNT)
  redeemed: number;

  @ApiProperty({ ...COUNT, description: 'Not redeemed by the end of their occurrence.' })
  expired: number;

  @ApiProperty({ type: 'number', minimum: 0, maximum: 1, description: 'redeemed / offered, to three decimals (0 when none was offered).' })
  uptakeRate: number;
}

@ApiSchema({ name: 'OccurrenceUptake', description: 'One occurrence of a slot.' })
export class OccurrenceUptake extends UptakeCounts {
  @ApiProperty({ type: 'string', format: 'uuid' })
  slotId: string;

  @ApiProperty({ type: 'string' })
  title: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  merchantId: string;

  @ApiProperty({ type: 'string', format: 'date-time', description: 'When the occurrence ends (its offers expire then).' })
  occurrenceEnd: string;
}

@ApiSchema({ name: 'MerchantUptake', description: "Every occurrence of a merchant's slots together." })
export class MerchantUptake extends UptakeCounts {
  @ApiProperty({ type: 'string', format: 'uuid' })
  merchantId: string;

  @ApiProperty({ type: 'string' })
  name: string;
}

@ApiSchema({ name: 'GroupUptake', description: 'Offers to people of one target group the slot is for (an offer counts under each of their groups).' })
export class GroupUptake extends UptakeCounts {
  @ApiProperty({ enum: [...TARGET_GROUPS], enumName: 'TargetGroup' })
  group: TargetGroup;
}

@ApiSchema({ name: 'SlotUptakeReport' })
export class SlotUptakeReport {
  @ApiProperty({ type: () => OccurrenceUptake, isArray: true, description: 'The newest occurrence first.' })
  occurrences: OccurrenceUptake[];

  @ApiProperty({ type: () => MerchantUptake, isArray: true })
  merchants: MerchantUptake[];

  @ApiProperty({ type: () => GroupUptake, isArray: true, description: 'Merchants do not see the sensitive groups.' })
  targetGroups: GroupUptake[];
}

type Counts = Omit<UptakeCounts, 'uptakeRate'>;

function withRate<T extends Counts>(counts: T): T & { uptakeRate: number } {
  return { ...counts, uptakeRate: uptakeRate(counts.redeemed, counts.offered) };
}

/**
 * Slot uptake: per slot and occurrence, per merchant and per target group, how many offers were made,
 * delivered, redeemed and left to expire. Counts only. Merchants see their own slots, without the
 * sensitive groups; the union admin sees every slot.
 */
@ApiTags('reports')
@ApiKeyAuth('admin', 'merchant')
@Controller('v1/reports/slot-uptake')
@Roles('admin', 'merchant')
export class SlotUptakeReportController {
  constructor(private readonly reports: ReportStore) {}

  @Get()
  @ApiOperation({
    summary: 'Slot uptake',
    description:
      'Per slot and occurrence, per merchant and per target group: offers made, delivered, redeemed and expired, and the uptake rate. Counts only. Merchants see their own slots without the sensitive groups; the admin sees every slot.',
  })
  @ApiOkResponse({ type: SlotUptakeReport })
  @ApiErrors(QUERY)
  async report(@CurrentPrincipal() caller: Principal, @Query() query: SlotUptakeQueryDto): Promise<SlotUptakeReport> {
    const instant = (value: string | undefined) => (value === undefined ? null : new Date(parseRfc3339DateTime(value) as number));
    const { occurrences, groups } = await this.reports.slotUptake({
      organizationId: caller.role === 'merchant' ? caller.organizationId : null,
      slotId: query.slotId ?? null,
      from: instant(query.from),
      to: instant(query.to),
    });
    const merchants = new Map<string, Counts & { merchantId: string; name: string }>();
    for (const row of occurrences) {
      const merchant = merchants.get(row.merchantId) ?? {
        merchantId: row.merchantId,
        name: row.merchantName,
        offered: 0,
        delivered: 0,
        redeemed: 0,
        expired: 0,
      };
      merchant.offered += row.offered;
      merchant.delivered += row.delivered;
      merchant.redeemed += row.redeemed;
      merchant.expired += row.expired;
      merchants.set(row.merchantId, merchant);
    }
    return {
      occurrences: occurrences.map((row) =>
        withRate({
          slotId: row.slotId,
          title: row.title,
          merchantId: row.merchantId,
          occurrenceEnd: row.occurrenceEnd.toISOString(),
          offered: row.offered,
          delivered: row.delivered,
          redeemed: row.redeemed,
          expired: row.expired,
        }),
      ),
      merchants: [...merchants.values()].map(withRate),
      targetGroups: groups
        .filter((row) => caller.role === 'admin' || !SENSITIVE_TARGET_GROUPS.has(row.group as TargetGroup))
        .map((row) => withRate({ ...row, group: row.group as TargetGroup })),
    };
  }
}
