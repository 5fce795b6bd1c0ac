import { Processor, WorkerHost } from '@nestjs/bullmq';
import { type BeforeApplicationShutdown, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type DomainEventPayloads, type EventJobData, IdempotentConsumer, QueueName } from '@huigong/messaging';
import { JobLogContext, ObservabilityMetrics } from '@huigong/observability';
import type { Job } from 'bullmq';
import { IndexBroadcast } from './index-broadcast';
import { IndexReady } from './index-ready';
import { MatchingService } from './matching.service';

export const MATCHER_CONSUMER = 'matcher';

/**
 * Consumes the domain events of the intake API and turns them into matches. The worker starts only after
 * the index is built (autorun off), so no event meets an empty index; the build runs in the background. Each event is handled once per
 * consumer (processed_events); the matching itself is idempotent, so a redelivered job changes nothing.
 * Errors are thrown, so BullMQ retries with backoff.
 */
@Processor(QueueName.DomainEvents, {
  // Eight at once: new openings and new people handled at the same moment are written in one group
  // (MatchingService), so more in hand make bigger groups; a job waiting for its group holds no connection.
  concurrency: 8,
  autorun: false,
  // A matcher that died mid-event gives its events back within about 20 s (the lock is renewed while it works).
  lockDuration: 15_000,
  stalledInterval: 5_000,
})
export class DomainEventsProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DomainEventsProcessor.name);

  constructor(
    private readonly consumer: IdempotentConsumer,
    private readonly matching: MatchingService,
    private readonly broadcast: IndexBroadcast,
    private readonly logContext: JobLogContext,
    private readonly metrics: ObservabilityMetrics,
    private readonly indexReady: IndexReady,
  ) {
    super();
  }

  private stopping = false;

  /**
   * Builds the index in the background, so that the ops routes answer meanwhile (live at once, ready once
   * the worker runs), then starts the worker: no event meets an empty index. A build that fails (PostgreSQL
   * lost meanwhile) is tried again with backoff.
   */
  onApplicationBootstrap(): void {
    void this.startWhenBuilt();
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  private isStopping(): boolean {
    return this.stopping;
  }

  private async startWhenBuilt(): Promise<void> {
    // isStopping() rather than the field: shutdown may set it during any await, which narrowing cannot see.
    for (let attempt = 1; !this.isStopping(); attempt++) {
      try {
        await this.matching.load();
        this.indexReady.markAsBuilt();
        if (!this.isStopping()) void this.worker.run();
        return;
      } catch (error) {
        if (this.isStopping()) return;
        const seconds = Math.min(30, 2 ** attempt);
        this.logger.error(`Could not build the matching index (${error instanceof Error ? error.message : String(error)}); trying again in ${seconds} s.`);
        await new Promise((resolve) => setTimeout(resolve, seconds * 1000).unref());
      }
    }
  }

  /** Every line logged while handling the event carries its correlation id (the request id that caused it). */
  process(job: Job<EventJobData<keyof DomainEventPayloads>>): Promise<{ handled: boolean }> {
    return this.logContext.run(job.data, () => this.handle(job));
  }

  private async handle(job: Job<EventJobData<keyof DomainEventPayloads>>): Promise<{ handled: boolean }> {
    // Each region's matchers handle the events of their border too: each region marks what it handled.
    const consumer = this.matching.scope.region === null ? MATCHER_CONSUMER : `${MATCHER_CONSUMER}:${this.matching.scope.region}`;
    if (await this.consumer.alreadyHandled(consumer, job.data.eventId)) {
      this.logger.debug(`Event ${job.data.eventId} (${job.data.eventName}) was already handled.`);
      return { handled: false };
    }
    // Match latency: from taking the event to its matches committed.
    const committed = this.metrics.matchLatency.startTimer({ event: job.data.eventName });
    const changes = await this.matching.handle(job.data);
    committed();
    await this.consumer.markHandled(consumer, job.data);
    await this.broadcast.publish(changes, job.data.correlationId);
    return { handled: true };
  }
}
