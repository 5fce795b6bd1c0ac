import { type DynamicModule, Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { MessagingModule, QueueName, queuePrefix } from '@huigong/messaging';
import { type LogSettings, ObservabilityModule } from '@huigong/observability';
import { CourseMenuStore, FairStore, MatchStore, PersistenceModule, StandbyStore } from '@huigong/persistence';
import { AppConfigModule, type AppConfig, ConfigError } from '@huigong/platform';
import { DomainEventsProcessor } from './domain-events.processor';
import { FairLeadMaker } from './fair-leads';
import { IndexBroadcast } from './index-broadcast';
import { MatchingService } from './matching.service';
import { SlotOfferExpiry } from './slot-offer-expiry';
import { StandbySweep } from './standby-sweep';

/** The matching worker: consumes domain events, writes matches, relays what it emits for the notifier. */
@Module({})
export class MatcherModule {
  static forRoot(config: AppConfig, options: { logs?: LogSettings } = {}): DynamicModule {
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
        // The queue this worker consumes, on the shared worker connection.
        // The queue this worker consumes: its region's own where the area is split (MATCHER_REGIONS).
        BullModule.registerQueue({ name: QueueName.DomainEvents, prefix: queuePrefix(config, QueueName.DomainEvents, config.matcherRegions?.mine ?? null) }),
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
        SlotOfferExpiry,
        StandbySweep,
        DomainEventsProcessor,
      ],
    };
  }
}
