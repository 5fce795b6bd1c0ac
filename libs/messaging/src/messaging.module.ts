import { BullModule } from '@nestjs/bullmq';
import { type DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '@huigong/platform';
import { IdempotentConsumer } from './idempotent-consumer';
import { OUTBOX_RELAY_OPTIONS, OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import { DEFAULT_JOB_OPTIONS } from './queues';
import { redisOptions } from './redis-connection';
import { UnitOfWork, WakeRelayOnOutboxEvents } from './unit-of-work';

export interface MessagingModuleOptions {
  /** Run the outbox relay in this process. */
  relay: boolean;
  relayOptions?: Partial<Omit<OutboxRelayOptions, 'enabled'>>;
}

/**
 * BullMQ on Redis for every process: the shared connection and prefix (QUEUE_PREFIX) that workers use,
 * the outbox relay (the only producer), the unit of work and the idempotent consumer.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
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
      ],
      providers: [
        {
          // Each process wakes its own relay when it commits events (and a wake during a pass is kept), so the
          // idle poll is only the safety net: rows whose writer died before waking it, or another instance's.
          provide: OUTBOX_RELAY_OPTIONS,
          useValue: { batchSize: 500, idleMs: 1_000, maxBackoffMs: 5_000, ...options.relayOptions, enabled: options.relay } satisfies OutboxRelayOptions,
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
