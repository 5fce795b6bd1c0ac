import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, ApiKeyDirectory, type AppConfig, IdempotencyRecords } from '@huigong/platform';
import { ApiKeyStore } from './api-key-store';
import { dataSourceOptions } from './data-source-options';
import { IdempotencyStore } from './idempotency-store';

/**
 * The TypeORM data source of one process, and the stores every process shares (global): API keys and idempotency
 * records, also under the platform's abstract names that the key guard and the idempotency interceptor inject.
 * Migrations are applied before, by `runMigrations`.
 */
@Module({})
export class PersistenceModule {
  static forRoot(settings: { applicationName: string; poolSize?: number }): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) =>
            dataSourceOptions({ databaseUrl: config.databaseUrl, preparedStatements: config.databasePreparedStatements, ...settings }),
        }),
      ],
      providers: [
        ApiKeyStore,
        IdempotencyStore,
        { provide: ApiKeyDirectory, useExisting: ApiKeyStore },
        { provide: IdempotencyRecords, useExisting: IdempotencyStore },
      ],
      exports: [ApiKeyStore, IdempotencyStore, ApiKeyDirectory, IdempotencyRecords],
    };
  }
}
