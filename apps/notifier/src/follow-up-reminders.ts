import { Inject, Injectable } from '@nestjs/common';
import { RETENTION_CHECKPOINTS, RETENTION_REMINDER_GRACE_DAYS, UNCONTACTED_LEAD_HOURS, lateLeadsBefore } from '@huigong/domain';
import { OutboxRelay, appendToOutbox, outboxEvent } from '@huigong/messaging';
import { FairStore, type NewNotification, NotificationStore } from '@huigong/persistence';
import { APP_CONFIG, type AppConfig } from '@huigong/platform';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { deliveryChannels } from './delivery-channels';

/** Days a proposal may wait for its caseworker before they are reminded. */
export const REMINDER_AFTER_DAYS = 7;

/** The ISO week of a day, "2026-W48": one reminder per caseworker and week. */
export function isoWeek(day: Date): string {
  const date = new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()));
  const weekday = date.getUTCDay() || 7;
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  const week = Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
  return `${date.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/**
 * The `RemindCaseworkers` tick (once an hour, in one notifier however many run: NotifierTicksProcessor): a
 * caseworker whose candidates have proposals that have not moved for 7 days gets one reminder listing them
 * (at most one a week, by dedupe key), in the inbox and through their webhook and mail; and 30 and 90 days
 * after a hire, a `retention_check` asking whether the person stayed (one per hire and checkpoint, until it
 * is recorded); and leads of a job fair nobody has contacted 48 hours after the intent. Each is recorded
 * once by its dedupe key, so a tick done twice (redone after a crash) tells nobody twice.
 */
@Injectable()
export class FollowUpReminders {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: NotificationStore,
    private readonly fairs: FairStore,
    private readonly relay: OutboxRelay,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** One tick: every kind of reminder, one after the other; returns how many of each were new. */
  async remindAll(now = new Date()): Promise<{ reminders: number; fairLeads: number; retentionChecks: number }> {
    const reminders = await this.remind(now);
    const fairLeads = await this.remindFairLeads(now);
    const retentionChecks = await this.checkRetention();
    return { reminders, fairLeads, retentionChecks };
  }

  /** Records this week's reminders; returns how many were new. */
  remind(now = new Date()): Promise<number> {
    const week = isoWeek(now);
    return this.recordForCaseworkers(`reminders-${week}`, async (manager) => {
      const stale = await this.store.staleProposals(manager, REMINDER_AFTER_DAYS);
      const byCaseworker = new Map<string, typeof stale>();
      for (const row of stale) byCaseworker.set(row.caseworker_id, [...(byCaseworker.get(row.caseworker_id) ?? []), row]);
      return [...byCaseworker].map(([caseworkerId, rows]) => ({
        recipientKind: 'caseworker',
        recipientId: caseworkerId,
        type: 'reminder',
        dedupeKey: `reminder:${caseworkerId}:${week}`,
        payload: {
          afterDays: REMINDER_AFTER_DAYS,
          matches: rows.map((row) => ({
            matchId: row.match_id,
            candidateId: row.candidate_id,
            displayName: row.display_name,
            offer: { kind: 'opening', id: row.opening_id, title: row.title },
            proposedSince: new Date(row.since).toISOString(),
          })),
        },
        candidateIds: [...new Set(rows.map((row) => row.candidate_id))],
      }));
    });
  }

  /**
   * Leads of a job fair nobody has contacted UNCONTACTED_LEAD_HOURS after the person asked: their caseworker
   * is reminded, once a day per fair, listing them. Returns how many reminders were new.
   */
  remindFairLeads(now = new Date()): Promise<number> {
    const today = now.toISOString().slice(0, 10);
    return this.recordForCaseworkers(`fair-leads-${today}`, async (manager) => {
      const late = await this.fairs.uncontactedLeads(manager, null, lateLeadsBefore(now));
      const groups = new Map<string, typeof late>();
      for (const lead of late) {
        const key = `${lead.fairId}:${lead.caseworkerId}`;
        groups.set(key, [...(groups.get(key) ?? []), lead]);
      }
      return [...groups.values()].map((leads): NewNotification => {
        const { fairId, fairName, caseworkerId } = leads[0];
        return {
          recipientKind: 'caseworker',
          recipientId: caseworkerId,
          type: 'fair_leads_reminder',
          dedupeKey: `fair_leads_reminder:${fairId}:${caseworkerId}:${today}`,
          payload: {
            fair: { id: fairId, name: fairName },
            afterHours: UNCONTACTED_LEAD_HOURS,
            matches: leads.map((lead) => ({
              matchId: lead.matchId,
              candidateId: lead.candidateId,
              displayName: lead.displayName,
              offer: { kind: 'opening', id: lead.openingId, title: lead.title },
              intentAt: lead.tappedAt.toISOString(),
            })),
          },
          candidateIds: [...new Set(leads.map((lead) => lead.candidateId))],
        };
      });
    });
  }

  /** Records the retention checks that are due (each hire and checkpoint once); returns how many were new. */
  checkRetention(): Promise<number> {
    return this.recordForCaseworkers('retention', async (manager) => {
      const due: NewNotification[] = [];
      for (const checkpoint of RETENTION_CHECKPOINTS) {
        for (const row of await this.store.dueRetentionChecks(manager, checkpoint, RETENTION_REMINDER_GRACE_DAYS)) {
          due.push({
            recipientKind: 'caseworker',
            recipientId: row.caseworker_id,
            type: 'retention_check',
            dedupeKey: `retention_check:${row.match_id}:${checkpoint}`,
            payload: {
              checkpointDays: checkpoint,
              matches: [
                {
                  matchId: row.match_id,
                  candidateId: row.candidate_id,
                  displayName: row.display_name,
                  offer: { kind: 'opening', id: row.opening_id, title: row.title },
                  hiredAt: new Date(row.hired_at).toISOString(),
                },
              ],
            },
            candidateIds: [row.candidate_id],
          });
        }
      }
      return due;
    });
  }

  /**
   * In one transaction: the notifications `due` reads are recorded (each once, by dedupe key), each new one
   * gets a delivery per channel of its caseworker, and one DeliveriesRequested announces them. Returns how
   * many were new.
   */
  private async recordForCaseworkers(correlation: string, due: (manager: EntityManager) => Promise<NewNotification[]>): Promise<number> {
    let recorded = 0;
    await this.dataSource.transaction(async (manager) => {
      const deliveryIds: string[] = [];
      for (const notification of await due(manager)) {
        const id = await this.store.record(manager, notification);
        if (id === undefined) continue;
        recorded++;
        for (const channel of await deliveryChannels(this.store, manager, this.config, 'caseworker', notification.recipientId)) {
          deliveryIds.push(await this.store.addDelivery(manager, id, channel));
        }
      }
      if (deliveryIds.length > 0) await appendToOutbox(manager, [outboxEvent('DeliveriesRequested', { deliveryIds })], `${correlation}-${randomUUID()}`);
    });
    if (recorded > 0) this.relay.wake();
    return recorded;
  }
}
