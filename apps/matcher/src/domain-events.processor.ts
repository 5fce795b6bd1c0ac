import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { type DomainEventPayloads, type EventJobData, IdempotentConsumer, QueueName } from '@huigong/messaging';
import type { Job } from 'bullmq';

export const MATCHER_CONSUMER = 'matcher';

/**
 * Consumes the domain events of the intake API. Each event is handled once per consumer: a redelivered
 * job (worker killed mid-job, relay that sent a row twice) finds its id in processed_events and does
 * nothing. Errors are thrown, so BullMQ retries with backoff.
 */
@Processor(QueueName.DomainEvents, { concurrency: 8 })
export class DomainEventsProcessor extends WorkerHost {
  private readonly logger = new Logger(DomainEventsProcessor.name);

  constructor(private readonly consumer: IdempotentConsumer) {
    super();
  }

  async process(job: Job<EventJobData<keyof DomainEventPayloads>>): Promise<{ handled: boolean }> {
    const handled = await this.consumer.handleOnce(MATCHER_CONSUMER, job.data, async () => {
      // The record in processed_events is this consumer's whole effect until the matching engine lands.
    });
    if (!handled) this.logger.debug(`Event ${job.data.eventId} (${job.data.eventName}) was already handled.`);
    return { handled };
  }
}
