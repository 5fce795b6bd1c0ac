import type { Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { TICK_JOB_OPTIONS } from './queues';

/**
 * Upserts one job scheduler per tick on a tick queue, each with the tick's name as its fixed id, and lets
 * one tick of the queue run at a time across every instance (global concurrency 1: a tick that outlasts its
 * period is not overlapped by the next one on another instance). Every instance does this at boot: an upsert
 * with the same id and the same `every` keeps the schedule as it is (BullMQ replaces the next job with one at
 * the same time), so N instances make one tick per period. A changed `every` reschedules from now.
 */
export async function upsertTickSchedulers(queue: Queue, everyMs: Readonly<Record<string, number>>): Promise<void> {
  await queue.setGlobalConcurrency(1);
  for (const [name, every] of Object.entries(everyMs)) {
    await queue.upsertJobScheduler(name, { every }, { name, data: {}, opts: TICK_JOB_OPTIONS });
  }
}

/**
 * `upsertTickSchedulers` at boot, in the background, tried again with backoff (Redis restarting, say) until
 * it succeeds or the process stops: the process starts meanwhile, and another instance's schedulers tick.
 */
export async function keepUpsertingTickSchedulers(
  queue: Queue,
  everyMs: Readonly<Record<string, number>>,
  logger: Logger,
  isStopping: () => boolean,
): Promise<void> {
  for (let attempt = 1; !isStopping(); attempt++) {
    try {
      await upsertTickSchedulers(queue, everyMs);
      return;
    } catch (error) {
      if (isStopping()) return;
      const seconds = Math.min(30, 2 ** attempt);
      logger.warn(`Could not schedule the ticks of ${queue.name} (${error instanceof Error ? error.message : String(error)}); trying again in ${seconds} s.`);
      await new Promise((resolve) => setTimeout(resolve, seconds * 1000).unref());
    }
  }
}
