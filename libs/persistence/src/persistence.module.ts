import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, type AppConfig } from '@huigong/platform/config/app-config';
import { dataSourceOptions } from './data-source-options';

/** The TypeORM data source of one process. Migrations are applied before, by `runMigrations`. */
@Module({})
export class PersistenceModule {
  static forRoot(settings: { applicationName: string; poolSize?: number }): DynamicModule {
    return {
      module: PersistenceModule,
      imports: [
        TypeOrmModule.forRootAsync({
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => dataSourceOptions({ databaseUrl: config.databaseUrl, ...settings }),
        }),
      ],
    };
  }
}
