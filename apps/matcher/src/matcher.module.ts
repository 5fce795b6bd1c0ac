import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule, QueueName } from '@huigong/messaging';
import { MatchStore, PersistenceModule } from '@huigong/persistence';
import { AppConfigModule, type AppConfig, PlatformModule } from '@huigong/platform';
import { DomainEventsProcessor } from './domain-events.processor';
import { IndexBroadcast } from './index-broadcast';
import { MatchingService } from './matching.service';
import { SlotOfferExpiry } from './slot-offer-expiry';

/** The matching worker: consumes domain events, writes matches, relays what it emits for the notifier. */
@Module({})
export class MatcherModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: MatcherModule,
      imports: [
        AppConfigModule.forRoot(config),
        PlatformModule,
        PersistenceModule.forRoot({ applicationName: 'huigong-matcher', poolSize: 10 }),
        // The queue this worker consumes, on the shared worker connection.
        BullModule.registerQueue({ name: QueueName.DomainEvents }),
        MessagingModule.forRoot({ relay: true }),
      ],
      providers: [MatchStore, MatchingService, IndexBroadcast, SlotOfferExpiry, DomainEventsProcessor],
    };
  }
}
