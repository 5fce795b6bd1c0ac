import { Inject, Injectable, Logger } from '@nestjs/common';
import { type WeeklyWindow, nextOccurrenceEnd, overlapMinutes, weekIntervals } from '@huigong/domain';
import {
  type CandidateProfile,
  MatchingEngine,
  type OpeningOffer,
  type OpeningState,
  type ScoredMatch,
  type SlotOffer,
  type SlotState,
  allPass,
  checkOpening,
  checkSlot,
  shortlistSize,
  slotOfferLimit,
} from '@huigong/matching';
import { type EventJobData, UnitOfWork, type WriteTransaction, outboxEvent } from '@huigong/messaging';
import { MatchStore, type NewMatchRow, candidateProfile, isMatchable, openingOffer, slotOffer } from '@huigong/persistence';
import { APP_CONFIG, type AppConfig } from '@huigong/platform';
import { randomInt, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

const NO_ONE: ReadonlySet<string> = new Set();
const NEVER: ReadonlyMap<string, number> = new Map();
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A single-use code a worker shows at the counter: 8 characters, no look-alikes (0/O, 1/I). */
export function redemptionCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** What changed in the index after an event: other matchers refresh these from PostgreSQL. */
export interface IndexChange {
  entity: 'candidate' | 'opening' | 'slot';
  id: string;
}

/**
 * The matcher's work: keeps its engine current from the events, and turns each change into matches in
 * both directions. The engine proposes; PostgreSQL decides, under row locks, so several matchers can
 * run at once: caps are checked against committed rows, never against this process's memory alone.
 */
@Injectable()
export class MatchingService {
  private readonly logger = new Logger(MatchingService.name);
  readonly engine = new MatchingEngine();
  /** Hints kept in memory (the database has the final word): open job matches per person, per opening, open offers per slot. */
  private perCandidate = new Map<string, number>();
  private perOpening = new Map<string, number>();
  private perSlot = new Map<string, number>();

  constructor(
    private readonly store: MatchStore,
    private readonly unitOfWork: UnitOfWork,
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Builds the engine from PostgreSQL: every matchable person, open opening and active slot. */
  async load(): Promise<{ people: number; openings: number; slots: number; ms: number }> {
    const started = performance.now();
    await this.store.forEachMatchableCandidate(20_000, (rows) => {
      for (const row of rows) this.engine.people.upsert(candidateProfile(row));
    });
    // People of one cell side by side in memory: scans read sequentially.
    this.engine.people.relayout();
    const now = Date.now();
    for (const row of await this.store.activeOpenings()) this.engine.openings.upsert(openingOffer(row, now));
    for (const row of await this.store.activeSlots()) this.engine.slots.upsert(slotOffer(row, now));
    const counts = await this.store.openCounts();
    this.perCandidate = counts.perCandidate;
    this.perOpening = counts.perOpening;
    this.perSlot = counts.perSlot;
    const result = { people: this.engine.people.size, openings: this.engine.openings.size, slots: this.engine.slots.size, ms: Math.round(performance.now() - started) };
    this.logger.log(`Index built: ${result.people} people, ${result.openings} openings, ${result.slots} slots in ${result.ms} ms.`);
    return result;
  }

  /** Handles one domain event; returns what changed, for the other matchers. */
  async handle(event: EventJobData): Promise<IndexChange[]> {
    const correlationId = event.correlationId;
    const payload = event.payload as Record<string, string>;
    switch (event.eventName) {
      case 'OpeningPosted':
      case 'OpeningUpdated':
      case 'OpeningClosed':
        await this.offerChanged('opening', payload.openingId, correlationId);
        return [{ entity: 'opening', id: payload.openingId }];
      case 'SlotPublished':
      case 'SlotUpdated':
      case 'SlotWithdrawn':
        await this.offerChanged('slot', payload.slotId, correlationId);
        return [{ entity: 'slot', id: payload.slotId }];
      case 'CandidateRegistered':
      case 'CandidateUpdated':
      case 'CandidateErased':
        await this.candidateChanged(payload.candidateId, correlationId);
        return [{ entity: 'candidate', id: payload.candidateId }];
      case 'MatchStatusChanged':
        if (payload.offerKind === 'opening') await this.proposeForOpening(payload.offerId, correlationId);
        else await this.proposeForSlot(payload.offerId, correlationId);
        return [];
      default:
        return [];
    }
  }

  /** Refreshes this process's copy of an entity from PostgreSQL (a change another matcher handled). */
  async refresh(change: IndexChange): Promise<void> {
    const manager = this.dataSource.manager;
    const now = Date.now();
    if (change.entity === 'candidate') {
      const row = await this.store.candidate(manager, change.id);
      if (isMatchable(row)) this.engine.people.upsert(candidateProfile(row));
      else this.engine.people.remove(change.id);
    } else if (change.entity === 'opening') {
      const row = await this.store.opening(manager, change.id);
      if (row !== null && openingOffer(row, now).accepting) this.engine.openings.upsert(openingOffer(row, now));
      else this.engine.openings.remove(change.id);
    } else {
      const row = await this.store.slot(manager, change.id);
      if (row !== null && slotOffer(row, now).accepting) this.engine.slots.upsert(slotOffer(row, now));
      else this.engine.slots.remove(change.id);
    }
  }

  /**
   * Another matcher handled a change: this one refreshes its copy, then looks at the entity once more
   * against what it knows. Two matchers handling a new person and a new opening at the same moment each
   * rank against a copy that lacks the other's; whichever hears of the other last proposes the pair. A
   * repeat is harmless: the writes are checked under locks, and an offer without room proposes no one.
   */
  async reconsider(change: IndexChange, correlationId: string): Promise<void> {
    await this.refresh(change);
    if (change.entity === 'opening') await this.proposeForOpening(change.id, correlationId);
    else if (change.entity === 'slot') await this.proposeForSlot(change.id, correlationId);
    else {
      const row = await this.store.candidate(this.dataSource.manager, change.id);
      if (isMatchable(row)) await this.proposeForCandidate(candidateProfile(row), correlationId);
    }
  }

  /** Slot offers whose occurrence has passed expire, and the next people in line are offered the seats. */
  async expireSlotOffers(): Promise<number> {
    const slotIds = await this.store.expireSlotOffers();
    for (const slotId of slotIds) await this.proposeForSlot(slotId, randomUUID());
    return slotIds.length;
  }

  /**
   * An opening or slot was posted, changed, closed or withdrawn. Gone (closed, withdrawn, expired): its open
   * matches are withdrawn. Changed: the proposals that no longer fit are withdrawn, and it is filled again.
   */
  private async offerChanged(kind: 'opening' | 'slot', offerId: string, correlationId: string): Promise<void> {
    await this.refresh({ entity: kind, id: offerId });
    const offer = kind === 'opening' ? this.engine.openings.get(offerId) : this.engine.slots.get(offerId);
    const where = kind === 'opening' ? { openingId: offerId } : { slotId: offerId };
    if (offer === undefined) {
      await this.unitOfWork.run(({ manager }) => this.store.withdraw(manager, where), { correlationId });
      (kind === 'opening' ? this.perOpening : this.perSlot).delete(offerId);
      return;
    }
    const fits = (profile: CandidateProfile): boolean =>
      allPass(kind === 'opening' ? checkOpening(profile, offer as OpeningOffer, this.engine.policy) : checkSlot(profile, offer as SlotOffer, this.engine.policy));
    await this.unitOfWork.run(async ({ manager }) => {
      const proposed = await this.store.proposedMatches(manager, where);
      const people = new Map((await this.store.candidates(manager, proposed.map((match) => match.candidate_id))).map((row) => [row.id, row]));
      const misfits = proposed
        .filter((match) => {
          const row = people.get(match.candidate_id) ?? null;
          return !isMatchable(row) || !fits(candidateProfile(row));
        })
        .map((match) => match.id);
      if (misfits.length > 0) await this.store.withdraw(manager, { matchIds: misfits });
    }, { correlationId });
    if (kind === 'opening') await this.proposeForOpening(offerId, correlationId);
    else await this.proposeForSlot(offerId, correlationId);
  }

  private async candidateChanged(candidateId: string, correlationId: string): Promise<void> {
    await this.refresh({ entity: 'candidate', id: candidateId });
    const row = await this.store.candidate(this.dataSource.manager, candidateId);
    let freed: { openingIds: string[]; slotIds: string[] } = { openingIds: [], slotIds: [] };
    if (!isMatchable(row)) {
      // Erased or no longer consenting: every open match goes, and the places go to the next people.
      freed = await this.unitOfWork.run(({ manager }) => this.store.withdraw(manager, { candidateId }), { correlationId });
    } else {
      const profile = candidateProfile(row);
      freed = await this.unitOfWork.run(async ({ manager }) => {
        const proposed = await this.store.proposedMatches(manager, { candidateId });
        const misfits = proposed
          .filter((match) => {
            const opening = match.opening_id === null ? undefined : this.engine.openings.get(match.opening_id);
            const slot = match.slot_id === null ? undefined : this.engine.slots.get(match.slot_id);
            if (opening !== undefined) return !allPass(checkOpening(profile, opening, this.engine.policy));
            if (slot !== undefined) return !allPass(checkSlot(profile, slot, this.engine.policy));
            return false;
          })
          .map((match) => match.id);
        return misfits.length === 0 ? { openingIds: [], slotIds: [] } : this.store.withdraw(manager, { matchIds: misfits });
      }, { correlationId });
      await this.proposeForCandidate(profile, correlationId);
    }
    for (const openingId of freed.openingIds) await this.proposeForOpening(openingId, correlationId);
    for (const slotId of freed.slotIds) await this.proposeForSlot(slotId, correlationId);
  }

  /** Fills an opening's shortlist with the best people who fit, within every person's cap. */
  async proposeForOpening(openingId: string, correlationId: string): Promise<string[]> {
    const now = Date.now();
    let openBefore = 0;
    const matchIds = await this.unitOfWork.run(async (tx) => {
      const row = await this.store.opening(tx.manager, openingId, true);
      if (row === null || !openingOffer(row, now).accepting) return [];
      const offer = openingOffer(row, now);
      const history = await this.store.openingHistory(tx.manager, openingId);
      openBefore = history.openMatches;
      const excluded = new Set(history.matched);
      const accepted: NewMatchRow[] = [];
      // The engine ranks with this process's counts; the locked rows may say a person is full since:
      // then they are skipped and the next in line asked for, a few rounds at most.
      for (let round = 0; round < 3; round++) {
        const state: OpeningState = { matchedCandidateIds: excluded, openMatches: history.openMatches + accepted.length };
        const ranked = this.engine.matchOpening(offer, state, { openJobMatches: (id) => this.perCandidate.get(id) ?? 0 }, now);
        if (ranked.length === 0) break;
        const locked = await this.store.lockCandidates(tx.manager, ranked.map((match) => match.candidateId));
        let refused = 0;
        for (const match of ranked) {
          excluded.add(match.candidateId);
          const person = locked.get(match.candidateId);
          if (person === undefined || person.openJobMatches >= this.engine.policy.maxOpenJobMatchesPerPerson) {
            if (person !== undefined) this.perCandidate.set(match.candidateId, person.openJobMatches);
            refused++;
            continue;
          }
          accepted.push({ id: randomUUID(), candidateId: match.candidateId, caseworkerId: person.caseworkerId, score: match.score, reasons: match.reasons });
        }
        if (refused === 0) break;
      }
      return this.insert(tx, 'opening', openingId, accepted);
    }, { correlationId });
    // The count just read under the lock, not an increment: places freed since (declined, withdrawn) show.
    this.perOpening.set(openingId, openBefore + matchIds.length);
    return matchIds;
  }

  /** Offers a slot's free places to the people who fit, rotating among them. */
  async proposeForSlot(slotId: string, correlationId: string): Promise<string[]> {
    const now = Date.now();
    let openBefore = 0;
    const matchIds = await this.unitOfWork.run(async (tx) => {
      const row = await this.store.slot(tx.manager, slotId, true);
      if (row === null || !slotOffer(row, now).accepting) return [];
      const offer = slotOffer(row, now);
      const history = await this.store.slotHistory(tx.manager, slotId);
      openBefore = history.openOffers;
      const state: SlotState = { offeredCandidateIds: history.offered, openOffers: history.openOffers, lastOfferedAt: history.lastOfferedAt };
      const ranked = this.engine.matchSlot(offer, state, now);
      const locked = await this.store.lockCandidates(tx.manager, ranked.map((match) => match.candidateId));
      const accepted = ranked
        .filter((match) => locked.has(match.candidateId))
        .map((match) => this.slotOfferRow(match, locked.get(match.candidateId)!.caseworkerId, offer.windows, now));
      return this.insert(tx, 'slot', slotId, accepted);
    }, { correlationId });
    // The count just read under the lock: offers redeemed or expired since free their places here too.
    this.perSlot.set(slotId, openBefore + matchIds.length);
    return matchIds;
  }

  /** A new or changed person: the openings and slots they fit that have room, up to their cap. */
  async proposeForCandidate(profile: CandidateProfile, correlationId: string): Promise<void> {
    const now = Date.now();
    const id = profile.id;
    const before = await this.store.candidateHistory(this.dataSource.manager, id);
    const toOpenings = this.engine.matchCandidateToOpenings(
      profile,
      (openingId): OpeningState => ({ matchedCandidateIds: before.openingIds.has(openingId) ? new Set([id]) : NO_ONE, openMatches: this.perOpening.get(openingId) ?? 0 }),
      before.openJobMatches,
      now,
    );
    const toSlots = this.engine.matchCandidateToSlots(
      profile,
      (slotId): SlotState => ({ offeredCandidateIds: before.openSlotOfferIds.has(slotId) ? new Set([id]) : NO_ONE, openOffers: this.perSlot.get(slotId) ?? 0, lastOfferedAt: NEVER }),
      now,
    );
    if (toOpenings.length === 0 && toSlots.length === 0) return;
    await this.unitOfWork.run(async (tx) => {
      // Offers first, then the person: the one lock order of every matcher.
      const openOpenings = await this.store.lockOffers(tx.manager, 'openings', toOpenings.map((match) => match.offerId));
      const activeSlots = await this.store.lockOffers(tx.manager, 'slots', toSlots.map((match) => match.offerId));
      const person = (await this.store.lockCandidates(tx.manager, [id])).get(id);
      if (person === undefined) return;
      const history = await this.store.candidateHistory(tx.manager, id);
      const openingCounts = await this.store.openMatchesOf(tx.manager, 'opening', [...openOpenings]);
      let room = this.engine.policy.maxOpenJobMatchesPerPerson - history.openJobMatches;
      for (const match of toOpenings) {
        const opening = this.engine.openings.get(match.offerId);
        if (room <= 0) break;
        if (opening === undefined || !openOpenings.has(match.offerId) || history.openingIds.has(match.offerId)) continue;
        if ((openingCounts.get(match.offerId) ?? 0) >= shortlistSize(opening.positions, this.engine.policy)) continue;
        const inserted = await this.insert(tx, 'opening', match.offerId, [{ id: randomUUID(), candidateId: id, caseworkerId: person.caseworkerId, score: match.score, reasons: match.reasons }]);
        if (inserted.length > 0) {
          room--;
          this.perOpening.set(match.offerId, (this.perOpening.get(match.offerId) ?? 0) + 1);
        }
      }
      const slotCounts = await this.store.openMatchesOf(tx.manager, 'slot', [...activeSlots]);
      for (const match of toSlots) {
        const slot = this.engine.slots.get(match.offerId);
        if (slot === undefined || !activeSlots.has(match.offerId) || history.openSlotOfferIds.has(match.offerId)) continue;
        if ((slotCounts.get(match.offerId) ?? 0) >= slotOfferLimit(slot.capacity, this.engine.policy)) continue;
        const row = this.slotOfferRow({ candidateId: id, score: match.score, reasons: match.reasons }, person.caseworkerId, slot.windows, now);
        const inserted = await this.insert(tx, 'slot', match.offerId, [row]);
        if (inserted.length > 0) this.perSlot.set(match.offerId, (this.perSlot.get(match.offerId) ?? 0) + 1);
      }
      this.perCandidate.set(id, this.engine.policy.maxOpenJobMatchesPerPerson - room);
    }, { correlationId });
  }

  /** Writes matches of one offer and, when any were new, one MatchesProposed for the notifier. */
  private async insert(tx: WriteTransaction, kind: 'opening' | 'slot', offerId: string, rows: NewMatchRow[]): Promise<string[]> {
    const matchIds = await this.store.insertMatches(tx.manager, kind, offerId, rows);
    if (matchIds.length > 0) tx.emit(outboxEvent('MatchesProposed', { offerKind: kind, offerId, matchIds }));
    for (const row of rows) if (kind === 'opening' && matchIds.includes(row.id)) this.perCandidate.set(row.candidateId, (this.perCandidate.get(row.candidateId) ?? 0) + 1);
    return matchIds;
  }

  /** A slot offer: a redemption code, valid until the end of the next window the person's break meets. */
  private slotOfferRow(match: Pick<ScoredMatch, 'candidateId' | 'score' | 'reasons'>, caseworkerId: string, windows: readonly WeeklyWindow[], now: number): NewMatchRow {
    const breaks = this.engine.breakPiecesOf(match.candidateId);
    let expiresAt: Date | undefined;
    for (const window of windows) {
      const pieces = weekIntervals([window]);
      const meets = breaks.some((piecesOfBreak) => overlapMinutes(piecesOfBreak, pieces) >= this.engine.policy.minBreakOverlapMinutes);
      if (!meets) continue;
      const end = nextOccurrenceEnd(window, new Date(now), this.config.appTimezone);
      if (expiresAt === undefined || end < expiresAt) expiresAt = end;
    }
    return { id: randomUUID(), candidateId: match.candidateId, caseworkerId, score: match.score, reasons: match.reasons, redemptionCode: redemptionCode(), expiresAt };
  }
}
