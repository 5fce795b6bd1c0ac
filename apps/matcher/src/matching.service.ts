import { Inject, Injectable, Logger } from '@nestjs/common';
import { type WeeklyWindow, nextOccurrenceEnd, overlapMinutes, weekIntervals } from '@huigong/domain';
import {
  type CandidateProfile,
  CountHints,
  MatchingEngine,
  type OpeningOffer,
  type OpeningState,
  type ScoredMatch,
  type SlotOffer,
  type SlotState,
  allPass,
  checkOpening,
  checkSlot,
  rankRechecked,
  shortlistSize,
  slotOfferLimit,
} from '@huigong/matching';
import { type EventJobData, UnitOfWork, type WriteTransaction, outboxEvent } from '@huigong/messaging';
import {
  type CandidateEntity,
  type CandidateHistory,
  MatchStore,
  type NewMatchRow,
  type Withdrawn,
  candidateProfile,
  isMatchable,
  openingOffer,
  slotOffer,
} from '@huigong/persistence';
import { APP_CONFIG, type AppConfig, MicroBatch } from '@huigong/platform';
import { randomInt, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';

const NO_ONE: ReadonlySet<string> = new Set();
const NEVER: ReadonlyMap<string, number> = new Map();
const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/**
 * How long a count read from PostgreSQL that says "full" is believed before whoever it hides is re-read.
 * Within it, a place freed where this matcher did not see it (a broadcast lost while it was disconnected)
 * may hide someone from the offers it ranks; past it, never. Longer saves queries in bursts.
 */
export const COUNT_TRUST_MS = 5_000;
/** Lapsed openings are swept from a little before the last sweep: a write committed late is not missed. */
const LAPSE_SWEEP_OVERLAP_MS = 5 * 60_000;

/** A single-use code a worker shows at the counter: 8 characters, no look-alikes (0/O, 1/I). */
export function redemptionCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/**
 * What changed after an event: other matchers refresh these from PostgreSQL. `open-job-matches`: a person
 * whose open job matches went down (a place freed on their cap); the others re-read that count.
 */
export interface IndexChange {
  entity: 'candidate' | 'opening' | 'slot' | 'open-job-matches';
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
  /**
   * Hints kept in memory (the database has the final word): open job matches per person, per opening,
   * open offers per slot. Every path that ends a match here sets them from the rows; a count that says
   * "full" is re-read before it may hide anyone once COUNT_TRUST_MS has passed (see rankRechecked).
   */
  private readonly perCandidate = new CountHints(COUNT_TRUST_MS);
  private readonly perOpening = new CountHints(COUNT_TRUST_MS);
  private readonly perSlot = new CountHints(COUNT_TRUST_MS);
  /** Up to when (the database's clock) openings past their validUntil were swept; null: not yet since start. */
  private lapsedSweptUntil: Date | null = null;
  /**
   * Reads made outside a transaction by events handled at the same moment (the worker takes several at
   * once) are gathered into one statement each: a burst of registrations reads its people and their
   * matches in one round trip each rather than one per event.
   */
  private readonly candidateReads = new MicroBatch<string, CandidateEntity | null>(async (ids) => {
    const rows = new Map((await this.store.candidates(this.dataSource.manager, [...new Set(ids)])).map((row) => [row.id, row]));
    return ids.map((id) => rows.get(id) ?? null);
  });
  private readonly historyReads = new MicroBatch<string, CandidateHistory>(async (ids) => {
    const histories = await this.store.candidateHistories(this.dataSource.manager, [...new Set(ids)]);
    return ids.map((id) => histories.get(id) as CandidateHistory);
  });

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
    this.perCandidate.replaceAll(counts.perCandidate);
    this.perOpening.replaceAll(counts.perOpening);
    this.perSlot.replaceAll(counts.perSlot);
    const result = {
      people: this.engine.people.size,
      openings: this.engine.openings.size,
      slots: this.engine.slots.size,
      ms: Math.round(performance.now() - started),
    };
    this.logger.log(`Index built: ${result.people} people, ${result.openings} openings, ${result.slots} slots in ${result.ms} ms.`);
    return result;
  }

  /** Handles one domain event; returns what changed, for the other matchers. */
  async handle(event: EventJobData): Promise<IndexChange[]> {
    const correlationId = event.correlationId;
    const payload = event.payload as Record<string, string>;
    switch (event.eventName) {
      case 'CandidatesImported': {
        const ids = (event.payload as { candidateIds: string[] }).candidateIds;
        await this.matchPeopleOfferSide(ids, correlationId);
        return ids.map((id): IndexChange => ({ entity: 'candidate', id }));
      }
      case 'OpeningPosted':
      case 'OpeningUpdated':
      case 'OpeningClosed':
        return [{ entity: 'opening', id: payload.openingId }, ...(await this.offerChanged('opening', payload.openingId, correlationId))];
      case 'SlotPublished':
      case 'SlotUpdated':
      case 'SlotWithdrawn':
        return [{ entity: 'slot', id: payload.slotId }, ...(await this.offerChanged('slot', payload.slotId, correlationId))];
      case 'CandidateRegistered':
      case 'CandidateUpdated':
      case 'CandidateErased':
        return [{ entity: 'candidate', id: payload.candidateId }, ...(await this.candidateChanged(payload.candidateId, correlationId))];
      case 'MatchStatusChanged':
        if (payload.offerKind === 'opening') return this.jobMatchMoved(payload.matchId, payload.offerId, correlationId);
        await this.proposeForSlot(payload.offerId, correlationId);
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
      await this.refreshCandidate(change.id);
    } else if (change.entity === 'opening') {
      const row = await this.store.opening(manager, change.id);
      if (row !== null && openingOffer(row, now).accepting) this.engine.openings.upsert(openingOffer(row, now));
      else this.engine.openings.remove(change.id);
    } else if (change.entity === 'slot') {
      const row = await this.store.slot(manager, change.id);
      if (row !== null && slotOffer(row, now).accepting) this.engine.slots.upsert(slotOffer(row, now));
      else this.engine.slots.remove(change.id);
    } else {
      await this.recount([change.id]);
    }
  }

  /** Refreshes this process's copy of a person, and returns the row read (null: gone), for the caller to use rather than read again. */
  private async refreshCandidate(id: string): Promise<CandidateEntity | null> {
    const row = await this.candidateReads.run(id);
    if (isMatchable(row)) this.engine.people.upsert(candidateProfile(row));
    else this.engine.people.remove(id);
    return row;
  }

  /**
   * What another matcher broadcast: the people whose places it freed are re-read, all in one query, then
   * each changed entity is reconsidered.
   */
  async heard(changes: readonly IndexChange[], correlationId: string): Promise<void> {
    await this.recount(changes.filter((change) => change.entity === 'open-job-matches').map((change) => change.id));
    // Many people at once (an imported chunk): read together and matched offer-side, as the matcher that
    // handled the event did; one person: reconsidered as one.
    const people = changes.filter((change) => change.entity === 'candidate').map((change) => change.id);
    if (people.length > 1) await this.matchPeopleOfferSide(people, correlationId);
    for (const change of changes) {
      if (change.entity === 'open-job-matches' || (people.length > 1 && change.entity === 'candidate')) continue;
      await this.reconsider(change, correlationId);
    }
  }

  /**
   * Many new (or changed) people at once, a bulk import's chunk: their rows are read in one statement and
   * put in the engine, then they are matched offer-side. Every open opening and active slot within reach
   * of any of them ranks only them (an engine of just these people), and one that has room and someone to
   * propose does so under its locks, exactly as when it is posted: the caps and the shortlist are checked on
   * the locked rows. An offer with room has already proposed everyone else who fits, so ranking only the
   * newcomers gives it what ranking everyone would. Costs one transaction per offer that gains someone,
   * rather than several statements per person.
   */
  async matchPeopleOfferSide(ids: readonly string[], correlationId: string): Promise<void> {
    if (ids.length === 0) return;
    const manager = this.dataSource.manager;
    const rows = new Map((await this.store.candidates(manager, [...ids])).map((row) => [row.id, row]));
    const newcomers = new MatchingEngine(this.engine.policy);
    const arrived: CandidateEntity[] = [];
    for (const id of ids) {
      const row = rows.get(id) ?? null;
      if (!isMatchable(row)) {
        this.engine.people.remove(id);
        continue;
      }
      const profile = candidateProfile(row);
      this.engine.people.upsert(profile);
      newcomers.people.upsert(profile);
      arrived.push(row);
    }
    if (arrived.length === 0) return;
    // The offers within reach of any of them (each offer's own radius is checked when it ranks them).
    const openingIds = new Set<string>();
    const slotIds = new Set<string>();
    for (const row of arrived) {
      const reachKm = row.maxTravelKm ?? Number.POSITIVE_INFINITY;
      this.engine.openings.forEachReaching(row.lat as number, row.lng as number, reachKm, (opening) => openingIds.add(opening.id));
      this.engine.slots.forEachReaching(row.lat as number, row.lng as number, reachKm, (slot) => slotIds.add(slot.id));
    }
    // Their counts and the offers', each one statement: fresh, so that offers without room cost nothing more.
    const held = await this.store.openJobMatchesOf(
      manager,
      arrived.map((row) => row.id),
    );
    for (const row of arrived) this.perCandidate.set(row.id, held.get(row.id) ?? 0);
    const now = Date.now();
    const openingCounts = await this.store.openMatchesOf(manager, 'opening', [...openingIds]);
    for (const openingId of openingIds) {
      const offer = this.engine.openings.get(openingId);
      if (offer === undefined) continue;
      const openMatches = openingCounts.get(openingId) ?? 0;
      this.perOpening.set(openingId, openMatches);
      const fits = newcomers.matchOpening(offer, { matchedCandidateIds: NO_ONE, openMatches }, { openJobMatches: (id) => this.perCandidate.get(id) }, now);
      if (fits.length > 0) await this.proposeForOpening(openingId, correlationId, newcomers);
    }
    const slotCounts = await this.store.openMatchesOf(manager, 'slot', [...slotIds]);
    for (const slotId of slotIds) {
      const offer = this.engine.slots.get(slotId);
      if (offer === undefined) continue;
      const openOffers = slotCounts.get(slotId) ?? 0;
      this.perSlot.set(slotId, openOffers);
      const fits = newcomers.matchSlot(offer, { offeredCandidateIds: NO_ONE, openOffers, lastOfferedAt: NEVER }, now);
      if (fits.length > 0) await this.proposeForSlot(slotId, correlationId, newcomers);
    }
  }

  /**
   * Another matcher handled a change: this one refreshes its copy, then looks at the entity once more
   * against what it knows. Two matchers handling a new person and a new opening at the same moment each
   * rank against a copy that lacks the other's; whichever hears of the other last proposes the pair. A
   * repeat is harmless: the writes are checked under locks, and an offer without room proposes no one.
   */
  async reconsider(change: IndexChange, correlationId: string): Promise<void> {
    if (change.entity === 'candidate') {
      const row = await this.refreshCandidate(change.id);
      if (isMatchable(row)) await this.proposeForCandidate(candidateProfile(row), correlationId);
      return;
    }
    await this.refresh(change);
    if (change.entity === 'opening') await this.proposeForOpening(change.id, correlationId);
    else if (change.entity === 'slot') await this.proposeForSlot(change.id, correlationId);
  }

  /** Slot offers whose occurrence has passed expire, and the next people in line are offered the seats. */
  async expireSlotOffers(): Promise<number> {
    const slotIds = await this.store.expireSlotOffers();
    for (const slotId of slotIds) await this.proposeForSlot(slotId, randomUUID());
    return slotIds.length;
  }

  /**
   * Openings past their validUntil are gone as if closed (no event says so: time passed): their open
   * matches are withdrawn, they leave the engine, and the people they held are released. Returns what
   * changed, for the other matchers.
   */
  async expireLapsedOpenings(): Promise<IndexChange[]> {
    const correlationId = randomUUID();
    const since = this.lapsedSweptUntil;
    const withdrawn = await this.unitOfWork.run(({ manager }) => this.store.withdrawFromLapsedOpenings(manager, since), { correlationId });
    this.lapsedSweptUntil = new Date(withdrawn.sweptAt.getTime() - LAPSE_SWEEP_OVERLAP_MS);
    for (const openingId of withdrawn.openingIds) {
      this.engine.openings.remove(openingId);
      this.perOpening.forget(openingId);
    }
    return [...withdrawn.openingIds.map((id): IndexChange => ({ entity: 'opening', id })), ...(await this.release(withdrawn, correlationId))];
  }

  /**
   * An opening or slot was posted, changed, closed or withdrawn. Gone (closed, withdrawn, expired): its open
   * matches are withdrawn. Changed: the proposals that no longer fit are withdrawn, and it is filled again.
   * Either way the people who lost a match are released. Returns them, for the other matchers.
   */
  private async offerChanged(kind: 'opening' | 'slot', offerId: string, correlationId: string): Promise<IndexChange[]> {
    await this.refresh({ entity: kind, id: offerId });
    const offer = kind === 'opening' ? this.engine.openings.get(offerId) : this.engine.slots.get(offerId);
    const where = kind === 'opening' ? { openingId: offerId } : { slotId: offerId };
    if (offer === undefined) {
      const withdrawn = await this.unitOfWork.run(({ manager }) => this.store.withdraw(manager, where), { correlationId });
      (kind === 'opening' ? this.perOpening : this.perSlot).forget(offerId);
      return this.release(withdrawn, correlationId);
    }
    const fits = (profile: CandidateProfile): boolean =>
      allPass(
        kind === 'opening' ? checkOpening(profile, offer as OpeningOffer, this.engine.policy) : checkSlot(profile, offer as SlotOffer, this.engine.policy),
      );
    // Read outside a transaction (no lock is taken; a new offer has no proposals at all): the withdrawal
    // re-checks each status on the locked rows, so a match a caseworker moved meanwhile keeps its new status.
    const manager = this.dataSource.manager;
    const proposed = await this.store.proposedMatches(manager, where);
    let withdrawn: Withdrawn | null = null;
    if (proposed.length > 0) {
      const people = new Map(
        (
          await this.store.candidates(
            manager,
            proposed.map((match) => match.candidate_id),
          )
        ).map((row) => [row.id, row]),
      );
      const misfits = proposed
        .filter((match) => {
          const row = people.get(match.candidate_id) ?? null;
          return !isMatchable(row) || !fits(candidateProfile(row));
        })
        .map((match) => match.id);
      if (misfits.length > 0) withdrawn = await this.unitOfWork.run(({ manager: tx }) => this.store.withdraw(tx, { matchIds: misfits }), { correlationId });
    }
    if (kind === 'opening') await this.proposeForOpening(offerId, correlationId);
    else await this.proposeForSlot(offerId, correlationId);
    return withdrawn === null ? [] : this.release(withdrawn, correlationId);
  }

  private async candidateChanged(candidateId: string, correlationId: string): Promise<IndexChange[]> {
    // One read of the row: it refreshes the engine and decides what follows.
    const row = await this.refreshCandidate(candidateId);
    const manager = this.dataSource.manager;
    let freed: { openingIds: string[]; slotIds: string[] };
    let lostJobMatches: boolean;
    if (!isMatchable(row)) {
      // Erased or no longer consenting: every open match goes, and the places go to the next people. The
      // API's erasure has withdrawn them already, in its own transaction: the offers they held are read back.
      const withdrawn = await this.unitOfWork.run(({ manager: tx }) => this.store.withdraw(tx, { candidateId }), { correlationId });
      const left = await this.store.offersLeftBy(manager, candidateId);
      freed = { openingIds: [...new Set([...withdrawn.openingIds, ...left.openingIds])], slotIds: [...new Set([...withdrawn.slotIds, ...left.slotIds])] };
      lostJobMatches = withdrawn.jobMatchesLost.size > 0 || this.perCandidate.get(candidateId) > 0 || left.openingIds.length > 0;
      this.perCandidate.forget(candidateId);
    } else {
      const profile = candidateProfile(row);
      // One read of the person's matches serves both the re-check of their proposals and, when none is
      // withdrawn, the ranking below. It is outside a transaction (it takes no lock, so a transaction would
      // add only its BEGIN and COMMIT); the withdrawal re-checks each status on the locked rows, so a match
      // a caseworker moved meanwhile keeps its new status.
      const before = await this.historyReads.run(candidateId);
      const misfits = before.proposed
        .filter((match) => {
          const opening = match.openingId === null ? undefined : this.engine.openings.get(match.openingId);
          const slot = match.slotId === null ? undefined : this.engine.slots.get(match.slotId);
          if (opening !== undefined) return !allPass(checkOpening(profile, opening, this.engine.policy));
          if (slot !== undefined) return !allPass(checkSlot(profile, slot, this.engine.policy));
          return false;
        })
        .map((match) => match.id);
      const withdrawn =
        misfits.length === 0 ? null : await this.unitOfWork.run(({ manager: tx }) => this.store.withdraw(tx, { matchIds: misfits }), { correlationId });
      freed = withdrawn ?? { openingIds: [], slotIds: [] };
      lostJobMatches = (withdrawn?.jobMatchesLost.size ?? 0) > 0;
      // Re-reads the person's own count when a place was freed above: it is theirs to fill.
      await this.proposeForCandidate(profile, correlationId, withdrawn === null ? before : undefined);
    }
    for (const openingId of freed.openingIds) await this.proposeForOpening(openingId, correlationId);
    for (const slotId of freed.slotIds) await this.proposeForSlot(slotId, correlationId);
    return lostJobMatches ? [{ entity: 'open-job-matches', id: candidateId }] : [];
  }

  /**
   * A caseworker moved a job match. Declined, no response or hired: the opening's place goes to the next
   * in line, and the person's place on their cap is theirs again: their count is re-read, and they are
   * offered to the openings that wait (ones their cap kept them from). Other moves change no count.
   */
  private async jobMatchMoved(matchId: string, openingId: string, correlationId: string): Promise<IndexChange[]> {
    const holder = await this.store.jobMatchHolder(this.dataSource.manager, matchId);
    await this.proposeForOpening(openingId, correlationId);
    if (holder === null || holder.open) return [];
    this.perCandidate.set(holder.candidateId, holder.openJobMatches);
    if (holder.openJobMatches < this.engine.policy.maxOpenJobMatchesPerPerson) await this.reconsiderPeople([holder.candidateId], correlationId);
    return [{ entity: 'open-job-matches', id: holder.candidateId }];
  }

  /**
   * Places freed on people's caps by a withdrawal: their counts are set from the rows (one query for all
   * of them), and whoever was full and has room now is offered to the openings and slots that wait for
   * them (their cap kept them from some). Returns the people, for the other matchers to re-read.
   */
  private async release(withdrawn: Withdrawn, correlationId: string): Promise<IndexChange[]> {
    const lost = withdrawn.jobMatchesLost;
    if (lost.size === 0) return [];
    const max = this.engine.policy.maxOpenJobMatchesPerPerson;
    const held = await this.store.openJobMatchesOf(this.dataSource.manager, [...lost.keys()]);
    const freed: string[] = [];
    for (const [id, count] of lost) {
      const now = held.get(id) ?? 0;
      const wasFull = now + count >= max || this.perCandidate.get(id) >= max;
      this.perCandidate.set(id, now);
      if (wasFull && now < max) freed.push(id);
    }
    await this.reconsiderPeople(freed, correlationId);
    return [...lost.keys()].map((id): IndexChange => ({ entity: 'open-job-matches', id }));
  }

  /** People with room again, against the offers within their reach (one read of their rows). */
  private async reconsiderPeople(ids: string[], correlationId: string): Promise<void> {
    if (ids.length === 0) return;
    for (const row of await this.store.candidates(this.dataSource.manager, ids)) {
      if (isMatchable(row)) await this.proposeForCandidate(candidateProfile(row), correlationId);
    }
  }

  /** Sets people's counts from PostgreSQL, one query for all of them (another matcher freed their places). */
  private async recount(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const held = await this.store.openJobMatchesOf(this.dataSource.manager, ids);
    for (const id of ids) this.perCandidate.set(id, held.get(id) ?? 0);
  }

  /**
   * Fills an opening's shortlist with the best people who fit, within every person's cap. The engine
   * ranks with this process's counts; a count that says full and is not fresh is re-read before it may
   * hide anyone (rankRechecked), and the locked rows have the final word: anyone full after all is
   * skipped and the next in line asked for, a few rounds at most.
   */
  async proposeForOpening(openingId: string, correlationId: string, among: MatchingEngine = this.engine): Promise<string[]> {
    const now = Date.now();
    const max = this.engine.policy.maxOpenJobMatchesPerPerson;
    const written = await this.unitOfWork.run(
      async (tx) => {
        const row = await this.store.opening(tx.manager, openingId, true);
        if (row === null || !openingOffer(row, now).accepting) return null;
        const offer = openingOffer(row, now);
        const history = await this.store.openingHistory(tx.manager, openingId);
        const excluded = new Set(history.matched);
        const accepted: (NewMatchRow & { held: number })[] = [];
        for (let round = 0; round < 3; round++) {
          const state: OpeningState = { matchedCandidateIds: excluded, openMatches: history.openMatches + accepted.length };
          const ranked = await rankRechecked(
            (openJobMatches) => among.matchOpening(offer, state, { openJobMatches }, now),
            this.perCandidate,
            (_id, held) => held >= max,
            (ids) => this.store.openJobMatchesOf(tx.manager, ids),
          );
          if (ranked.length === 0) break;
          const locked = await this.store.lockCandidates(
            tx.manager,
            ranked.map((match) => match.candidateId),
          );
          let refused = 0;
          for (const match of ranked) {
            excluded.add(match.candidateId);
            const person = locked.get(match.candidateId);
            if (person === undefined || person.openJobMatches >= max) {
              if (person !== undefined) this.perCandidate.set(match.candidateId, person.openJobMatches);
              refused++;
              continue;
            }
            accepted.push({
              id: randomUUID(),
              candidateId: match.candidateId,
              caseworkerId: person.caseworkerId,
              score: match.score,
              reasons: match.reasons,
              held: person.openJobMatches,
            });
          }
          if (refused === 0) break;
        }
        const matchIds = await this.insert(tx, 'opening', openingId, accepted);
        return { openMatches: history.openMatches + matchIds.length, matchIds, accepted };
      },
      { correlationId },
    );
    if (written === null) {
      this.perOpening.forget(openingId);
      return [];
    }
    // Counted under the locks and committed: exact, so places freed since (declined, withdrawn) show.
    this.perOpening.set(openingId, written.openMatches);
    const inserted = new Set(written.matchIds);
    for (const row of written.accepted) if (inserted.has(row.id)) this.perCandidate.set(row.candidateId, row.held + 1);
    return written.matchIds;
  }

  /** Offers a slot's free places to the people who fit (`among`: only these), rotating among them. */
  async proposeForSlot(slotId: string, correlationId: string, among: MatchingEngine = this.engine): Promise<string[]> {
    const now = Date.now();
    const written = await this.unitOfWork.run(
      async (tx) => {
        const row = await this.store.slot(tx.manager, slotId, true);
        if (row === null || !slotOffer(row, now).accepting) return null;
        const offer = slotOffer(row, now);
        const history = await this.store.slotHistory(tx.manager, slotId);
        const state: SlotState = { offeredCandidateIds: history.offered, openOffers: history.openOffers, lastOfferedAt: history.lastOfferedAt };
        const ranked = among.matchSlot(offer, state, now);
        const locked = await this.store.lockCandidates(
          tx.manager,
          ranked.map((match) => match.candidateId),
        );
        const accepted = ranked.flatMap((match) => {
          const person = locked.get(match.candidateId);
          return person === undefined ? [] : [this.slotOfferRow(match, person.caseworkerId, offer.windows, now)];
        });
        const matchIds = await this.insert(tx, 'slot', slotId, accepted);
        return { openOffers: history.openOffers + matchIds.length, matchIds };
      },
      { correlationId },
    );
    if (written === null) {
      this.perSlot.forget(slotId);
      return [];
    }
    // The count just read under the lock: offers redeemed or expired since free their places here too.
    this.perSlot.set(slotId, written.openOffers);
    return written.matchIds;
  }

  /**
   * A new or changed person (or one with room again): the openings and slots they fit that have room, up
   * to their cap. The counts of offers that say full and are not fresh are re-read before they may hide
   * an offer from the person (rankRechecked); the locked rows have the final word.
   */
  async proposeForCandidate(profile: CandidateProfile, correlationId: string, known?: CandidateHistory): Promise<void> {
    const now = Date.now();
    const id = profile.id;
    const policy = this.engine.policy;
    const manager = this.dataSource.manager;
    // The caller's read of the person's matches, when it has one just made; otherwise read now.
    const before = known ?? (await this.historyReads.run(id));
    this.perCandidate.set(id, before.openJobMatches);
    const toOpenings = await rankRechecked(
      (openMatches) =>
        this.engine.matchCandidateToOpenings(
          profile,
          (openingId): OpeningState => ({
            matchedCandidateIds: before.openingIds.has(openingId) ? new Set([id]) : NO_ONE,
            openMatches: openMatches(openingId),
          }),
          before.openJobMatches,
          now,
        ),
      this.perOpening,
      (openingId, open) => {
        const opening = this.engine.openings.get(openingId);
        return opening !== undefined && !before.openingIds.has(openingId) && open >= shortlistSize(opening.positions, policy);
      },
      (ids) => this.store.openMatchesOf(manager, 'opening', ids),
    );
    const toSlots = await rankRechecked(
      (openOffers) =>
        this.engine.matchCandidateToSlots(
          profile,
          (slotId): SlotState => ({
            offeredCandidateIds: before.openSlotOfferIds.has(slotId) ? new Set([id]) : NO_ONE,
            openOffers: openOffers(slotId),
            lastOfferedAt: NEVER,
          }),
          now,
        ),
      this.perSlot,
      (slotId, open) => {
        const slot = this.engine.slots.get(slotId);
        return slot !== undefined && !before.openSlotOfferIds.has(slotId) && open >= slotOfferLimit(slot.capacity, policy);
      },
      (ids) => this.store.openMatchesOf(manager, 'slot', ids),
    );
    if (toOpenings.length === 0 && toSlots.length === 0) return;
    const written = await this.unitOfWork.run(
      async (tx) => {
        // Offers first, then the person: the one lock order of every matcher.
        const openOpenings = await this.store.lockOffers(
          tx.manager,
          'openings',
          toOpenings.map((match) => match.offerId),
        );
        const activeSlots = await this.store.lockOffers(
          tx.manager,
          'slots',
          toSlots.map((match) => match.offerId),
        );
        // The person's count comes from the history read after the lock (a statement of its own, so its
        // snapshot sees what the transaction it waited for committed): the lock need not count too.
        const person = await this.store.lockCandidate(tx.manager, id);
        if (person === null) return null;
        const history = await this.store.candidateHistory(tx.manager, id);
        const openingCounts = await this.store.openMatchesOf(tx.manager, 'opening', [...openOpenings]);
        let room = policy.maxOpenJobMatchesPerPerson - history.openJobMatches;
        for (const match of toOpenings) {
          const opening = this.engine.openings.get(match.offerId);
          if (room <= 0) break;
          if (opening === undefined || !openOpenings.has(match.offerId) || history.openingIds.has(match.offerId)) continue;
          if ((openingCounts.get(match.offerId) ?? 0) >= shortlistSize(opening.positions, policy)) continue;
          const inserted = await this.insert(tx, 'opening', match.offerId, [
            { id: randomUUID(), candidateId: id, caseworkerId: person.caseworkerId, score: match.score, reasons: match.reasons },
          ]);
          if (inserted.length > 0) {
            room--;
            openingCounts.set(match.offerId, (openingCounts.get(match.offerId) ?? 0) + 1);
          }
        }
        const slotCounts = await this.store.openMatchesOf(tx.manager, 'slot', [...activeSlots]);
        for (const match of toSlots) {
          const slot = this.engine.slots.get(match.offerId);
          if (slot === undefined || !activeSlots.has(match.offerId) || history.openSlotOfferIds.has(match.offerId)) continue;
          if ((slotCounts.get(match.offerId) ?? 0) >= slotOfferLimit(slot.capacity, policy)) continue;
          const row = this.slotOfferRow({ candidateId: id, score: match.score, reasons: match.reasons }, person.caseworkerId, slot.windows, now);
          const inserted = await this.insert(tx, 'slot', match.offerId, [row]);
          if (inserted.length > 0) slotCounts.set(match.offerId, (slotCounts.get(match.offerId) ?? 0) + 1);
        }
        return { held: policy.maxOpenJobMatchesPerPerson - room, openingCounts, slotCounts };
      },
      { correlationId },
    );
    if (written === null) return;
    // Counted under the locks and committed: exact.
    this.perCandidate.set(id, written.held);
    for (const [openingId, open] of written.openingCounts) this.perOpening.set(openingId, open);
    for (const [slotId, open] of written.slotCounts) this.perSlot.set(slotId, open);
  }

  /** Writes matches of one offer and, when any were new, one MatchesProposed for the notifier. */
  private async insert(tx: WriteTransaction, kind: 'opening' | 'slot', offerId: string, rows: NewMatchRow[]): Promise<string[]> {
    const matchIds = await this.store.insertMatches(tx.manager, kind, offerId, rows);
    if (matchIds.length > 0) tx.emit(outboxEvent('MatchesProposed', { offerKind: kind, offerId, matchIds }));
    return matchIds;
  }

  /** A slot offer: a redemption code, valid until the end of the next window the person's break meets. */
  private slotOfferRow(
    match: Pick<ScoredMatch, 'candidateId' | 'score' | 'reasons'>,
    caseworkerId: string,
    windows: readonly WeeklyWindow[],
    now: number,
  ): NewMatchRow {
    const breaks = this.engine.breakPiecesOf(match.candidateId);
    let expiresAt: Date | undefined;
    for (const window of windows) {
      const pieces = weekIntervals([window]);
      const meets = breaks.some((piecesOfBreak) => overlapMinutes(piecesOfBreak, pieces) >= this.engine.policy.minBreakOverlapMinutes);
      if (!meets) continue;
      const end = nextOccurrenceEnd(window, new Date(now), this.config.appTimezone);
      if (expiresAt === undefined || end < expiresAt) expiresAt = end;
    }
    return {
      id: randomUUID(),
      candidateId: match.candidateId,
      caseworkerId,
      score: match.score,
      reasons: match.reasons,
      redemptionCode: redemptionCode(),
      expiresAt,
    };
  }
}
