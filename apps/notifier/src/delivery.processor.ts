import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger } from '@nestjs/common';
import { type EventJobData, QueueName } from '@huigong/messaging';
import {
  type AttemptOutcome,
  DEFAULT_RETRY_POLICY,
  type RetryPolicy,
  checkWebhookUrl,
  decideOffer,
  personalBudget,
  emailMessageId,
  hasNewsLeft,
  localDayStart,
  nextStep,
  notificationEmail,
  signedHeaders,
  smtpOutcome,
} from '@huigong/notifications';
import { type DeliveryAttemptOutcome, type DeliveryTarget, NotificationStore, type WorkerOfferSession } from '@huigong/persistence';
import { APP_CONFIG, type AppConfig, ConcurrencyLimit, MicroBatch, SerialByKey } from '@huigong/platform';
import type { Job, Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import { EmailSender } from './email-sender';
import { WebhookClient } from './webhook-client';

type DeliveryJob = Job<EventJobData<'DeliveriesRequested'> | EventJobData<'DeliveryRequested'>>;

/** What became of one delivery in one job. */
export type DeliveryResult = 'delivered' | 'dead' | 'disabled' | 'dropped' | 'retrying' | 'held' | 'skipped';

type AttemptRecord = Omit<DeliveryAttemptOutcome, 'deliveryId'>;

/**
 * What a delivery came to in this job: the outcome to store (none for an offer held back, which keeps its
 * attempts), and a retry or hold to schedule, or a webhook to switch off, once it is stored.
 */
interface Settlement {
  result: DeliveryResult;
  outcome?: AttemptRecord;
  retryInMs?: number;
  disableWebhook?: boolean;
}

/** A settlement with an outcome to store: an attempt made, or a delivery ended without one. */
type Attempted = Settlement & { outcome: AttemptRecord };

function ended(status: 'delivered' | 'dead' | 'disabled' | 'dropped', statusCode?: number, error?: string): Attempted {
  return { result: status, outcome: { status, statusCode, error } };
}

/** How many offers a pool of `poolSize` connections lets be in flight, each holding one in its transaction. */
export const OFFER_TRANSACTIONS = Symbol('OFFER_TRANSACTIONS');

/**
 * Half the pool: the other half stays free for what must never wait behind offers (the recording
 * transactions, up to 8 at once; the outbox relay; the reminders; the batched reads and writes of the
 * other deliveries), so that a batch of any size neither exhausts the pool nor makes them time out.
 */
export function offerTransactions(poolSize: number): number {
  return Math.max(1, Math.floor(poolSize / 2));
}

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
 *
 * An offer to the worker gateway is sent in a transaction that holds the lock on the worker's offers, and
 * does all its reads and writes on that transaction's connection (`NotificationStore.withWorkerOffers`):
 * nothing that holds a connection waits for a second one from the same pool. At most
 * `offerTransactions(pool size)` such transactions are open at once, however many offers a batch brings.
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
  private readonly offersByWorker = new SerialByKey();
  private readonly offersInFlight: ConcurrencyLimit;

  constructor(
    private readonly store: NotificationStore,
    private readonly client: WebhookClient,
    private readonly mailer: EmailSender,
    @InjectQueue(QueueName.Deliveries) private readonly deliveries: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(OFFER_TRANSACTIONS) offerLimit: number,
  ) {
    super();
    this.offersInFlight = new ConcurrencyLimit(offerLimit);
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
    if (!hasNewsLeft(target.type, target.payload))
      return this.complete(job, target, ended('dropped', undefined, 'nothing left to tell: its candidates were erased'));
    const body: Record<string, unknown> = {
      type: target.type,
      id: target.notificationId,
      createdAt: new Date(target.createdAt).toISOString(),
      payload: target.payload,
    };

    if (target.channel === 'worker_gateway') return this.offer(job, target, body);
    if (target.channel === 'email') return this.complete(job, target, await this.mail(target));

    if (target.webhookUrl === null || target.webhookSecret === null || target.webhookDisabled)
      return this.complete(job, target, ended('dead', undefined, 'the webhook is not set or is switched off'));
    const check = checkWebhookUrl(target.webhookUrl, this.config.webhookAllowedHosts);
    if (!check.ok) return this.complete(job, target, ended('dead', undefined, `webhook target refused: ${check.reason}`));
    return this.complete(job, target, await this.send(target, target.attempts, target.webhookUrl, target.webhookSecret, body));
  }

  /**
   * An offer to the worker gateway, within the worker's budget, under the lock on the worker's offers (see
   * `offerUnderLock`). The offers to one worker take their turns here, holding nothing while they wait,
   * rather than each holding a connection while it waits for the lock; and no more offers hold a
   * transaction at once than the pool can spare, however many a batch brings.
   */
  private async offer(job: DeliveryJob, target: DeliveryTarget, body: Record<string, unknown>): Promise<DeliveryResult> {
    const { workerGatewayUrl: url, workerGatewaySecret: secret } = this.config;
    if (url === undefined || secret === undefined) return this.complete(job, target, ended('dead', undefined, 'no worker gateway configured'));
    const settled = await this.offersByWorker.run(target.recipientId, () =>
      this.offersInFlight.run(() => {
        const now = new Date();
        return this.store.withWorkerOffers(target.recipientId, target.deliveryId, localDayStart(now, this.config.appTimezone), (session) =>
          this.offerUnderLock(target, url, secret, body, session, now),
        );
      }),
    );
    // Committed: the outcome is stored; what follows (a retry, a hold until later) needs no transaction.
    return settled === 'skipped' ? 'skipped' : this.after(job, target, settled);
  }

  /**
   * One offer, decided and sent while holding the lock on the worker's offers. A worker's budget: so many
   * offers a local day, none in quiet hours. Held offers wait (without using an attempt); one that would
   * wait past the end of its window is dropped, with the reason. Everything read and written here goes
   * over the lock's own connection (`session`), never a second one from the pool: the outcome of a sent
   * offer is recorded in the transaction that counted the day's offers, so it counts against the cap
   * before the next offer to the worker is decided.
   */
  private async offerUnderLock(
    target: DeliveryTarget,
    url: string,
    secret: string,
    body: Record<string, unknown>,
    session: WorkerOfferSession,
    now: Date,
  ): Promise<Settlement | 'skipped'> {
    // Sent or erased since it was read (a retry and a redone job, a replay, of the same offer): nothing to send.
    if (session.delivery?.status !== 'pending') return 'skipped';
    // The worker's own quiet hours and cap, where their caseworker set them; the deployment's otherwise.
    const policy = personalBudget(this.config.offerBudget, session.preferences);
    const decision = decideOffer({ sentToday: session.deliveredSince, now, timeZone: this.config.appTimezone, policy });
    if (!decision.send) {
      const expiresAt = typeof target.payload.expiresAt === 'string' ? new Date(target.payload.expiresAt) : null;
      if (expiresAt !== null && decision.retryAt >= expiresAt) {
        const dropped = ended('dropped', undefined, `held back (${decision.reason}) past the end of the offer`);
        await session.markAttempt(dropped.outcome);
        return dropped;
      }
      await session.noteHeld(`held back (${decision.reason}) until ${decision.retryAt.toISOString()}`);
      return { result: 'held', retryInMs: decision.retryAt.getTime() - now.getTime() };
    }
    // The gateway reaches the worker: it alone is told the phone, read under the lock and kept nowhere else,
    // and the channel their caseworker chose for them (null: the gateway's own).
    const settled = await this.send(target, session.delivery.attempts, url, secret, {
      ...body,
      recipient: { candidateId: target.recipientId, phone: session.phone, channel: session.preferences.channel ?? null },
    });
    // A worker has no webhook to switch off: a 410 from the gateway only ends this offer.
    await session.markAttempt(settled.outcome);
    return settled;
  }

  /** One signed attempt, and what its answer means. */
  private async send(target: DeliveryTarget, attempts: number, url: string, secret: string, body: Record<string, unknown>): Promise<Attempted> {
    const attempt = Math.min(attempts + 1, this.policy.maxAttempts);
    const text = JSON.stringify(body);
    const headers = signedHeaders(secret, target.notificationId, Math.floor(Date.now() / 1000), text);
    const outcome = await this.client.post(url, headers, text);
    if ('refused' in outcome) return ended('dead', undefined, `webhook target refused: ${outcome.refused}`);
    return this.settle(attempt, outcome, 'status' in outcome ? outcome.status : undefined);
  }

  /**
   * One mail, its text made now from the notification as it stands (a person erased since is not in it),
   * to the address read now. What the server answered is mapped onto the webhooks' retry schedule.
   */
  private async mail(target: DeliveryTarget): Promise<Attempted> {
    const from = this.config.email?.from;
    if (!this.mailer.enabled || from === undefined) return ended('dead', undefined, 'no SMTP server configured');
    if (target.email === null) return ended('dead', undefined, 'the recipient has no email address');
    const message = notificationEmail(target.type, target.payload, { locale: this.config.noticeLocale, timeZone: this.config.appTimezone });
    if (message === undefined) return ended('dead', undefined, `a ${target.type} is not sent by mail`);
    const attempt = Math.min(target.attempts + 1, this.policy.maxAttempts);
    const reply = await this.mailer.send({ to: target.email, ...message, messageId: emailMessageId(target.notificationId, from) });
    return this.settle(attempt, smtpOutcome(reply), reply.accepted ? 250 : reply.responseCode);
  }

  /** What the answer to one attempt means: done, switched off, dead, or tried again later. */
  private settle(attempt: number, outcome: AttemptOutcome, statusCode: number | undefined): Attempted {
    const step = nextStep(attempt, outcome, new Date(), { policy: this.policy });
    switch (step.action) {
      case 'delivered':
        return ended('delivered', statusCode);
      case 'disable_endpoint':
        return { ...ended('disabled', statusCode, 'the receiver answered 410 Gone'), disableWebhook: true };
      case 'dead':
        return ended('dead', statusCode, step.reason === 'rejected' ? `refused with ${statusCode ?? 'no reply code'}` : 'no attempt succeeded');
      case 'retry':
        return {
          result: 'retrying',
          outcome: { status: 'pending', statusCode, error: 'error' in outcome ? outcome.error : undefined },
          retryInMs: step.delayMs,
        };
    }
  }

  /**
   * Stores what an attempt at a webhook or mail delivery (or a delivery that never got as far) came to,
   * gathered with the outcomes of concurrent deliveries into one statement; no transaction is open here.
   */
  private async complete(job: DeliveryJob, target: DeliveryTarget, settled: Settlement): Promise<DeliveryResult> {
    if (settled.disableWebhook === true) await this.store.disableWebhook(target.recipientKind, target.recipientId);
    if (settled.outcome !== undefined) await this.outcomes.run({ ...settled.outcome, deliveryId: target.deliveryId });
    return this.after(job, target, settled);
  }

  /** Once the outcome is stored: the retry or the hold scheduled, and a line for what will never be delivered. */
  private async after(job: DeliveryJob, target: DeliveryTarget, settled: Settlement): Promise<DeliveryResult> {
    if (settled.retryInMs !== undefined) await this.tryAgain(job, target.deliveryId, settled.retryInMs);
    const status = settled.outcome?.status;
    if (status !== undefined && status !== 'delivered' && status !== 'pending')
      this.logger.warn(`Delivery ${target.deliveryId} ${status}: ${settled.outcome?.error ?? ''}`);
    return settled.result;
  }

  /**
   * Schedules one delivery again in `delayMs`, as a job of its own. Its id is derived from this job and the
   * delivery, so a job redone after a crash schedules the same retry, not a second one.
   */
  private async tryAgain(job: DeliveryJob, deliveryId: string, delayMs: number): Promise<void> {
    const jobId = `retry-${createHash('sha256')
      .update(`${job.id ?? ''}/${deliveryId}`)
      .digest('base64url')
      .slice(0, 24)}`;
    const data: EventJobData<'DeliveryRequested'> = {
      eventId: jobId,
      eventName: 'DeliveryRequested',
      correlationId: job.data.correlationId,
      occurredAt: new Date().toISOString(),
      payload: { deliveryId },
    };
    await this.deliveries.add('DeliveryRequested', data, { jobId, delay: Math.max(0, delayMs) });
  }
}
