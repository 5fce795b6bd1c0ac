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
      const busy = (counts: Record<string, number>, names: readonly string[]) => names.reduce((sum, name) => sum + (counts[name] ?? 0), 0);
      const pending = busy(e, BUSY) + busy(n, BUSY) + busy(d, ['waiting', 'active', 'prioritized']);
      const handled = e.completed ?? 0;
      // A job that failed for good is done too (the report says so): waiting for it would never end.
      const settled = handled + (e.failed ?? 0);
      const elapsed = performance.now() - startedAt;
      progress.update(
        `matching: ${count(handled)}/${count(expectedEvents)} events handled, ${count(pending)} jobs in the queues, ` +
          `${count(n.completed ?? 0)} match batches notified, ${extra()} · ${seconds(elapsed)}`,
      );
      quietPolls = pending === 0 && settled >= expectedEvents ? quietPolls + 1 : 0;
      if (quietPolls >= 4) return { caughtUp: true, ms: elapsed, eventsHandled: handled, failed: (e.failed ?? 0) + (n.failed ?? 0) + (d.failed ?? 0) };
      if (elapsed > timeoutMs) return { caughtUp: false, ms: elapsed, eventsHandled: handled, failed: (e.failed ?? 0) + (n.failed ?? 0) + (d.failed ?? 0) };
      await sleep(500);
    }
  } finally {
    await Promise.all(queues.map((queue) => queue.close().catch(() => undefined)));
  }
}
