import { BullModule, type RegisterQueueOptions } from '@nestjs/bullmq';
import { type DynamicModule, Module, type OnApplicationShutdown } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { APP_CONFIG, type AppConfig } from '@huigong/platform';
import { IdempotentConsumer } from './idempotent-consumer';
import { OUTBOX_RELAY_OPTIONS, OutboxRelay, type OutboxRelayOptions } from './outbox-relay';
import { DEFAULT_JOB_OPTIONS } from './queues';
import type { ConnectionOptions } from 'bullmq';
import { bullConnection, closeBullConnection, queuePrefix } from './redis-connection';
import { UnitOfWork, WakeRelayOnOutboxEvents } from './unit-of-work';

export interface MessagingModuleOptions {
  /** Run the outbox relay in this process. */
  relay: boolean;
  relayOptions?: Partial<Omit<OutboxRelayOptions, 'enabled'>>;
}

/** The workers' shared connection, closed after them (Nest shuts BullModule, imported here, down first). */
class BullConnectionCloser implements OnApplicationShutdown {
  constructor(private readonly opened: { connection?: ConnectionOptions }) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.opened.connection !== undefined) await closeBullConnection(this.opened.connection);
  }
}

/**
 * The registration of queues this process produces to or consumes, each with its key prefix (on a Redis
 * Cluster a hash tag per queue, see `queuePrefix`).
 */
export function registerQueues(config: AppConfig, ...names: string[]): DynamicModule {
  return BullModule.registerQueue(...names.map((name): RegisterQueueOptions => ({ name, prefix: queuePrefix(config, name) })));
}

/**
 * BullMQ on Redis for every process: the shared connection and prefix (QUEUE_PREFIX) that workers use,
 * the outbox relay (the only producer), the unit of work and the idempotent consumer.
 */
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    const opened: { connection?: ConnectionOptions } = {};
    return {
      module: MessagingModule,
      global: true,
      imports: [
        CqrsModule.forRoot(),
        BullModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => ({
            connection: (opened.connection = bullConnection(config, 'worker')),
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
        { provide: BullConnectionCloser, useValue: new BullConnectionCloser(opened) },
        OutboxRelay,
        IdempotentConsumer,
        UnitOfWork,
        WakeRelayOnOutboxEvents,
      ],
      exports: [BullModule, OutboxRelay, IdempotentConsumer, UnitOfWork],
    };
  }
}
