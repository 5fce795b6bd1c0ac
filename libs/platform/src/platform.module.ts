import { Global, Module } from '@nestjs/common';
import { IdempotencyStore } from './idempotency/idempotency-store';

/** Services every process shares. */
@Global()
@Module({ providers: [IdempotencyStore], exports: [IdempotencyStore] })
export class PlatformModule {}
