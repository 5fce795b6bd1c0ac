/**
 * Every queue and every job of this product, with its payload type.
 *
 * DO NOT RENAME a queue or a job: the names are keys in Redis and in the outbox table, and a rename
 * strands whatever is in flight. Add new names instead, and retire old ones after they drain.
 *
 * Payloads carry ids and a correlation id, never personal data: a handler re-reads the rows it needs
 * and skips what is done or gone.
 */
import type { JobsOptions } from 'bullmq';

export const QueueName = {
  /** Domain events from the intake API, consumed by the matcher. */
  DomainEvents: 'domain-events',
  /** What the matcher decided (and course demands the API saw reached), consumed by the notifier. */
  Notifications: 'notifications',
  /** Deliveries of recorded notifications to webhooks and the worker gateway: a batch per recording, then one job per retry. */
  Deliveries: 'deliveries',
  /** The matcher's periodic sweeps (MATCHER_TICKS), made by job schedulers, consumed by one matcher per tick. */
  MatcherTicks: 'matcher-ticks',
  /** The notifier's periodic work (NOTIFIER_TICKS), made by job schedulers, consumed by one notifier per tick. */
  NotifierTicks: 'notifier-ticks',
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];
/** The queues the outbox relay feeds: every queue but the ticks'. */
export type OutboxQueueName = typeof QueueName.DomainEvents | typeof QueueName.Notifications | typeof QueueName.Deliveries;

/** Domain events written by the intake API, each in the transaction of the write that caused it. */
export interface DomainEventPayloads {
  OpeningPosted: { openingId: string };
  OpeningUpdated: { openingId: string };
  OpeningClosed: { openingId: string };
  /** Hires took every position: the opening proposes no one, and its open matches are withdrawn (`filled`). */
  OpeningFilled: { openingId: string };
  /** A hire of a filled opening was reverted: it proposes people again. */
  OpeningReopened: { openingId: string };
  SlotPublished: { slotId: string };
  SlotUpdated: { slotId: string };
  SlotWithdrawn: { slotId: string };
  CandidateRegistered: { candidateId: string };
  /**
   * People registered together by a bulk import: one event per chunk of at most IMPORTED_PER_EVENT ids
   * (ids only, as every payload), matched offer-side rather than one person at a time.
   */
  CandidatesImported: { candidateIds: string[] };
  CandidateUpdated: { candidateId: string };
  CandidateErased: { candidateId: string };
  /**
   * A caseworker moved a job match, or a merchant redeemed an offer: a place may have opened. `hiresChanged`:
   * the move was into or out of hired, so the person's employment may change.
   */
  MatchStatusChanged: { matchId: string; offerKind: 'opening' | 'slot'; offerId: string; hiresChanged?: boolean };
  /**
   * Intents a fair's streaming partner sent (at most INTENTS_PER_EVENT, taken in one batch): the matcher
   * makes each a lead on the list of the person's caseworker. A repeated tap is no new intent and no event.
   */
  FairIntentsReceived: { intentIds: string[] };
}

/** At most so many people per CandidatesImported: a job stays small in Redis, and one chunk is matched in well under its lock. */
export const IMPORTED_PER_EVENT = 1_000;

/** Events written by the matcher for the notifier. */
export interface NotificationEventPayloads {
  /** New matches of one offer, written in one batch: the notifier tells each caseworker and the owner. */
  MatchesProposed: { offerKind: 'opening' | 'slot'; offerId: string; matchIds: string[] };
  /** Job matches of an opening withdrawn because it filled: each caseworker hears which of theirs. */
  MatchesWithdrawn: { offerKind: 'opening'; offerId: string; reason: 'filled'; matchIds: string[] };
  /** Orders of a course topic reached its threshold (written by the API): the station is told, with counts and windows. */
  CourseDemandReached: { demandId: string };
}

/** Events written by the notifier for its own delivery workers. */
export interface DeliveryEventPayloads {
  /** The deliveries recorded together (one batch of notifications), to be attempted now. */
  DeliveriesRequested: { deliveryIds: string[] };
  /** One delivery to attempt: a retry after backoff, an offer held back by the budget, or an admin's replay. */
  DeliveryRequested: { deliveryId: string };
}

export type EventPayloads = DomainEventPayloads & NotificationEventPayloads & DeliveryEventPayloads;
export type EventName = keyof EventPayloads;

/** Which queue carries each event. */
export const EVENT_QUEUE: { readonly [N in EventName]: OutboxQueueName } = {
  OpeningPosted: QueueName.DomainEvents,
  OpeningUpdated: QueueName.DomainEvents,
  OpeningClosed: QueueName.DomainEvents,
  OpeningFilled: QueueName.DomainEvents,
  OpeningReopened: QueueName.DomainEvents,
  SlotPublished: QueueName.DomainEvents,
  SlotUpdated: QueueName.DomainEvents,
  SlotWithdrawn: QueueName.DomainEvents,
  CandidateRegistered: QueueName.DomainEvents,
  CandidatesImported: QueueName.DomainEvents,
  CandidateUpdated: QueueName.DomainEvents,
  CandidateErased: QueueName.DomainEvents,
  MatchStatusChanged: QueueName.DomainEvents,
  FairIntentsReceived: QueueName.DomainEvents,
  MatchesProposed: QueueName.Notifications,
  MatchesWithdrawn: QueueName.Notifications,
  CourseDemandReached: QueueName.Notifications,
  DeliveriesRequested: QueueName.Deliveries,
  DeliveryRequested: QueueName.Deliveries,
};

/**
 * Job options that differ from the defaults, per event. (None today: a delivery's own retries, over about
 * a day, are new delayed `DeliveryRequested` jobs that the notifier schedules; BullMQ's attempts only
 * cover a worker that failed or died.)
 */
export const EVENT_JOB_OPTIONS: { readonly [N in EventName]?: JobsOptions } = {};

export const EVENT_NAMES = Object.keys(EVENT_QUEUE) as EventName[];

/**
 * Where the matchers are split by region (MATCHER_REGIONS), the relay sends a domain event to the queue of
 * every region around the place of what it is about: the person, opening or slot its payload names. Events
 * of many people (an import's chunk) or of one without a place (erased) go to every region; a fair's intents
 * to the first region only, since its leads are made once, whatever the place.
 */
export function eventSubject(
  name: EventName,
  payload: Record<string, unknown>,
): { kind: 'candidate' | 'opening' | 'slot'; id: string } | 'every-region' | 'first-region' {
  if (name === 'FairIntentsReceived') return 'first-region';
  const id = (key: string) => (typeof payload[key] === 'string' ? payload[key] : null);
  const candidateId = id('candidateId');
  if (candidateId !== null && name !== 'CandidateErased') return { kind: 'candidate', id: candidateId };
  const openingId = id('openingId') ?? (payload.offerKind === 'opening' ? id('offerId') : null);
  if (openingId !== null) return { kind: 'opening', id: openingId };
  const slotId = id('slotId') ?? (payload.offerKind === 'slot' ? id('offerId') : null);
  if (slotId !== null) return { kind: 'slot', id: slotId };
  return 'every-region';
}

export function isEventName(name: string): name is EventName {
  return Object.prototype.hasOwnProperty.call(EVENT_QUEUE, name);
}

/** The data of every job: the outbox row's id is both `eventId` and the BullMQ job id. */
export interface EventJobData<N extends EventName = EventName> {
  eventId: string;
  eventName: N;
  correlationId: string;
  occurredAt: string;
  payload: EventPayloads[N];
}

/** Retries with backoff; completed jobs are kept a day so that a re-sent job id is still recognised. */
export const DEFAULT_JOB_OPTIONS: JobsOptions = {
  attempts: 12,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: { age: 24 * 3600, count: 200_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

/**
 * Ticks: periodic work that must run once per period however many instances are up. Each job is made by a
 * BullMQ job scheduler whose id is the job's name (fixed: every instance upserts the same scheduler at boot,
 * which is idempotent), so one instance takes each tick, and a tick whose instance died is taken by another
 * once its lock lapses (stalled-job recovery). Payloads are empty: a tick re-reads what is due.
 */
export interface MatcherTickPayloads {
  /** Slot offers past their occurrence expire (their seats go to the next in line); openings past validUntil lose their open matches. */
  ExpireOffers: Record<string, never>;
  /** The standby pool: free seats of occurrences starting within 30 minutes go to the people standing by. */
  OfferStandbySeats: Record<string, never>;
}
export type MatcherTick = keyof MatcherTickPayloads;
export const MATCHER_TICKS: readonly MatcherTick[] = ['ExpireOffers', 'OfferStandbySeats'];

export interface NotifierTickPayloads {
  /** Caseworkers' reminders: proposals not moved for 7 days, fair leads not contacted in 48 h, retention checks due. */
  RemindCaseworkers: Record<string, never>;
  /**
   * Rows past their use, in short batches: idempotency records past 24 h, published outbox rows and
   * processed-event marks past their retention (OUTBOX_RETENTION_DAYS, PROCESSED_EVENTS_RETENTION_DAYS).
   */
  PurgeHistory: Record<string, never>;
}
export type NotifierTick = keyof NotifierTickPayloads;
export const NOTIFIER_TICKS: readonly NotifierTick[] = ['RemindCaseworkers', 'PurgeHistory'];

/** The tick queues: their jobs come from schedulers, not from the outbox. */
export const TICK_QUEUES: readonly QueueName[] = [QueueName.MatcherTicks, QueueName.NotifierTicks];

/**
 * Options of every tick job (the schedulers' template). A failed tick is retried a few times with backoff
 * (PostgreSQL away for a moment), and the next period's tick comes anyway. Completed and failed ticks are
 * kept by count, not for a day as events are: a tick every 30 s would otherwise pile up in Redis.
 */
export const TICK_JOB_OPTIONS: JobsOptions = {
  attempts: 4,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { count: 100 },
  removeOnFail: { count: 200 },
};
