export * from './idempotent-consumer';
export * from './messaging.module';
export * from './outbox';
export * from './outbox-relay';
export * from './queues';
export * from './redis-connection';
export * from './ticks';
export * from './unit-of-work';
