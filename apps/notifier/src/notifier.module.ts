import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule, QueueName } from '@huigong/messaging';
import { PersistenceModule } from '@huigong/persistence';
import { AppConfigModule, type AppConfig, PlatformModule } from '@huigong/platform';
import { NotificationsProcessor } from './notifications.processor';

/** The delivery worker: consumes the notifications queue. It writes no events, so it runs no relay. */
@Module({})
export class NotifierModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: NotifierModule,
      imports: [
        AppConfigModule.forRoot(config),
        PlatformModule,
        PersistenceModule.forRoot({ applicationName: 'huigong-notifier', poolSize: 10 }),
        // The queue this worker consumes, on the shared worker connection.
        BullModule.registerQueue({ name: QueueName.Notifications }),
        MessagingModule.forRoot({ relay: false }),
      ],
      providers: [NotificationsProcessor],
    };
  }
}
