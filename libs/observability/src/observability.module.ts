import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { CommittedCounts } from '@huigong/persistence';
import type { AppConfig } from '@huigong/platform';
import { AdminBoardModule } from './admin-board';
import { HealthController, ReadinessChecks } from './health';
import { JobOutcomeLogger } from './job-logs';
import { APP_LOGGER, HTTP_LOGGER, JobLogContext, type LogSettings, type ServiceName, createHttpLogger, loggerModule } from './logging';
import { MetricsController } from './metrics.controller';
import { OBSERVED_SERVICE, ObservabilityMetrics } from './metrics';
import { QueueMonitor } from './queue-monitor';

export interface ObservabilityOptions {
  service: ServiceName;
  /** Where the JSON logs go and from which level; by default LOG_LEVEL, to stdout. */
  logs?: LogSettings;
  /** The intake API: the queue board at /admin/queues. (Its rate limit is provided by the API, after the key guard.) */
  intake?: boolean;
}

/**
 * Health, metrics and logs for one process: `/health/live`, `/health/ready` and `/metrics` (no key
 * needed), nestjs-pino as the Nest logger with personal data and keys redacted, and for workers a line
 * per finished job with its correlation id. The intake API also gets the queue board.
 */
@Module({})
export class ObservabilityModule {
  static forRoot(config: AppConfig, options: ObservabilityOptions): DynamicModule {
    const logging = loggerModule(options.service, config, options.logs ?? {});
    return {
      module: ObservabilityModule,
      global: true,
      imports: [logging.module, DiscoveryModule, TerminusModule.forRoot({ logger: false }), ...(options.intake === true ? [AdminBoardModule] : [])],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: OBSERVED_SERVICE, useValue: options.service },
        { provide: APP_LOGGER, useValue: logging.logger },
        { provide: HTTP_LOGGER, useFactory: () => createHttpLogger(logging.logger) },
        QueueMonitor,
        ObservabilityMetrics,
        // The stores' counts of what they committed go to this process's counters.
        { provide: CommittedCounts, useExisting: ObservabilityMetrics },
        ReadinessChecks,
        JobLogContext,
        JobOutcomeLogger,
      ],
      exports: [ObservabilityMetrics, CommittedCounts, JobLogContext, QueueMonitor, APP_LOGGER, HTTP_LOGGER],
    };
  }
}
