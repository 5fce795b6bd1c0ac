import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import { IdempotentConsumer, OutboxRelay, QueueName, appendToOutbox } from '@huigong/messaging';
import { GroupCommit, settleTogether } from '@huigong/platform';
import type { Job } from 'bullmq';
import { type NotifierEvent, NotificationRecorder } from './notification-recorder';

export const NOTIFIER_CONSUMER = 'notifier';

/** Events handled in one transaction at most. */
const EVENTS_PER_GROUP = 32;

/**
 * Consumes what the matcher decided (MatchesProposed, MatchesWithdrawn) and the course demands the API saw
 * reached (CourseDemandReached). The events taken at about the same moment (the worker takes several at
 * once) are handled together, in one transaction: they are marked handled, their
 * notifications are recorded (each once, by dedupe key) and their deliveries announced in the outbox, in
 * one statement each however many (NotificationRecorder.recordAll); a redelivered event changes nothing.
 * Events that arrive while a group is written form the next one. If a group fails, its events are handled
 * again one at a time, so each fails alone; errors are thrown, so BullMQ retries them.
 */
@Processor(QueueName.Notifications, { concurrency: 8 })
export class NotificationsProcessor extends WorkerHost {
  private readonly logger = new Logger(NotificationsProcessor.name);
  private readonly groups = new GroupCommit<NotifierEvent, boolean>((events) => settleTogether(events, (some) => this.handle(some)), {
    maxSize: EVENTS_PER_GROUP,
    maxInFlight: 1,
  });

  constructor(
    private readonly consumer: IdempotentConsumer,
    private readonly recorder: NotificationRecorder,
    private readonly relay: OutboxRelay,
  ) {
    super();
  }

  async process(job: Job<NotifierEvent>): Promise<{ handled: boolean }> {
    const handled = await this.groups.submit(job.data);
    if (!handled) this.logger.debug(`Event ${job.data.eventId} (${job.data.eventName}) was already handled.`);
    return { handled };
  }

  private async handle(events: NotifierEvent[]): Promise<boolean[]> {
    let deliveries = 0;
    const handled = await this.consumer.handleEachOnce(NOTIFIER_CONSUMER, events, async (manager, fresh) => {
      const announced = await this.recorder.recordAll(manager, fresh);
      // Each DeliveriesRequested carries its own event's correlation id.
      await appendToOutbox(manager, announced, fresh[0].correlationId);
      deliveries = announced.length;
    });
    if (deliveries > 0) this.relay.wake();
    return handled;
  }
}
