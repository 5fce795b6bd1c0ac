import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '@huigong/platform/config/app-config';
import { IdempotentConsumer } from './idempotent-consumer';
import { OUTBOX_RELAY_OPTIONS, OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import { DEFAULT_JOB_OPTIONS, QueueName } from './queues';
import { redisOptions } from './redis-connection';
import { UnitOfWork, WakeRelayOnOutboxEvents } from './unit-of-work';

export interface MessagingModuleOptions {
  /** Run the outbox relay in this process. */
  relay: boolean;
  relayOptions?: Partial<Omit<OutboxRelayOptions, 'enabled'>>;
}

/**
 * BullMQ on Redis for every process: the shared prefix (QUEUE_PREFIX), producer queues that fail fast
 * while Redis is away (the outbox keeps the events meanwhile), the relay and the idempotent consumer.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    const producerQueue = (name: QueueName) => ({
      name,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        connection: redisOptions(config.redisUrl, 'producer'),
        prefix: config.queuePrefix,
        defaultJobOptions: DEFAULT_JOB_OPTIONS,
      }),
    });
    return {
      module: MessagingModule,
      global: true,
      imports: [
        CqrsModule.forRoot(),
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            connection: redisOptions(config.redisUrl, 'worker'),
            prefix: config.queuePrefix,
            defaultJobOptions: DEFAULT_JOB_OPTIONS,
          }),
        }),
        BullModule.registerQueueAsync(producerQueue(QueueName.DomainEvents), producerQueue(QueueName.Notifications)),
      ],
      providers: [
        {
          provide: OUTBOX_RELAY_OPTIONS,
          useValue: { batchSize: 500, idleMs: 250, maxBackoffMs: 5_000, ...options.relayOptions, enabled: options.relay } satisfies OutboxRelayOptions,
        },
        OutboxRelay,
        IdempotentConsumer,
        UnitOfWork,
        WakeRelayOnOutboxEvents,
      ],
      exports: [BullModule, OutboxRelay, IdempotentConsumer, UnitOfWork],
    };
  }
}
