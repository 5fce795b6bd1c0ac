import { Controller, Get, Injectable, Logger, Res } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { HealthCheckService, type HealthIndicatorFunction, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { apiErrorBody, Public } from '@huigong/platform';
import type { Response } from 'express';
import { QueueMonitor } from './queue-monitor';

/** One check's outcome as terminus reports it: `{status: "up" | "down", message?, ...}`. */
export type CheckResult = { status: string; message?: unknown } & Record<string, unknown>;

/** How long one dependency may take to answer a readiness probe. */
const CHECK_TIMEOUT_MS = 1_500;

/**
 * What readiness checks: PostgreSQL answers, Redis answers, the queues can be read, and, in a worker, its
 * queue workers run (the matcher starts its own only once its index is built).
 */
@Injectable()
export class ReadinessChecks {
  private readonly logger = new Logger('Health');
  private lastDown: string | undefined = undefined;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly monitor: QueueMonitor,
    private readonly discovery: DiscoveryService,
  ) {}

  private workers(): WorkerHost[] {
    return this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost);
  }

  /** Terminus's result: `{status: "ok" | "error", info, error, details}`; never throws. */
  async check(): Promise<{ ready: boolean; details: Record<string, CheckResult> }> {
    const workers = this.workers();
    const checks: HealthIndicatorFunction[] = [
      () => this.database.pingCheck('database').withTimeout(CHECK_TIMEOUT_MS),
      () => this.indicators.check('redis').attempt(() => this.monitor.ping(CHECK_TIMEOUT_MS)),
      () =>
        this.indicators.check('queues').attempt(async () => {
          const depths = await this.monitor.depths(CHECK_TIMEOUT_MS);
          return { names: depths.map((depth) => depth.queue) };
        }),
    ];
    if (workers.length > 0) {
      checks.push(() =>
        this.indicators.check('workers').attempt(() => {
          // Every host's worker exists once the modules are initialised (the getter throws before, never
          // answers undefined); a worker that waits for the matcher's index exists but does not run yet.
          const stopped = workers.filter((host) => !host.worker.isRunning()).map((host) => host.worker.name);
          if (stopped.length > 0) throw new Error(`not consuming yet: ${stopped.join(', ')}`);
          return { running: workers.map((host) => host.worker.name) };
        }),
      );
    }
    let details: Record<string, CheckResult>;
    try {
      details = (await this.health.check(checks)).details;
    } catch (error) {
      // Terminus throws a 503 exception whose response is its usual result.
      const response = (error as { getResponse?: () => unknown }).getResponse?.() as { details?: typeof details } | undefined;
      details = response?.details ?? {};
    }
    const down = Object.entries(details).filter(([, result]) => result.status !== 'up');
    const summary = down.map(([name, result]) => `${name} (${typeof result.message === 'string' ? result.message : 'down'})`).join(', ');
    const ready = down.length === 0 && Object.keys(details).length > 0;
    if (!ready && summary !== this.lastDown) this.logger.warn(`Not ready: ${summary || 'no check answered'}.`);
    if (ready && this.lastDown !== undefined) this.logger.log('Ready again.');
    this.lastDown = ready ? undefined : summary;
    return { ready, details };
  }
}

/**
 * `/health/live`: the process runs and answers (no dependency checked, so an outage of PostgreSQL or
 * Redis never gets processes restarted). `/health/ready`: 200 with each check, or 503 in the API's error
 * shape with the checks, until every dependency answers again; nothing needs restarting.
 */
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly readiness: ReadinessChecks) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res({ passthrough: true }) res: Response): Promise<object> {
    const { ready, details } = await this.readiness.check();
    if (ready) return { status: 'ok', checks: details };
    res.status(503);
    const down = Object.entries(details)
      .filter(([, result]) => result.status !== 'up')
      .map(([name]) => name);
    return { ...apiErrorBody(503, `Not ready: ${down.join(', ') || 'the checks'} did not answer.`), checks: details };
  }
}
