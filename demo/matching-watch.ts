/**
 * Has the matcher caught up? The demo reads the depths of the product's queues (as the queue board
 * shows them): every domain event the load caused handled, nothing waiting in `domain-events` or
 * `notifications`, no delivery waiting to be sent, and so for a couple of seconds in a row (the relays
 * poll the outbox every 250 ms, so an event still in the outbox would have shown up by then).
 */
import { QueueName, redisOptions } from '@huigong/messaging';
import { Queue } from 'bullmq';
import { sleep } from './api-client';
import { Progress, count, seconds } from './progress';

export interface MatchingOutcome {
  caughtUp: boolean;
  ms: number;
  eventsHandled: number;
  failed: number;
}

const BUSY = ['waiting', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

export async function waitForMatching(
  redisUrl: string,
  prefix: string,
  expectedEvents: number,
  startedAt: number,
  progress: Progress,
  extra: () => string,
  timeoutMs = 15 * 60_000,
): Promise<MatchingOutcome> {
  const connection = redisOptions(redisUrl, 'producer');
  const queues = [QueueName.DomainEvents, QueueName.Notifications, QueueName.Deliveries].map((name) => new Queue(name, { connection, prefix }));
  for (const queue of queues) queue.on('error', () => undefined);
  const [events, notifications, deliveries] = queues;
  try {
    let quietPolls = 0;
    for (;;) {
      const [e, n, d] = await Promise.all([
        events.getJobCounts(...BUSY, 'completed', 'failed'),
        notifications.getJobCounts(...BUSY, 'completed', 'failed'),
        // Offers held back by a worker's daily budget wait as delayed jobs until tomorrow: not work left now.
        deliveries.getJobCounts('waiting', 'active', 'prioritized', 'completed', 'failed'),
      ]);
      // getJobCounts answers a number for every state it is asked about, zero included.
      const busy = (counts: Record<string, number>, names: readonly string[]) => names.reduce((sum, name) => sum + counts[name], 0);
      const pending = busy(e, BUSY) + busy(n, BUSY) + busy(d, ['waiting', 'active', 'prioritized']);
      const handled = e.completed;
      // A job that failed for good is done too (the report says so): waiting for it would never end.
      const settled = handled + e.failed;
      const elapsed = performance.now() - startedAt;
      progress.update(
        `matching: ${count(handled)}/${count(expectedEvents)} events handled, ${count(pending)} jobs in the queues, ` +
          `${count(n.completed)} match batches notified, ${extra()} · ${seconds(elapsed)}`,
      );
      const failed = e.failed + n.failed + d.failed;
      quietPolls = pending === 0 && settled >= expectedEvents ? quietPolls + 1 : 0;
      if (quietPolls >= 4) return { caughtUp: true, ms: elapsed, eventsHandled: handled, failed };
      if (elapsed > timeoutMs) return { caughtUp: false, ms: elapsed, eventsHandled: handled, failed };
      await sleep(500);
    }
  } finally {
    await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
  }
}
