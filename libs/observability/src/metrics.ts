import { Inject, Injectable, Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { JOB_MATCH_STATUSES, type MatchStatus, OFFER_KINDS, type OfferKind, SLOT_OFFER_STATUSES } from '@huigong/domain';
import { CommittedCounts, type DeliveryAttemptStatus } from '@huigong/persistence';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { DataSource } from 'typeorm';
import type { ServiceName } from './logging';
import { type QueueDepth, QueueMonitor, WATCHED_STATES } from './queue-monitor';

export const OBSERVED_SERVICE = Symbol('OBSERVED_SERVICE');

/** What an attempt at a delivery left it as (`retrying`: it failed and is tried again); each always exported, 0 when none. */
export const DELIVERY_OUTCOMES = ['delivered', 'retrying', 'dead', 'disabled', 'dropped'] as const;
export type DeliveryOutcome = (typeof DELIVERY_OUTCOMES)[number];

/** The statuses a match of each kind may move into, each always exported (0 when none), so a rate never lacks a series. */
const STATUSES_OF: Record<OfferKind, readonly MatchStatus[]> = { opening: JOB_MATCH_STATUSES, slot: SLOT_OFFER_STATUSES };

/**
 * The outbox's backlog, read at scrape: only rows still to be relayed, through the partial index on them
 * (`outbox_events_pending_idx`, WHERE published_at IS NULL), so the scrape costs the backlog, not the table.
 */
export const OUTBOX_LAG_SQL = `SELECT count(*)::int AS pending, EXTRACT(EPOCH FROM clock_timestamp() - min(created_at))::float8 AS age
           FROM outbox_events WHERE published_at IS NULL`;

/** Seconds, from a fast API call to a slow bulk import. */
const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Seconds, from a cached refresh to a large shortlist written under locks. */
const MATCH_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The Prometheus metrics of one process, in a registry of its own (not prom-client's global one, so that
 * several apps in one test process never clash). The backlogs every process shares (queues, the outbox's
 * unpublished rows) are read at scrape time from Redis and PostgreSQL, each bounded by the backlog, never
 * by a table. What a process does it counts itself, in memory, as it commits it: its HTTP requests, the
 * matcher's latency, the matches proposed and the moves of their status, the attempts at deliveries (the
 * stores report them after their transactions commit: CommittedCounts). Each process reports its own
 * counts, from 0 at its start; Prometheus sums them over the processes (`sum(rate(...))`).
 */
@Injectable()
export class ObservabilityMetrics implements CommittedCounts {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  readonly matchLatency: Histogram<'event'>;
  readonly proposed: Counter<'kind'>;
  readonly statusChanges: Counter<'kind' | 'status'>;
  readonly deliveryOutcomes: Counter<'outcome'>;
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
    this.proposed = new Counter({
      name: 'huigong_matches_proposed_total',
      help: 'Matches proposed (job matches, slot offers and last-minute offers, fair leads) by this process, counted once committed, by kind.',
      labelNames: ['kind'],
      registers,
    });
    this.statusChanges = new Counter({
      name: 'huigong_match_status_changes_total',
      help: "Moves of a match into a status (one per match_status_history row: a caseworker's or merchant's, or the system's withdrawals and expiries) committed by this process, by kind and new status.",
      labelNames: ['kind', 'status'],
      registers,
    });
    this.deliveryOutcomes = new Counter({
      name: 'huigong_delivery_attempts_total',
      help: 'Attempts at deliveries of notifications made by this process, counted once recorded, by what each left the delivery as (retrying: failed, to be tried again).',
      labelNames: ['outcome'],
      registers,
    });
    for (const kind of OFFER_KINDS) {
      this.proposed.inc({ kind }, 0);
      for (const status of STATUSES_OF[kind]) this.statusChanges.inc({ kind, status }, 0);
    }
    for (const outcome of DELIVERY_OUTCOMES) this.deliveryOutcomes.inc({ outcome }, 0);

    // prom-client calls `collect` with the gauge as `this`; what the gauges read comes through these.
    const queueDepths = () => this.queueDepths();
    const outboxLag = () => this.outboxLag();
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
      const [row]: { pending: number; age: number | null }[] = await this.dataSource.query(OUTBOX_LAG_SQL);
      return { pending: row.pending, oldestSeconds: Math.max(0, row.age ?? 0) };
    });
  }

  matchesProposed(kind: OfferKind, count: number): void {
    this.proposed.inc({ kind }, count);
  }

  matchStatusChanged(kind: OfferKind, status: MatchStatus, count: number): void {
    this.statusChanges.inc({ kind, status }, count);
  }

  deliveryAttempts(status: DeliveryAttemptStatus, count: number): void {
    this.deliveryOutcomes.inc({ outcome: status === 'pending' ? 'retrying' : status }, count);
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
