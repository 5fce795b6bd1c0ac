import { type DynamicModule, Module } from '@nestjs/common';
import { type MatcherTick, MessagingModule, QueueName, registerQueues } from '@huigong/messaging';
import { type LogSettings, ObservabilityModule } from '@huigong/observability';
import { CourseMenuStore, FairStore, MatchStore, PersistenceModule, StandbyStore } from '@huigong/persistence';
import { AppConfigModule, type AppConfig } from '@huigong/platform';
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
    return {
      module: MatcherModule,
      imports: [
        AppConfigModule.forRoot(config),
        PersistenceModule.forRoot({ applicationName: 'huigong-matcher', poolSize: 10 }),
        // The queues this worker consumes, on the shared worker connection: events, and its own ticks.
        registerQueues(config, QueueName.DomainEvents, QueueName.MatcherTicks),
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
