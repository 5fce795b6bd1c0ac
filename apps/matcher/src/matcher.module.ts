import { type DynamicModule, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { type MatcherTick, MessagingModule, QueueName, queuePrefix } from '@huigong/messaging';
import { type LogSettings, ObservabilityModule } from '@huigong/observability';
import { CourseMenuStore, FairStore, MatchStore, PersistenceModule, StandbyStore } from '@huigong/persistence';
import { AppConfigModule, type AppConfig, ConfigError } from '@huigong/platform';
import { DomainEventsProcessor } from './domain-events.processor';
import { FairLeadMaker } from './fair-leads';
import { IndexBroadcast } from './index-broadcast';
import { IndexReady } from './index-ready';
import { MATCHER_TICK_EVERY_MS, MATCHER_TICK_SCHEDULE, MatcherTicksProcessor } from './matcher-ticks.processor';
import { MatchingService } from './matching.service';
import { SlotOfferExpiry } from './slot-offer-expiry';
import { StandbySweep } from './standby-sweep';

export interface MatcherOptions {
  logs?: LogSettings;
  /** Periods of the ticks, in ms, where a test wants them shorter than MATCHER_TICK_EVERY_MS. */
  tickEveryMs?: Partial<Record<MatcherTick, number>>;
}

/** The matching worker: consumes domain events, writes matches, relays what it emits for the notifier; runs the sweeps' ticks. */
@Module({})
export class MatcherModule {
  static forRoot(config: AppConfig, options: MatcherOptions = {}): DynamicModule {
    if (config.matcherRegions !== null && config.matcherRegions.mine === null) {
      throw new ConfigError([
        `MATCHER_REGION must name the region this matcher owns, one of ${config.matcherRegions.regions.map((region) => region.name).join(', ')} (MATCHER_REGIONS splits the area).`,
      ]);
    }
    return {
      module: MatcherModule,
      imports: [
        AppConfigModule.forRoot(config),
        PersistenceModule.forRoot({ applicationName: 'huigong-matcher', poolSize: 10 }),
        // The queues this worker consumes, on the shared worker connection: events, and its own ticks; its
        // region's own where the area is split (MATCHER_REGIONS), so each region sweeps for itself.
        BullModule.registerQueue(
          ...[QueueName.DomainEvents, QueueName.MatcherTicks].map((name) => ({ name, prefix: queuePrefix(config, name, config.matcherRegions?.mine ?? null) })),
        ),
        MessagingModule.forRoot({ relay: true }),
        // /health and /metrics on the ops port, JSON logs, a line per job with its correlation id.
        ObservabilityModule.forRoot(config, { service: 'matcher', logs: options.logs }),
      ],
      providers: [
        MatchStore,
        CourseMenuStore,
        FairStore,
        StandbyStore,
        FairLeadMaker,
        MatchingService,
        IndexBroadcast,
        IndexReady,
        SlotOfferExpiry,
        StandbySweep,
        DomainEventsProcessor,
        MatcherTicksProcessor,
        { provide: MATCHER_TICK_SCHEDULE, useValue: { ...MATCHER_TICK_EVERY_MS, ...options.tickEveryMs } },
      ],
    };
  }
}
