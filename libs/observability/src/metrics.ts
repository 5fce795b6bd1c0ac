import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';
import type { ServiceName } from './logging';
import { type QueueDepth, QueueMonitor, WATCHED_STATES } from './queue-monitor';

export const OBSERVED_SERVICE = Symbol('OBSERVED_SERVICE');

/** Delivery statuses of notification_deliveries, always exported (0 when none), so a rate never lacks a series. */
export const DELIVERY_OUTCOMES = ['pending', 'delivered', 'dead', 'disabled', 'dropped'] as const;
export const OFFER_KINDS = ['opening', 'slot'] as const;

/** Seconds, from a fast API call to a slow bulk import. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds, from a cached refresh to a large shortlist written under locks. */
const MATCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus metrics of one process, in a registry of its own (not prom-client's global one, so that
 * several apps in one test process never clash). Figures that several processes share (queues, outbox,
 * matches, deliveries) are read at scrape time from Redis and PostgreSQL, so every process reports the
 * same truth; what only one process sees (its HTTP requests, the matcher's latency) is counted in memory.
 */
@Injectable()
export class ObservabilityMetrics {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly matchLatency: Histogram<'event'>;
  private readonly logger = new Logger('Metrics');
  private failing = new Set<string>();

  constructor(
    @Inject(OBSERVED_SERVICE) service: ServiceName,
    private readonly queues: QueueMonitor,
    private readonly dataSource: DataSource,
  ) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });

    this.httpDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Time to answer an HTTP request, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: HTTP_BUCKETS,
      registers,
    });
    this.matchLatency = new Histogram({
      name: 'huigong_match_latency_seconds',
      help: 'From the matcher taking a domain event to its matches being committed, by event.',
      labelNames: ['event'],
      buckets: MATCH_BUCKETS,
      registers,
    });

    // prom-client calls `collect` with the gauge as `this`; what the gauges read comes through these.
    const queueDepths = () => this.queueDepths();
    const outboxLag = () => this.outboxLag();
    const guardedQuery = <Row>(source: string, sql: string) => this.guard(source, () => this.dataSource.query<Row[]>(sql));
    new Gauge({
      name: 'huigong_queue_jobs',
      help: 'Jobs in each queue, by state (waiting, active, delayed, failed), read from Redis at scrape time.',
      labelNames: ['queue', 'state'],
      registers,
      async collect() {
        this.reset();
        const depths = await queueDepths();
        for (const depth of depths ?? []) for (const state of WATCHED_STATES) this.set({ queue: depth.queue, state }, depth.counts[state]);
      },
    });
    new Gauge({
      name: 'huigong_queue_oldest_waiting_seconds',
      help: 'Age of the oldest job still waiting in each queue (0 when none waits), read from Redis at scrape time.',
      labelNames: ['queue'],
      registers,
      async collect() {
        this.reset();
        const depths = await queueDepths();
        for (const depth of depths ?? []) this.set({ queue: depth.queue }, depth.oldestWaitingSeconds);
      },
    });
    new Gauge({
      name: 'huigong_outbox_unpublished_events',
      help: 'Outbox events committed but not yet relayed to their queue (NaN while PostgreSQL is away).',
      registers,
      async collect() {
        this.set((await outboxLag())?.pending ?? Number.NaN);
      },
    });
    new Gauge({
      name: 'huigong_outbox_oldest_unpublished_seconds',
      help: 'Age of the oldest outbox event not yet relayed (0 when none is pending, NaN while PostgreSQL is away).',
      registers,
      async collect() {
        this.set((await outboxLag())?.oldestSeconds ?? Number.NaN);
      },
    });
    new Gauge({
      name: 'huigong_matches',
      help: 'Matches in PostgreSQL, by kind (opening: job matches, slot: offers) and status.',
      labelNames: ['kind', 'status'],
      registers,
      async collect() {
        const rows = await guardedQuery<{ kind: string; status: string; count: number }>(
          'matches',
          `SELECT offer_kind AS kind, status, count(*)::int AS count FROM matches GROUP BY offer_kind, status`,
        );
        this.reset();
        if (rows === undefined) return;
        for (const kind of OFFER_KINDS) this.set({ kind, status: 'proposed' }, 0);
        for (const row of rows) this.set({ kind: row.kind, status: row.status }, row.count);
      },
    });
    new Gauge({
      name: 'huigong_deliveries',
      help: 'Deliveries of notifications in PostgreSQL, by outcome (pending, delivered, dead, disabled, dropped).',
      labelNames: ['outcome'],
      registers,
      async collect() {
        const rows = await guardedQuery<{ outcome: string; count: number }>(
          'deliveries',
          `SELECT status AS outcome, count(*)::int AS count FROM notification_deliveries GROUP BY status`,
        );
        this.reset();
        if (rows === undefined) return;
        for (const outcome of DELIVERY_OUTCOMES) this.set({ outcome }, 0);
        for (const row of rows) this.set({ outcome: row.outcome }, row.count);
      },
    });
  }

  /** Read once per scrape, however many gauges show them. */
  private scrapeCache = new Map<string, Promise<unknown>>();

  private onceThisScrape<T>(source: string, read: () => Promise<T>): Promise<T | undefined> {
    let value = this.scrapeCache.get(source) as Promise<T | undefined> | undefined;
    if (value === undefined) {
      value = this.guard(source, read);
      this.scrapeCache.set(source, value);
    }
    return value;
  }

  private queueDepths(): Promise<QueueDepth[] | undefined> {
    return this.onceThisScrape('queues', () => this.queues.depths());
  }

  private outboxLag(): Promise<{ pending: number; oldestSeconds: number } | undefined> {
    return this.onceThisScrape('outbox', async () => {
      const [row]: { pending: number; age: number | null }[] = await this.dataSource.query(
        `SELECT count(*)::int AS pending, EXTRACT(EPOCH FROM clock_timestamp() - min(created_at))::float8 AS age
           FROM outbox_events WHERE published_at IS NULL`,
      );
      return { pending: row.pending, oldestSeconds: Math.max(0, row.age ?? 0) };
    });
  }

  /** The text Prometheus scrapes. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    this.scrapeCache = new Map();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  /**
   * Express middleware timing every request by its route template (`/v1/openings/:id`, never the id), so
   * that the label set stays small. Requests no route matched are `unmatched`; the admin board is one route.
   */
  readonly httpMiddleware = (req: Request, res: Response, next: NextFunction): void => {
    const stop = this.httpDuration.startTimer();
    res.once('finish', () => stop({ method: req.method, route: routeTemplate(req), status_code: String(res.statusCode) }));
    next();
  };

  /** A scrape never fails because PostgreSQL or Redis is away: that source's figures are left out, once logged. */
  private async guard<T>(source: string, read: () => Promise<T>): Promise<T | undefined> {
    try {
      const value = await read();
      if (this.failing.delete(source)) this.logger.log(`Metrics from ${source} are back.`);
      return value;
    } catch (error) {
      if (!this.failing.has(source)) this.logger.warn(`Metrics from ${source} are left out: ${(error as Error).message}.`);
      this.failing.add(source);
      return undefined;
    }
  }
}

const BOARD_ROUTE = /^\/admin\/queues(\/|$)/;

/** Read when the response is finished: the router has set baseUrl and originalUrl (strings) by then. */
export function routeTemplate(req: Request): string {
  // express types `req.route` as any: it is the matched route, or undefined when none matched.
  const routePath = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof routePath === 'string') return `${req.baseUrl}${routePath}`;
  if (BOARD_ROUTE.test(req.originalUrl)) return '/admin/queues';
  return 'unmatched';
}
