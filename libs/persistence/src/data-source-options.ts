import type { DataSourceOptions } from 'typeorm';
import { AfterCommitSubscriber } from './committed-counts';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { PreparingClient } from './prepared-statements';
import { RedactingQueryLogger } from './redacting-query-logger';
import { SnakeCaseNamingStrategy } from './snake-case-naming.strategy';

export interface DatabaseSettings {
  databaseUrl: string;
  /** Connections in this process's pool. */
  poolSize?: number;
  applicationName?: string;
  /** Statements sent again are prepared once per connection (PreparingClient); true unless said otherwise. */
  preparedStatements?: boolean;
}

/** The one description of how this product talks to PostgreSQL: no synchronize, migrations as files. */
export function dataSourceOptions(settings: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: settings.databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    // Counts taken by the stores are reported once their transaction commits (committed-counts.ts).
    subscribers: [AfterCommitSubscriber],
    namingStrategy: new SnakeCaseNamingStrategy(),
    synchronize: false,
    migrationsRun: false,
    logging: ['error', 'warn', 'migration'],
    logger: new RedactingQueryLogger(),
    maxQueryExecutionTime: 2_000,
    applicationName: settings.applicationName ?? 'huigong',
    extra: {
      ...(settings.preparedStatements === false ? {} : { Client: PreparingClient }),
      max: settings.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      // A statement that hangs should fail the request, not hold a connection forever.
      statement_timeout: 30_000,
    },
  };
}
