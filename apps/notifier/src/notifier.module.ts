import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule, type NotifierTick, QueueName, registerQueues } from '@huigong/messaging';
import { type LogSettings, ObservabilityModule } from '@huigong/observability';
import { CourseMenuStore, FairStore, NotificationStore, PersistenceModule } from '@huigong/persistence';
import { AppConfigModule, type AppConfig } from '@huigong/platform';
import { DeliveryProcessor, OFFER_TRANSACTIONS, offerTransactions } from './delivery.processor';
import { EmailSender } from './email-sender';
import { FollowUpReminders } from './follow-up-reminders';
import { HistoryPurge } from './history-purge';
import { NotificationRecorder } from './notification-recorder';
import { NotificationsProcessor } from './notifications.processor';
import { NOTIFIER_TICK_EVERY_MS, NOTIFIER_TICK_SCHEDULE, NotifierTicksProcessor } from './notifier-ticks.processor';
import { WebhookClient } from './webhook-client';

/** Connections in the notifier's pool, unless a test asks for fewer. */
export const NOTIFIER_POOL_SIZE = 20;

export interface NotifierOptions {
  logs?: LogSettings;
  /** Connections in the pool (NOTIFIER_POOL_SIZE unless given: a test drives more offers than this). */
  poolSize?: number;
  /** Periods of the ticks, in ms, where a test wants them shorter than NOTIFIER_TICK_EVERY_MS. */
  tickEveryMs?: Partial<Record<NotifierTick, number>>;
}

/** The delivery worker: records notifications from the matcher's decisions, and delivers them; runs the reminders' and the purge's ticks. */
@Module({})
export class NotifierModule {
  static forRoot(config: AppConfig, options: NotifierOptions = {}): DynamicModule {
    const poolSize = options.poolSize ?? NOTIFIER_POOL_SIZE;
    return {
      module: NotifierModule,
      imports: [
        AppConfigModule.forRoot(config),
        PersistenceModule.forRoot({ applicationName: 'huigong-notifier', poolSize }),
        // The queues this worker consumes, on the shared worker connection.
        registerQueues(config, QueueName.Notifications, QueueName.Deliveries, QueueName.NotifierTicks),
        // The notifier writes the DeliveryRequested events of what it records, and relays them itself.
        MessagingModule.forRoot({ relay: true }),
        // /health and /metrics on the ops port, JSON logs, a line per job with its correlation id.
        ObservabilityModule.forRoot(config, { service: 'notifier', logs: options.logs }),
      ],
      providers: [
        NotificationStore,
        CourseMenuStore,
        FairStore,
        NotificationRecorder,
        NotificationsProcessor,
        WebhookClient,
        EmailSender,
        DeliveryProcessor,
        FollowUpReminders,
        HistoryPurge,
        NotifierTicksProcessor,
        { provide: NOTIFIER_TICK_SCHEDULE, useValue: { ...NOTIFIER_TICK_EVERY_MS, ...options.tickEveryMs } },
        // Offers in flight, each holding a connection in its transaction: bounded by the pool, not by the batch.
        { provide: OFFER_TRANSACTIONS, useValue: offerTransactions(poolSize) },
      ],
    };
  }
}
