import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLogger } from 'typeorm';

/**
 * TypeORM's own logger prints a failed query with its parameters, and parameters are candidates' names,
 * phones and groups. This one logs the statement's first words and the error code, never the values.
 */
export class RedactingQueryLogger implements TypeOrmLogger {
  private readonly logger = new Logger('Database');

  logQueryError(error: string | Error, query: string): void {
    const code = typeof error === 'object' ? ((error as { code?: string }).code ?? error.name) : 'error';
    this.logger.error(`Query failed (${code}): ${summarise(query)}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`Slow query (${time} ms): ${summarise(query)}`);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  logQuery(): void {}
  logSchemaBuild(): void {}
  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
  }
}

function summarise(query: string): string {
  return query.replace(/\s+/g, ' ').trim().slice(0, 80);
}
