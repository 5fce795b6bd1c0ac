import { Inject, Injectable } from '@nestjs/common';
import { type EventJobData, type PendingEvent, outboxEvent } from '@huigong/messaging';
import { digestWindow, goesIntoDigest, offerText } from '@huigong/notifications';
import { type DeliveryChannel, type NewNotification, NotificationStore, type ProposedMatchRow } from '@huigong/persistence';
import { APP_CONFIG, type AppConfig } from '@huigong/platform';
import type { EntityManager } from 'typeorm';
import { channelsOf } from './delivery-channels';

/**
 * Turns one MatchesProposed into the notifications it causes, recorded before anything is sent:
 * a candidate_list to each caseworker with their own candidates only, a match_summary with counts only to
 * the employer or merchant, and for a slot an offer to each worker. Each has a dedupe key, so handling the
 * event again records nothing new; each gets a delivery per channel of its recipient (webhook, email, or the
 * worker gateway), announced through the outbox in the same transaction. A caseworker's candidate lists beyond a burst go out as one digest
 * (`candidate_digest`) at the end of the window; the inbox has each list at once.
 */
@Injectable()
export class NotificationRecorder {
  constructor(
    private readonly store: NotificationStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async record(manager: EntityManager, event: EventJobData<'MatchesProposed'>): Promise<PendingEvent[]> {
    const { offerKind, offerId, matchIds } = event.payload;
    const offer = await this.store.offer(manager, offerKind, offerId);
    if (offer === undefined) return [];
    const matches = await this.store.proposedMatches(manager, matchIds);
    if (matches.length === 0) return [];
    const notifications: NewNotification[] = [];
    const offerRef = { kind: offerKind, id: offer.id, title: offer.title };

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
      });
    }

    // Counts only: no names, contacts, groups or needs.
    notifications.push({
      recipientKind: 'organization',
      recipientId: offer.organization_id,
      type: 'match_summary',
      dedupeKey: `match_summary:${event.eventId}`,
      payload: { offer: offerRef, newMatches: matches.length, summary: await this.store.summary(manager, offerKind, offerId) },
      candidateIds: [],
    });

    if (offerKind === 'slot') {
      for (const match of matches) {
        const km = (match.reasons as { code: string; km?: number }[]).find((reason) => reason.code === 'distance')?.km ?? 0;
        const code = match.redemption_code ?? '';
        const windows = offer.windows ?? [];
        notifications.push({
          recipientKind: 'candidate',
          recipientId: match.candidate_id,
          type: 'offer',
          dedupeKey: `offer:${match.id}`,
          payload: {
            matchId: match.id,
            slot: { id: offer.id, title: offer.title, location: { lat: offer.lat, lng: offer.lng } },
            windows,
            offer: offer.offer ?? {},
            distanceKm: km,
            redemptionCode: code,
            expiresAt: match.expires_at === null ? null : new Date(match.expires_at).toISOString(),
            text: offerText({ title: offer.title, windows, terms: offer.offer ?? {}, distanceKm: km, code }, this.config.noticeLocale),
          },
          candidateIds: [match.candidate_id],
        });
      }
    }

    // Recorded, their recipients' contacts read and their deliveries added in one statement each, however
    // many (a slot's dozens of offers), rather than three per notification.
    const recordedIds = await this.store.recordAll(manager, notifications);
    const contacts = await this.store.contactsOfAll(
      manager,
      notifications.map((notification) => ({ kind: notification.recipientKind, id: notification.recipientId })),
    );
    const deliveries: { notificationId: string; channel: DeliveryChannel; notBefore?: Date | null }[] = [];
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
        if (goesIntoDigest(await this.store.candidateListsSince(manager, notification.recipientId, since, id), digest)) {
          const window = digestWindow(now, digest.windowMinutes);
          const entry = { notificationId: id, offer: offerRef, candidates: notification.candidateIds.length };
          const { digestId, recorded } = await this.store.addToDigest(manager, notification.recipientId, window, entry);
          if (recorded) for (const channel of channels) deliveries.push({ notificationId: digestId, channel, notBefore: window.end });
          continue;
        }
      }
      for (const channel of channels) deliveries.push({ notificationId: id, channel });
    }
    const deliveryIds = await this.store.addDeliveries(manager, deliveries);
    // One job delivers what was recorded together.
    return deliveryIds.length === 0 ? [] : [outboxEvent('DeliveriesRequested', { deliveryIds })];
  }
}
