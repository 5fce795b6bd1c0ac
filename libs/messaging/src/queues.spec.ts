import { FAILED_JOBS_KEPT_DAYS } from '@huigong/platform';
import { DEFAULT_JOB_OPTIONS, EVENT_QUEUE, QueueName, TICK_JOB_OPTIONS, TICK_QUEUES } from './queues';

describe('the queue registry', () => {
  it('keeps failed jobs exactly as long as the config counts on when it bounds the processed-event marks', () => {
    // PROCESSED_EVENTS_RETENTION_DAYS is refused below FAILED_JOBS_KEPT_DAYS + 1: a failed job retried from
    // the board must still find its mark.
    expect(DEFAULT_JOB_OPTIONS.removeOnFail).toEqual({ age: FAILED_JOBS_KEPT_DAYS * 24 * 3600 });
  });

  it('keeps ticks by count, so that a tick every 30 s does not pile up in Redis, and retries a failed one', () => {
    expect(TICK_JOB_OPTIONS.removeOnComplete).toEqual({ count: expect.any(Number) as number });
    expect(TICK_JOB_OPTIONS.removeOnFail).toEqual({ count: expect.any(Number) as number });
    expect(TICK_JOB_OPTIONS.attempts).toBeGreaterThan(1);
  });

  it('routes no event to a tick queue: ticks come from schedulers only', () => {
    const fed = new Set<QueueName>(Object.values(EVENT_QUEUE));
    expect(TICK_QUEUES.filter((queue) => fed.has(queue))).toEqual([]);
    expect([...fed, ...TICK_QUEUES].sort()).toEqual(Object.values(QueueName).sort());
  });
});
