import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { type EventJobData, QueueName } from '@huigong/messaging';
import {
  type AttemptOutcome, DEFAULT_RETRY_POLICY, type RetryPolicy, checkWebhookUrl, decideOffer, emailMessageId, hasNewsLeft, localDayStart, nextStep,
  notificationEmail, signedHeaders, smtpOutcome,
} from '@huigong/notifications';
import { type DeliveryAttemptOutcome, type DeliveryTarget, NotificationStore } from '@huigong/persistence';
import { APP_CONFIG, type AppConfig, MicroBatch } from '@huigong/platform';
import type { Job, Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import { EmailSender } from './email-sender';
import { WebhookClient } from './webhook-client';

type DeliveryJob = Job<EventJobData<'DeliveriesRequested'> | EventJobData<'DeliveryRequested'>>;

/** What became of one delivery in one job. */
export type DeliveryResult = 'delivered' | 'dead' | 'disabled' | 'dropped' | 'retrying' | 'held' | 'skipped';

/**
 * Delivers recorded notifications: to the recipient's webhook as a Standard Webhooks request signed with
 * their whsec_ secret, by mail through SMTP, or an offer to the worker gateway. The webhook-id (for mail,
 * the Message-ID) comes from the notification's id on every attempt, so a receiver can drop repeats. 2xx
 * (mail: accepted): delivered; 410: the endpoint is switched off; 429, 5xx, timeouts (mail: 4xx, lost
 * connections): tried again with backoff (honouring Retry-After) for about a day, each retry a delayed job
 * of its own; other 4xx (mail: 5xx) and the last failure: dead, listed for an admin to replay.
 *
 * A job carries one batch (`DeliveriesRequested`, all the deliveries recorded together) or one delivery
 * (`DeliveryRequested`: a retry, a held offer, a replay). The rows that concurrent deliveries read, and the
 * outcomes they write, are gathered into one statement each (`MicroBatch`); a job completes only once every
 * outcome and every retry it scheduled is stored, so a notifier killed mid-job redoes only what is still
 * pending.
 */
@Processor(QueueName.Deliveries, {
  concurrency: 16,
  // A batch's attempts time out after 10 s; a worker that died mid-job gives its jobs back within 20 s.
  lockDuration: 15_000,
  stalledInterval: 5_000,
})
export class DeliveryProcessor extends WorkerHost {
  private readonly logger = new Logger(DeliveryProcessor.name);
  private readonly policy: RetryPolicy;
  private readonly targets: MicroBatch<string, DeliveryTarget | undefined>;
  private readonly outcomes: MicroBatch<DeliveryAttemptOutcome, undefined>;

  constructor(
    private readonly store: NotificationStore,
    private readonly client: WebhookClient,
    private readonly mailer: EmailSender,
    @InjectQueue(QueueName.Deliveries) private readonly deliveries: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
    this.policy = { ...DEFAULT_RETRY_POLICY, firstDelaySeconds: config.deliveryRetryFirstDelaySeconds };
    this.targets = new MicroBatch(async (ids) => {
      const byId = new Map((await store.deliveryTargets(ids)).map((target) => [target.deliveryId, target]));
      return ids.map((id) => byId.get(id));
    });
    this.outcomes = new MicroBatch(async (outcomes) => {
      await store.markAttempts(outcomes);
      return outcomes.map(() => undefined);
    });
  }

  /** Attempts every delivery of the job at once; answers how many ended how. */
  async process(job: DeliveryJob): Promise<Partial<Record<DeliveryResult, number>>> {
    const ids = 'deliveryIds' in job.data.payload ? job.data.payload.deliveryIds : [job.data.payload.deliveryId];
    const results = await Promise.all(ids.map(async (id) => this.deliver(job, await this.targets.run(id))));
    const counts: Partial<Record<DeliveryResult, number>> = {};
    for (const result of results) counts[result] = (counts[result] ?? 0) + 1;
    return counts;
  }

  private async deliver(job: DeliveryJob, target: DeliveryTarget | undefined): Promise<DeliveryResult> {
    // Gone (consent withdrawn erases the worker's notifications) or finished: nothing to send.
    if (target === undefined || target.status !== 'pending') return 'skipped';
    // A digest waits for the end of its window (a job redone early, or a replay, waits again).
    const wait = target.notBefore === null ? 0 : new Date(target.notBefore).getTime() - Date.now();
    if (wait > 0) {
      await this.tryAgain(job, target.deliveryId, wait);
      return 'held';
    }
    // A candidate list or reminder whose people have all withdrawn consent since: nothing to send, by any channel.
    if (!hasNewsLeft(target.type, target.payload)) return this.finish(target.deliveryId, 'dropped', undefined, 'nothing left to tell: its candidates were erased');
    const body: Record<string, unknown> = { type: target.type, id: target.notificationId, createdAt: new Date(target.createdAt).toISOString(), payload: target.payload };

    if (target.channel === 'worker_gateway') {
      const { workerGatewayUrl: url, workerGatewaySecret: secret } = this.config;
      if (url === undefined || secret === undefined) return this.finish(target.deliveryId, 'dead', undefined, 'no worker gateway configured');
      const now = new Date();
      // A worker's budget: so many offers a local day, none in quiet hours. Held offers wait (without using
      // an attempt); one that would wait past the end of its window is dropped, with the reason.
      return this.store.withWorkerOffers(target.recipientId, localDayStart(now, this.config.appTimezone), async (sentToday) => {
        const decision = decideOffer({ sentToday, now, timeZone: this.config.appTimezone, policy: this.config.offerBudget });
        if (!decision.send) {
          const expiresAt = typeof target.payload.expiresAt === 'string' ? new Date(target.payload.expiresAt) : null;
          if (expiresAt !== null && decision.retryAt >= expiresAt) {
            return this.finish(target.deliveryId, 'dropped', undefined, `held back (${decision.reason}) past the end of the offer`);
          }
          await this.store.noteHeld(target.deliveryId, `held back (${decision.reason}) until ${decision.retryAt.toISOString()}`);
          await this.tryAgain(job, target.deliveryId, decision.retryAt.getTime() - now.getTime());
          return 'held';
        }
        // The gateway reaches the worker: it alone is told the phone, read now and kept nowhere else.
        body.recipient = { candidateId: target.recipientId, phone: await this.store.workerPhone(target.recipientId) };
        return this.send(job, target, url, secret, body);
      });
    }

    if (target.channel === 'email') return this.mail(job, target);

    if (target.webhookUrl === null || target.webhookSecret === null || target.webhookDisabled) return this.finish(target.deliveryId, 'dead', undefined, 'the webhook is not set or is switched off');
    const check = checkWebhookUrl(target.webhookUrl, this.config.webhookAllowedHosts);
    if (!check.ok) return this.finish(target.deliveryId, 'dead', undefined, `webhook target refused: ${check.reason}`);
    return this.send(job, target, target.webhookUrl, target.webhookSecret, body);
  }

  /** One signed attempt, and what follows from its answer. */
  private async send(job: DeliveryJob, target: DeliveryTarget, url: string, secret: string, body: Record<string, unknown>): Promise<DeliveryResult> {
    const attempt = Math.min(target.attempts + 1, this.policy.maxAttempts);
    const text = JSON.stringify(body);
    const headers = signedHeaders(secret, target.notificationId, Math.floor(Date.now() / 1000), text);
    const outcome = await this.client.post(url, headers, text);
    if ('refused' in outcome) return this.finish(target.deliveryId, 'dead', undefined, `webhook target refused: ${outcome.refused}`);
    return this.settle(job, target, attempt, outcome, 'status' in outcome ? outcome.status : undefined);
  }

  /**
   * One mail, its text made now from the notification as it stands (a person erased since is not in it),
   * to the address read now. What the server answered is mapped onto the webhooks' retry schedule.
   */
  private async mail(job: DeliveryJob, target: DeliveryTarget): Promise<DeliveryResult> {
    const from = this.config.email?.from;
    if (!this.mailer.enabled || from === undefined) return this.finish(target.deliveryId, 'dead', undefined, 'no SMTP server configured');
    if (target.email === null) return this.finish(target.deliveryId, 'dead', undefined, 'the recipient has no email address');
    const message = notificationEmail(target.type, target.payload, { locale: this.config.noticeLocale, timeZone: this.config.appTimezone });
    if (message === undefined) return this.finish(target.deliveryId, 'dead', undefined, `a ${target.type} is not sent by mail`);
    const attempt = Math.min(target.attempts + 1, this.policy.maxAttempts);
    const reply = await this.mailer.send({ to: target.email, ...message, messageId: emailMessageId(target.notificationId, from) });
    return this.settle(job, target, attempt, smtpOutcome(reply), reply.accepted ? 250 : reply.responseCode);
  }

  /** What follows from the answer to one attempt: done, switched off, dead, or tried again later. */
  private async settle(job: DeliveryJob, target: DeliveryTarget, attempt: number, outcome: AttemptOutcome, statusCode: number | undefined): Promise<DeliveryResult> {
    const step = nextStep(attempt, outcome, new Date(), { policy: this.policy });
    switch (step.action) {
      case 'delivered':
        return this.finish(target.deliveryId, 'delivered', statusCode);
      case 'disable_endpoint':
        await this.store.disableWebhook(target.recipientKind, target.recipientId);
        return this.finish(target.deliveryId, 'disabled', statusCode, 'the receiver answered 410 Gone');
      case 'dead':
        return this.finish(target.deliveryId, 'dead', statusCode, step.reason === 'rejected' ? `refused with ${statusCode ?? 'no reply code'}` : 'no attempt succeeded');
      case 'retry':
        await this.outcomes.run({ deliveryId: target.deliveryId, status: 'pending', statusCode, error: 'error' in outcome ? outcome.error : undefined });
        await this.tryAgain(job, target.deliveryId, step.delayMs);
        return 'retrying';
    }
  }

  /**
   * Schedules one delivery again in `delayMs`, as a job of its own. Its id is derived from this job and the
   * delivery, so a job redone after a crash schedules the same retry, not a second one.
   */
  private async tryAgain(job: DeliveryJob, deliveryId: string, delayMs: number): Promise<void> {
    const jobId = `retry-${createHash('sha256').update(`${job.id ?? ''}/${deliveryId}`).digest('base64url').slice(0, 24)}`;
    const data: EventJobData<'DeliveryRequested'> = {
      eventId: jobId,
      eventName: 'DeliveryRequested',
      correlationId: job.data.correlationId,
      occurredAt: new Date().toISOString(),
      payload: { deliveryId },
    };
    await this.deliveries.add('DeliveryRequested', data, { jobId, delay: Math.max(0, delayMs) });
  }

  private async finish(deliveryId: string, status: 'delivered' | 'dead' | 'disabled' | 'dropped', statusCode?: number, error?: string): Promise<DeliveryResult> {
    await this.outcomes.run({ deliveryId, status, statusCode, error });
    if (status !== 'delivered') this.logger.warn(`Delivery ${deliveryId} ${status}: ${error ?? ''}`);
    return status;
  }
}
