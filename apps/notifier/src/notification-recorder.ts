import { Inject, Injectable } from '@nestjs/common';
import { type EventJobData, type PendingEvent, outboxEvent } from '@huigong/messaging';
import { type NoticeLocale, digestWindow, goesIntoDigest, offerText } from '@huigong/notifications';
import {
  type CourseDemandRow,
  CourseMenuStore,
  type DeliveryChannel,
  type NewNotification,
  NotificationStore,
  type OfferRow,
  type ProposedMatchRow,
} from '@huigong/persistence';
import { APP_CONFIG, type AppConfig } from '@huigong/platform';
import { type LocalOccurrence, localOccurrence, occurrencesAreStays } from '@huigong/domain';
import type { EntityManager } from 'typeorm';
import { channelsOf } from './delivery-channels';

/**
 * Turns MatchesProposed events into the notifications they cause, recorded before anything is sent:
 * a candidate_list to each caseworker with their own candidates only, a match_summary with counts only to
 * the employer or merchant, and for a slot an offer to each worker; and MatchesWithdrawn (an opening
 * filled) into a matches_withdrawn to each caseworker with their own people only; and CourseDemandReached (the API's)
 * into a course_demand to the station, counts and windows only. Each has a dedupe key, so handling an
 * event again records nothing new; each gets a delivery per channel of its recipient (webhook, email, or the
 * worker gateway), announced through the outbox in the same transaction. A caseworker's candidate lists
 * beyond a burst go out as one digest (`candidate_digest`) at the end of the window; the inbox has each list
 * at once. The events handled together (NotificationsProcessor's groups) are read and written in one
 * statement each, however many.
 */
@Injectable()
export class NotificationRecorder {
  constructor(
    private readonly store: NotificationStore,
    private readonly courseMenu: CourseMenuStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * The notifications of several events, in the caller's transaction. Returns the outbox events that
   * announce their deliveries: one DeliveriesRequested per event that has any, with that event's
   * correlation id.
   */
  async recordAll(manager: EntityManager, events: readonly NotifierEvent[]): Promise<PendingEvent[]> {
    if (events.length === 0) return [];
    // The matcher's events, in their places among all (a course demand's place is empty here).
    const matchEvents = events.map((event) => (event.eventName === 'CourseDemandReached' ? undefined : event));
    const offers = new Map<string, OfferRow>();
    const summaries = new Map<string, Record<string, number>>();
    for (const kind of ['opening', 'slot'] as const) {
      const ids = [...new Set(matchEvents.flatMap((event) => (event?.payload.offerKind === kind ? [event.payload.offerId] : [])))];
      if (ids.length === 0) continue;
      for (const [id, offer] of await this.store.offers(manager, kind, ids)) offers.set(`${kind}:${id}`, offer);
      for (const [id, summary] of await this.store.summaries(manager, kind, ids)) summaries.set(`${kind}:${id}`, summary);
    }
    // Every event's matches in one read, best first; each event takes its own, in that order.
    const eventOf = new Map<string, number>();
    matchEvents.forEach((event, index) => {
      for (const matchId of event?.payload.matchIds ?? []) eventOf.set(matchId, index);
    });
    const matchesOf = events.map((): ProposedMatchRow[] => []);
    if (eventOf.size > 0) {
      for (const match of await this.store.matchesToTell(manager, [...eventOf.keys()])) {
        const index = eventOf.get(match.id) as number;
        // Each event tells of the matches still as it left them: proposed, or withdrawn.
        if (match.status === (events[index].eventName === 'MatchesWithdrawn' ? 'withdrawn' : 'proposed')) matchesOf[index].push(match);
      }
    }

    // Offers to workers are written in each worker's own language, where their caseworker set one.
    const offered = matchEvents.flatMap((event, index) => (event?.payload.offerKind === 'slot' ? matchesOf[index].map((match) => match.candidate_id) : []));
    const languages = offered.length === 0 ? new Map<string, NoticeLocale>() : await this.store.noticeLanguagesOf(manager, offered);
    const notifications: (NewNotification & { event: number; offerRef?: OfferRef })[] = [];
    matchEvents.forEach((event, index) => {
      if (event === undefined) return;
      const offer = offers.get(`${event.payload.offerKind}:${event.payload.offerId}`);
      const matches = matchesOf[index];
      if (offer === undefined || matches.length === 0) return;
      if (event.eventName === 'MatchesWithdrawn') {
        for (const notification of withdrawalNotices(event, offer, matches)) notifications.push({ ...notification, event: index });
        return;
      }
      const summary = summaries.get(`${event.payload.offerKind}:${event.payload.offerId}`) ?? {};
      for (const notification of this.notificationsOf(event, offer, matches, summary, languages)) notifications.push({ ...notification, event: index });
    });
    // A course demand: the station's organization hears the counts and the windows, never who.
    for (const [index, event] of events.entries()) {
      if (event.eventName !== 'CourseDemandReached') continue;
      const demand = await this.courseMenu.demand(manager, event.payload.demandId);
      if (demand !== null) notifications.push({ ...courseDemandNotice(event, demand), event: index });
    }

    // Recorded, their recipients' contacts read and their deliveries added in one statement each, however
    // many (a slot's dozens of offers, a group's events), rather than three per notification.
    const recordedIds = await this.store.recordAll(manager, notifications);
    const contacts = await this.store.contactsOfAll(
      manager,
      notifications.map((notification) => ({ kind: notification.recipientKind, id: notification.recipientId })),
    );
    // The candidate lists of each caseworker recorded now, in order: a list is counted for the digest
    // against those recorded before it, as if the events had been handled one after the other.
    const listsNow = new Map<string, string[]>();
    for (const [index, notification] of notifications.entries()) {
      const id = recordedIds[index];
      if (id !== undefined && notification.type === 'candidate_list')
        listsNow.set(notification.recipientId, [...(listsNow.get(notification.recipientId) ?? []), id]);
    }
    const deliveries: { notificationId: string; channel: DeliveryChannel; notBefore?: Date | null; event: number }[] = [];
    const now = new Date();
    for (const [index, notification] of notifications.entries()) {
      const id = recordedIds[index];
      if (id === undefined) continue;
      const known = contacts.get(`${notification.recipientKind}:${notification.recipientId}`) ?? { webhook: false, email: false };
      const channels = channelsOf(this.config, notification.recipientKind, known);
      if (channels.length === 0) continue;
      const digest = this.config.caseworkerDigest;
      if (notification.type === 'candidate_list' && digest !== null) {
        // A burst of lists (a job fair posting): the inbox has this one now; webhook and mail get one digest later.
        const since = new Date(now.getTime() - digest.windowMinutes * 60_000);
        const own = listsNow.get(notification.recipientId) ?? [id];
        const notYet = own.slice(own.indexOf(id));
        if (goesIntoDigest(await this.store.candidateListsSince(manager, notification.recipientId, since, notYet), digest)) {
          const window = digestWindow(now, digest.windowMinutes);
          const entry = { notificationId: id, offer: notification.offerRef as OfferRef, candidates: notification.candidateIds.length };
          const { digestId, recorded } = await this.store.addToDigest(manager, notification.recipientId, window, entry);
          if (recorded)
            for (const channel of channels) deliveries.push({ notificationId: digestId, channel, notBefore: window.end, event: notification.event });
          continue;
        }
      }
      for (const channel of channels) deliveries.push({ notificationId: id, channel, event: notification.event });
    }
    const deliveryIds = await this.store.addDeliveries(manager, deliveries);
    // One job per event delivers what it recorded, under its own correlation id.
    const perEvent = events.map((): string[] => []);
    deliveries.forEach((delivery, index) => perEvent[delivery.event].push(deliveryIds[index]));
    return perEvent.flatMap((ids, index) =>
      ids.length === 0 ? [] : [{ ...outboxEvent('DeliveriesRequested', { deliveryIds: ids }), correlationId: events[index].correlationId }],
    );
  }

  /** What one event causes, before anything is recorded. */
  private notificationsOf(
    event: EventJobData<'MatchesProposed'>,
    offer: OfferRow,
    matches: readonly ProposedMatchRow[],
    summary: Record<string, number>,
    languages: ReadonlyMap<string, NoticeLocale>,
  ): (NewNotification & { offerRef: OfferRef })[] {
    const { offerKind } = event.payload;
    const offerRef: OfferRef = { kind: offerKind, id: offer.id, title: offer.title };
    const notifications: (NewNotification & { offerRef: OfferRef })[] = [];
    const byCaseworker = new Map<string, ProposedMatchRow[]>();
    for (const match of matches) byCaseworker.set(match.caseworker_id, [...(byCaseworker.get(match.caseworker_id) ?? []), match]);
    for (const [caseworkerId, own] of byCaseworker) {
      notifications.push({
        recipientKind: 'caseworker',
        recipientId: caseworkerId,
        type: 'candidate_list',
        dedupeKey: `candidate_list:${event.eventId}:${caseworkerId}`,
        payload: {
          offer: offerRef,
          matches: own.map((match) => ({
            matchId: match.id,
            candidateId: match.candidate_id,
            displayName: match.display_name,
            score: match.score,
            reasons: match.reasons,
            status: match.status,
          })),
        },
        candidateIds: own.map((match) => match.candidate_id),
        offerRef,
      });
    }

    // Counts only: no names, contacts, groups or needs.
    notifications.push({
      recipientKind: 'organization',
      recipientId: offer.organization_id,
      type: 'match_summary',
      dedupeKey: `match_summary:${event.eventId}`,
      payload: { offer: offerRef, newMatches: matches.length, summary },
      candidateIds: [],
      offerRef,
    });

    if (offerKind === 'slot') {
      for (const match of matches) {
        const km = (match.reasons as { code: string; km?: number }[]).find((reason) => reason.code === 'distance')?.km ?? 0;
        const code = match.redemption_code ?? '';
        const windows = offer.windows ?? [];
        const occurrence = offeredOccurrenceOf(match, offer, this.config.appTimezone);
        notifications.push({
          recipientKind: 'candidate',
          recipientId: match.candidate_id,
          type: 'offer',
          dedupeKey: `offer:${match.id}`,
          payload: {
            matchId: match.id,
            slot: { id: offer.id, title: offer.title, location: { lat: offer.lat, lng: offer.lng } },
            windows,
            occurrence: occurrence?.view ?? null,
            offer: offer.offer ?? {},
            distanceKm: km,
            redemptionCode: code,
            expiresAt: match.expires_at === null ? null : new Date(match.expires_at).toISOString(),
            ...(match.last_minute ? { lastMinute: true } : {}),
            text: offerText(
              {
                ...(match.last_minute ? { lastMinute: true } : {}),
                title: offer.title,
                windows,
                ...(occurrence?.dated === undefined ? {} : { dated: occurrence.dated }),
                terms: offer.offer ?? {},
                distanceKm: km,
                code,
              },
              languages.get(match.candidate_id) ?? this.config.noticeLocale,
            ),
          },
          candidateIds: [match.candidate_id],
          offerRef,
        });
      }
    }
    return notifications;
  }
}

/**
 * The occurrence an offer is for, as the worker reads it: its start, end and nights (of a stay); `dated`
 * when it is one of the slot's dated occurrences (the text then names the date, not the weekly windows).
 */
function offeredOccurrenceOf(
  match: Pick<ProposedMatchRow, 'occurrence_starts_at' | 'expires_at' | 'last_minute'>,
  slot: Pick<OfferRow, 'kind' | 'occurrences'>,
  timeZone: string,
): { view: { startsAt: string; endsAt: string; nights: number }; dated?: LocalOccurrence } | undefined {
  if (match.occurrence_starts_at === null || match.expires_at === null) return undefined;
  const startsAt = new Date(match.occurrence_starts_at);
  const endsAt = new Date(match.expires_at);
  // A last-minute offer is for one occurrence about to start: the worker reads its date and hours.
  const isDated =
    match.last_minute ||
    (slot.occurrences ?? []).some(
      (occurrence) => new Date(occurrence.startsAt).getTime() === startsAt.getTime() && new Date(occurrence.endsAt).getTime() === endsAt.getTime(),
    );
  const stay = isDated && slot.kind !== undefined && occurrencesAreStays(slot.kind);
  const local = localOccurrence(startsAt, endsAt, stay, timeZone);
  return {
    view: { startsAt: startsAt.toISOString(), endsAt: endsAt.toISOString(), nights: local.nights },
    ...(isDated ? { dated: local } : {}),
  };
}

interface OfferRef {
  kind: 'opening' | 'slot';
  id: string;
  title: string;
}

/** What the notifier consumes: the matcher's decisions, and course demands the API saw reached. */
export type NotifierEvent = EventJobData<'MatchesProposed'> | EventJobData<'MatchesWithdrawn'> | EventJobData<'CourseDemandReached'>;

/** A `course_demand` to the station's organization: the topic, how many ordered, the windows that suit most; never who. */
function courseDemandNotice(event: EventJobData<'CourseDemandReached'>, demand: CourseDemandRow): NewNotification {
  return {
    recipientKind: 'organization',
    recipientId: demand.organizationId,
    type: 'course_demand',
    dedupeKey: `course_demand:${demand.id}`,
    payload: {
      demandId: demand.id,
      topic: { id: demand.topicId, title: demand.topicTitle },
      servicePoint: { id: demand.servicePointId, name: demand.servicePointName },
      orders: demand.orders,
      bestWindows: demand.bestWindows,
    },
    candidateIds: [],
  };
}

/**
 * An opening filled: each caseworker hears which of their own people it no longer goes on with (ids and
 * names, as in their candidate lists), and why. The employer hears nothing new: its summary shows the hires.
 */
function withdrawalNotices(
  event: EventJobData<'MatchesWithdrawn'>,
  offer: OfferRow,
  matches: readonly ProposedMatchRow[],
): (NewNotification & { offerRef: OfferRef })[] {
  const offerRef: OfferRef = { kind: 'opening', id: offer.id, title: offer.title };
  const byCaseworker = new Map<string, ProposedMatchRow[]>();
  for (const match of matches) byCaseworker.set(match.caseworker_id, [...(byCaseworker.get(match.caseworker_id) ?? []), match]);
  return [...byCaseworker].map(([caseworkerId, own]) => ({
    recipientKind: 'caseworker',
    recipientId: caseworkerId,
    type: 'matches_withdrawn',
    dedupeKey: `matches_withdrawn:${event.eventId}:${caseworkerId}`,
    payload: {
      offer: offerRef,
      reason: event.payload.reason,
      matches: own.map((match) => ({ matchId: match.id, candidateId: match.candidate_id, displayName: match.display_name })),
    },
    candidateIds: own.map((match) => match.candidate_id),
    offerRef,
  }));
}
