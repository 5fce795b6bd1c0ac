import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { type BeforeApplicationShutdown, Inject, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { type NotifierTick, QueueName, keepUpsertingTickSchedulers } from '@huigong/messaging';
import { JobLogContext } from '@huigong/observability';
import type { Job, Queue } from 'bullmq';
import { FollowUpReminders } from './follow-up-reminders';
import { HistoryPurge } from './history-purge';

/** Caseworkers' reminders are looked for once an hour (each is sent at most once a week or a day, by dedupe key). */
export const REMIND_CASEWORKERS_EVERY_MS = 3_600_000;
/** Old rows are purged once an hour: a batch or two of what an hour leaves behind. */
export const PURGE_HISTORY_EVERY_MS = 3_600_000;

/** Every tick of the notifier and its period. */
export const NOTIFIER_TICK_EVERY_MS: Readonly<Record<NotifierTick, number>> = {
  RemindCaseworkers: REMIND_CASEWORKERS_EVERY_MS,
  PurgeHistory: PURGE_HISTORY_EVERY_MS,
};

/** The periods this notifier schedules its ticks with (NOTIFIER_TICK_EVERY_MS unless a test asks for shorter). */
export const NOTIFIER_TICK_SCHEDULE = Symbol('NOTIFIER_TICK_SCHEDULE');

/**
 * The notifier's periodic work, one tick at a time however many notifiers run: each instance upserts the
 * schedulers at boot (same ids, same periods), BullMQ makes one job per period, and one notifier takes it.
 * Its lock is renewed while it runs (a first purge of a large backlog takes minutes), so a notifier that
 * died mid-tick gives it back within about 40 s (lock 30 s, stalled check every 10 s) to another, which
 * does it again: reminders are recorded once each by dedupe key, and a purge deletes what is left. Errors
 * are thrown: BullMQ retries the tick.
 */
@Processor(QueueName.NotifierTicks, { concurrency: 1, lockDuration: 30_000, stalledInterval: 10_000 })
export class NotifierTicksProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(NotifierTicksProcessor.name);
  private stopping = false;

  constructor(
    @InjectQueue(QueueName.NotifierTicks) private readonly queue: Queue,
    @Inject(NOTIFIER_TICK_SCHEDULE) private readonly schedule: Readonly<Record<NotifierTick, number>>,
    private readonly reminders: FollowUpReminders,
    private readonly history: HistoryPurge,
    private readonly logContext: JobLogContext,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    void keepUpsertingTickSchedulers(this.queue, this.schedule, this.logger, () => this.isStopping());
  }

  beforeApplicationShutdown(): void {
    this.stopping = true;
  }

  private isStopping(): boolean {
    return this.stopping;
  }

  process(job: Job<Record<string, never>, unknown, NotifierTick>): Promise<unknown> {
    return this.logContext.run({ correlationId: job.id ?? job.name, eventName: job.name }, () => this.tick(job.name));
  }

  private tick(name: NotifierTick): Promise<unknown> {
    switch (name) {
      case 'RemindCaseworkers':
        return this.reminders.remindAll();
      case 'PurgeHistory':
        // A purge stopped by shutdown is taken up by the next one.
        return this.history.purge({ isStopping: () => this.isStopping() });
      default:
        throw new Error(`No such tick of the notifier: ${String(name)}`);
    }
  }
}
