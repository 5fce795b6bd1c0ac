import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { WorkerHost } from '@nestjs/bullmq';
import { type EventJobData, type QueueName, TICK_QUEUES } from '@huigong/messaging';
import type { Job } from 'bullmq';
import { JobLogContext } from './logging';

/**
 * A job's data as read back from Redis. The outbox relay and the notifier add EventJobData, but a job added
 * by other hands (the queue board can) may carry anything, and the line for its failure must still be written.
 */
type StoredJobData = Partial<EventJobData> | null | undefined;

/**
 * One line per job a worker of this process finishes or fails, carrying the job's correlation id (the
 * request id of the API call that caused it), its event id and name, the queue, the attempt and the time
 * it took: `grep <request id>` follows a request through the matcher and the notifier. Ids only, never
 * the payload. A tick that completed (every 30 s in the matcher) is a debug line; one that failed is a warning.
 */
@Injectable()
export class JobOutcomeLogger implements OnApplicationBootstrap {
  private readonly logger = new Logger('Jobs');
  private readonly lastConnectionWarning = new Map<string, number>();

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly context: JobLogContext,
  ) {}

  onApplicationBootstrap(): void {
    const hosts = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost);
    // Every host's worker exists by now (made when the modules initialise; the getter throws before that).
    for (const { worker } of hosts) {
      worker.on('completed', (job: Job<StoredJobData>) => {
        this.log(job, 'completed');
      });
      worker.on('failed', (job: Job<StoredJobData> | undefined, error: Error) => {
        if (job !== undefined) this.log(job, 'failed', error);
      });
      // A worker that lost Redis (a restart, a cluster failing over) reports it here and carries on by itself
      // once Redis answers; an 'error' event nobody listens to would end the process.
      worker.on('error', (error: Error) => {
        this.connectionLost(worker.name, error);
      });
    }
  }

  /** One line per queue and minute while its worker cannot reach Redis. */
  private connectionLost(queue: string, error: Error): void {
    const now = Date.now();
    if (now - (this.lastConnectionWarning.get(queue) ?? 0) < 60_000) return;
    this.lastConnectionWarning.set(queue, now);
    this.logger.warn(`Worker of ${queue} cannot reach Redis (${error.message}); it goes on once Redis answers.`);
  }

  private log(job: Job<StoredJobData>, outcome: 'completed' | 'failed', error?: Error): void {
    const data = job.data ?? {};
    const ms = job.finishedOn !== undefined && job.processedOn !== undefined ? job.finishedOn - job.processedOn : undefined;
    const what = `Job ${job.queueName}/${job.id} (${data.eventName ?? job.name}, attempt ${job.attemptsMade})`;
    this.context.run({ correlationId: data.correlationId ?? job.id ?? 'none', eventId: data.eventId, eventName: data.eventName ?? job.name }, () => {
      const completed = `${what} completed${ms === undefined ? '' : ` in ${ms} ms`}.`;
      if (outcome === 'completed' && TICK_QUEUES.includes(job.queueName as QueueName)) this.logger.debug(completed);
      else if (outcome === 'completed') this.logger.log(completed);
      else this.logger.warn(`${what} failed: ${error?.message ?? 'unknown error'}; BullMQ retries it unless attempts are used up.`);
    });
  }
}
