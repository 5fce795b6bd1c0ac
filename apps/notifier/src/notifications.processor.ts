import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { type EventJobData, IdempotentConsumer, type NotificationEventPayloads, OutboxRelay, QueueName, appendToOutbox } from '@huigong/messaging';
import type { Job } from 'bullmq';
import { NotificationRecorder } from './notification-recorder';

export const NOTIFIER_CONSUMER = 'notifier';

/**
 * Consumes what the matcher decided (MatchesProposed). In one transaction per event: the event is marked
 * handled, its notifications are recorded (each once, by dedupe key) and their deliveries announced in the
 * outbox; a redelivered event changes nothing. Errors are thrown, so BullMQ retries them.
 */
@Processor(QueueName.Notifications, { concurrency: 8 })
export class NotificationsProcessor extends WorkerHost {
  private readonly logger = new Logger(NotificationsProcessor.name);

  constructor(
    private readonly consumer: IdempotentConsumer,
    private readonly recorder: NotificationRecorder,
    private readonly relay: OutboxRelay,
  ) {
    super();
  }

  async process(job: Job<EventJobData<keyof NotificationEventPayloads>>): Promise<{ handled: boolean }> {
    let deliveries = 0;
    const handled = await this.consumer.handleOnce(NOTIFIER_CONSUMER, job.data, async (manager) => {
      const events = await this.recorder.record(manager, job.data);
      await appendToOutbox(manager, events, job.data.correlationId);
      deliveries = events.length;
    });
    if (deliveries > 0) this.relay.wake();
    if (!handled) this.logger.debug(`Event ${job.data.eventId} (${job.data.eventName}) was already handled.`);
    return { handled };
  }
}
