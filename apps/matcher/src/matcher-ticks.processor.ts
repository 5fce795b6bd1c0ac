import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { type BeforeApplicationShutdown, Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type MatcherTick, QueueName, keepUpsertingTickSchedulers } from '@huigong/messaging';
import { JobLogContext } from '@huigong/observability';
import type { Job, Queue } from 'bullmq';
import { IndexReady } from './index-ready';
import { SlotOfferExpiry } from './slot-offer-expiry';
import { STANDBY_SWEEP_MS, StandbySweep } from './standby-sweep';

/** How often offers are expired (and lapsed openings swept): an offer outlives its occurrence by at most this. */
export const EXPIRE_OFFERS_EVERY_MS = 30_000;

/** Every tick of the matcher and its period. */
export const MATCHER_TICK_EVERY_MS: Readonly<Record<MatcherTick, number>> = {
  ExpireOffers: EXPIRE_OFFERS_EVERY_MS,
  OfferStandbySeats: STANDBY_SWEEP_MS,
};

/** The periods this matcher schedules its ticks with (MATCHER_TICK_EVERY_MS unless a test asks for shorter). */
export const MATCHER_TICK_SCHEDULE = Symbol('MATCHER_TICK_SCHEDULE');

/**
 * The matcher's sweeps, one tick at a time however many matchers run: each instance upserts the schedulers
 * at boot (same ids, same periods), BullMQ makes one job per period, and one matcher takes it. The worker
 * starts only once this matcher's index is built (autorun off, as DomainEventsProcessor's), so no sweep
 * meets an empty index. A sweep takes seconds at most; its lock is renewed while it runs, so a matcher that
 * died mid-sweep gives the tick back within about 40 s (lock 30 s, stalled check every 10 s) to another,
 * which does it again (the sweeps are idempotent under row locks). Errors are thrown: BullMQ retries the tick.
 */
@Processor(QueueName.MatcherTicks, { concurrency: 1, autorun: false, lockDuration: 30_000, stalledInterval: 10_000 })
export class MatcherTicksProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MatcherTicksProcessor.name);
  private stopping = false;

  constructor(
    @InjectQueue(QueueName.MatcherTicks) private readonly queue: Queue,
    @Inject(MATCHER_TICK_SCHEDULE) private readonly schedule: Readonly<Record<MatcherTick, number>>,
    private readonly indexReady: IndexReady,
    private readonly expiry: SlotOfferExpiry,
    private readonly standby: StandbySweep,
    private readonly logContext: JobLogContext,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    void keepUpsertingTickSchedulers(this.queue, this.schedule, this.logger, () => this.isStopping());
    void this.indexReady.built.then(() => {
      if (!this.isStopping()) void this.worker.run();
    });
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  private isStopping(): boolean {
    return this.stopping;
  }

  process(job: Job<Record<string, never>, unknown, MatcherTick>): Promise<unknown> {
    return this.logContext.run({ correlationId: job.id ?? job.name, eventName: job.name }, () => this.tick(job.name));
  }

  private async tick(name: MatcherTick): Promise<unknown> {
    switch (name) {
      case 'ExpireOffers':
        await this.expiry.sweep();
        return {};
      case 'OfferStandbySeats':
        return { offers: (await this.standby.sweep()).length };
      default:
        throw new Error(`No such tick of the matcher: ${String(name)}`);
    }
  }
}
