import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { type EventJobData, IdempotentConsumer, type NotificationEventPayloads, QueueName } from '@huigong/messaging';
import type { Job } from 'bullmq';

export const NOTIFIER_CONSUMER = 'notifier';

/**
 * Consumes what the matcher decided (MatchesProposed). Each event is handled once per consumer; errors
 * are thrown so BullMQ retries them.
 */
@Processor(QueueName.Notifications, { concurrency: 8 })
export class NotificationsProcessor extends WorkerHost {
  private readonly logger = new Logger(NotificationsProcessor.name);

  constructor(private readonly consumer: IdempotentConsumer) {
    super();
  }

  async process(job: Job<EventJobData<keyof NotificationEventPayloads>>): Promise<{ handled: boolean }> {
    const handled = await this.consumer.handleOnce(NOTIFIER_CONSUMER, job.data, async () => {
      // The record in processed_events is this consumer's whole effect until delivery lands.
    });
    if (!handled) this.logger.debug(`Event ${job.data.eventId} (${job.data.eventName}) was already handled.`);
    return { handled };
  }
}
