import { Inject, Injectable, Logger } from '@nestjs/common';
import { lastMinuteOccurrences } from '@huigong/matching';
import { decideOffer, localDayStart, personalBudget } from '@huigong/notifications';
import { MatchStore, StandbyStore, candidateProfile, isMatchable, slotOffer } from '@huigong/persistence';
import { APP_CONFIG, type AppConfig } from '@huigong/platform';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { MatchingService } from './matching.service';

/** How often the standby pool is swept: well within the 30 minutes before an occurrence that it looks ahead. */
export const STANDBY_SWEEP_MS = 30_000;

/**
 * The standby pool's sweep, the `OfferStandbySeats` tick (every 30 seconds, in one matcher however many run:
 * MatcherTicksProcessor), as the expiry sweep: the occurrences of active slots at open service points
 * starting within the next 30 minutes that still have free seats (offers expired, withdrawn or never made)
 * are offered to the people standing by for that point
 * (Proposer.offerLastMinute: the slot's rules with standby in place of the break rule, the rotation's
 * order, at most the free seats). Only people whose offer budget allows an offer now are considered (their
 * own daily cap and quiet hours, or the deployment's, counted as the notifier counts them): a seat held for
 * someone who would hear of it tomorrow is a seat lost. Each slot is offered under its row lock, and a unique
 * index keeps a person to one last-minute offer per occurrence, so sweeps of several matchers at once, or one
 * redone, offer each seat once.
 */
@Injectable()
export class StandbySweep {
  private readonly logger = new Logger(StandbySweep.name);

  constructor(
    private readonly matching: MatchingService,
    private readonly store: MatchStore,
    private readonly standby: StandbyStore,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** One pass; returns the ids of the last-minute offers written. */
  async sweep(): Promise<string[]> {
    const manager = this.dataSource.manager;
    const timeZone = this.config.appTimezone;
    const now = Date.now();
    // Read without a lock, to skip the slots with nothing about to start; each is judged again under its lock.
    const due = (await this.standby.slotsWithStandby(manager)).filter((row) => lastMinuteOccurrences(slotOffer(row, now, timeZone), now, timeZone).length > 0);
    if (due.length === 0) return [];
    const byPoint = await this.standby.standingBy(manager, [...new Set(due.map((row) => row.servicePointId))]);
    const ids = [...new Set([...byPoint.values()].flat())];
    const delivered = await this.standby.offersDeliveredSince(manager, ids, localDayStart(new Date(now), timeZone));
    const ready = new Map(
      (await this.store.candidates(manager, ids))
        .filter((row) => isMatchable(row))
        .filter((row) => {
          const policy = personalBudget(this.config.offerBudget, row.noticePreferences);
          return decideOffer({ sentToday: delivered.get(row.id) ?? 0, now: new Date(now), timeZone, policy }).send;
        })
        .map((row) => [row.id, candidateProfile(row)] as const),
    );
    const correlationId = randomUUID();
    const written: string[] = [];
    for (const slot of due) {
      const standby = (byPoint.get(slot.servicePointId) ?? []).flatMap((id) => {
        const profile = ready.get(id);
        return profile === undefined ? [] : [profile];
      });
      written.push(...(await this.matching.offerLastMinute(slot.id, standby, correlationId)));
    }
    if (written.length > 0) this.logger.log(`Standby sweep: ${written.length} last-minute offers (correlation ${correlationId}).`);
    return written;
  }
}
