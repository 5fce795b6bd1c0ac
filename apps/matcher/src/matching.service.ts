import { Inject, Injectable, Logger } from '@nestjs/common';
import { type OfferKind, type WeeklyWindow, employmentWithHires, whyOpeningTakesNoOne, whySlotTakesNoOne } from '@huigong/domain';
import {
  type CandidateProfile,
  CountHints,
  type JobMatchHolder,
  type LockedCandidate,
  MatchingEngine,
  type NewMatch,
  type OpeningHistory,
  type OpeningOffer,
  type ProposalStore,
  type ProposalTransaction,
  Proposer,
  type SlotHistory,
  type SlotOffer,
  type ChangedOffer,
  misfitsOfOffer,
  misfitsOfPerson,
  type PersonMisfit,
  asOfferedLastMinute,
} from '@huigong/matching';
import { type EventJobData, type EventPayloads, UnitOfWork, type WriteTransaction, eventSubject, outboxEvent } from '@huigong/messaging';
import {
  type CandidateEntity,
  type CandidateHistory,
  CourseMenuStore,
  MatchStore,
  type Withdrawn,
  candidateProfile,
  isMatchable,
  mayHoldMatches,
  openingOffer,
  slotOffer,
  withOrderWindows,
} from '@huigong/persistence';
import { APP_CONFIG, type AppConfig, GroupCommit, MicroBatch, settleTogether } from '@huigong/platform';
import { randomUUID } from 'node:crypto';
import { FairLeadMaker } from './fair-leads';
import { type MatcherScope, matcherScope } from './matcher-scope';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * How long a count read from PostgreSQL that says "full" is believed before whoever it hides is re-read.
 * Within it, a place freed where this matcher did not see it (a broadcast lost while it was disconnected)
 * may hide someone from the offers it ranks; past it, never. Longer saves queries in bursts.
 */
export const COUNT_TRUST_MS = 5_000;
/** New openings filled in one transaction at most: a group's locks are held until all of it is written. */
const POSTED_OPENINGS_PER_GROUP = 32;
/** New or changed people given their offers in one transaction at most. */
const CHANGED_PEOPLE_PER_GROUP = 32;

/** Lapsed openings are swept from a little before the last sweep: a write committed late is not missed. */
const LAPSE_SWEEP_OVERLAP_MS = 5 * 60_000;

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
 * run at once: caps are checked against committed rows, never against this process's memory alone. The
 * decisions (rounds, caps, rotation, expiry, codes, who is offered again) are libs/matching's `Proposer`;
 * this service reads the rows it needs, keeps the engine current and gives the proposer the store below.
 */
@Injectable()
export class MatchingService {
  private readonly logger = new Logger(MatchingService.name);
  readonly engine: MatchingEngine;
  /** The part of the area this matcher decides for and keeps copies of (MATCHER_REGION); everything without regions. */
  readonly scope: MatcherScope;
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
  private readonly proposer: Proposer;
  /** The zone weekly windows and dated occurrences are read in (APP_TIMEZONE). */
  private readonly timeZone: string;
  /**
   * New and changed people given their offers together (Proposer.proposeForCandidates): a burst of
   * registrations costs a transaction per group rather than per person. As for new openings, one group at
   * a time, and a failed group is redone one person at a time.
   */
  private readonly changedPeople = new GroupCommit<{ profile: CandidateProfile; correlationId: string; known?: CandidateHistory }, undefined>(
    (requests) =>
      settleTogether(requests, async (some) => {
        await this.proposer.proposeForCandidates(some);
        return some.map(() => undefined);
      }),
    { maxSize: CHANGED_PEOPLE_PER_GROUP, maxInFlight: 1 },
  );
  /**
   * New openings filled together: those that arrive while a group is being written form the next one, so
   * a burst of postings costs a transaction per group rather than per opening, and a lone posting waits for
   * nothing. One group at a time, so that this matcher's groups never wait for each other's locks. If a
   * group fails, each of its openings is tried again alone and fails (its job is retried) alone.
   */
  private readonly postedOpenings = new GroupCommit<{ openingId: string; correlationId: string }, undefined>(
    (requests) =>
      settleTogether(requests, async (some) => {
        await this.proposer.proposeForOpenings(some);
        return some.map(() => undefined);
      }),
    { maxSize: POSTED_OPENINGS_PER_GROUP, maxInFlight: 1 },
  );

  constructor(
    private readonly store: MatchStore,
    private readonly unitOfWork: UnitOfWork,
    private readonly dataSource: DataSource,
    private readonly courseMenu: CourseMenuStore,
    private readonly fairLeads: FairLeadMaker,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.timeZone = config.appTimezone;
    this.scope = matcherScope(config.matcherRegions);
    this.engine = new MatchingEngine(undefined, { admits: (place) => this.scope.holds(place) });
    const counts = { perCandidate: this.perCandidate, perOpening: this.perOpening, perSlot: this.perSlot };
    const rows = new PostgresProposalStore(store, unitOfWork, dataSource, (id) => this.historyReads.run(id), config.appTimezone);
    this.proposer = new Proposer(this.engine, counts, rows, { timeZone: config.appTimezone, decidesFor: (place) => this.scope.owns(place) });
  }

  /** Builds the engine from PostgreSQL: every matchable person, open opening and active slot. */
  async load(): Promise<{ people: number; openings: number; slots: number; ms: number }> {
    const started = performance.now();
    // A region's matcher reads the people around its region only; the engine keeps those within its border.
    await this.store.forEachMatchableCandidate(
      20_000,
      (rows) => {
        for (const row of rows) this.engine.people.upsert(candidateProfile(row));
      },
      this.scope.bounds,
    );
    // People of one cell side by side in memory: scans read sequentially.
    this.engine.people.relayout();
    const now = Date.now();
    for (const row of await this.store.activeOpenings()) this.engine.openings.upsert(openingOffer(row, now));
    for (const row of await this.store.activeSlots()) this.engine.slots.upsert(slotOffer(row, now, this.timeZone));
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
    // A region's matcher gets the events of what lies within its border too: of what another region decides
    // for, it only refreshes its copy.
    if (this.scope.split && !(await this.decidesForSubjectOf(event))) return [];
    switch (event.eventName) {
      case 'CandidatesImported': {
        const ids = (event.payload as { candidateIds: string[] }).candidateIds;
        await this.matchPeopleOfferSide(ids, correlationId);
        return ids.map((id): IndexChange => ({ entity: 'candidate', id }));
      }
      case 'OpeningPosted':
        return [{ entity: 'opening', id: payload.openingId }, ...(await this.openingPosted(payload.openingId, correlationId))];
      case 'OpeningUpdated':
      case 'OpeningClosed':
      case 'OpeningFilled':
      case 'OpeningReopened':
        return [{ entity: 'opening', id: payload.openingId }, ...(await this.offerChanged('opening', payload.openingId, correlationId))];
      case 'SlotPublished':
        await this.offerToOrderersFirst(payload.slotId, correlationId);
        return [{ entity: 'slot', id: payload.slotId }, ...(await this.offerChanged('slot', payload.slotId, correlationId))];
      case 'SlotUpdated':
      case 'SlotWithdrawn':
        return [{ entity: 'slot', id: payload.slotId }, ...(await this.offerChanged('slot', payload.slotId, correlationId))];
      case 'CandidateRegistered':
      case 'CandidateUpdated':
      case 'CandidateErased':
        return [{ entity: 'candidate', id: payload.candidateId }, ...(await this.candidateChanged(payload.candidateId, correlationId))];
      case 'MatchStatusChanged':
        if (payload.offerKind === 'opening') {
          const moved = event.payload as EventPayloads['MatchStatusChanged'];
          return this.jobMatchMoved(moved.matchId, moved.offerId, moved.hiresChanged === true, correlationId);
        }
        await this.proposeForSlot(payload.offerId, correlationId);
        return [];
      case 'FairIntentsReceived': {
        // The leads count against their people's caps: this matcher and the others re-read those counts.
        const people = await this.fairLeads.make((event.payload as EventPayloads['FairIntentsReceived']).intentIds, correlationId);
        await this.recount(people);
        return people.map((id): IndexChange => ({ entity: 'open-job-matches', id }));
      }
      default:
        return [];
    }
  }

  /** Whether this matcher decides for a person (always, without regions; a person without a place or gone: yes). */
  private async decidesForPerson(candidateId: string): Promise<boolean> {
    return !this.scope.split || this.decidesForPersonRow(await this.candidateReads.run(candidateId));
  }

  private decidesForPersonRow(row: CandidateEntity | null): boolean {
    return row?.lat == null || row.lng == null || this.scope.owns({ lat: row.lat, lng: row.lng });
  }

  /**
   * Whether this matcher decides for what an event is about (always, without regions). A person, opening or
   * slot with a place in another region: no, and this matcher's copy is refreshed. Without a place (erased,
   * gone, a chunk of many people): yes; the proposals that follow are made for this region's own only.
   */
  private async decidesForSubjectOf(event: EventJobData): Promise<boolean> {
    const subject = eventSubject(event.eventName, event.payload);
    if (typeof subject !== 'object') return true;
    if (subject.kind === 'candidate') return this.decidesForPersonRow(await this.refreshCandidate(subject.id));
    const manager = this.dataSource.manager;
    const row = subject.kind === 'opening' ? await this.store.opening(manager, subject.id) : await this.store.slot(manager, subject.id);
    if (row === null || this.scope.owns({ lat: row.lat, lng: row.lng })) return true;
    if (event.eventName !== 'MatchStatusChanged') await this.refreshOffer(subject.kind, subject.id);
    return false;
  }

  /**
   * A new opening: it has no proposals to re-check, so it is only filled, together with the other openings
   * posted at about the same moment (one transaction for a group: see Proposer.proposeForOpenings). The
   * engine's copy is set from the locked row. Returns nothing more to tell the other matchers: nobody
   * lost a match.
   */
  private async openingPosted(openingId: string, correlationId: string): Promise<IndexChange[]> {
    await this.postedOpenings.submit({ openingId, correlationId });
    return [];
  }

  /**
   * A course scheduled for a demand of the course menu is offered to those who ordered it first, free at
   * their breaks and at the windows they gave with their order (an engine of just them), before anyone else
   * who fits (offerChanged, with everyone). Only when it is published: later places go by rotation.
   */
  private async offerToOrderersFirst(slotId: string, correlationId: string): Promise<void> {
    const manager = this.dataSource.manager;
    const orderers = await this.courseMenu.orderersOfSlot(manager, slotId);
    if (orderers.length === 0) return;
    const windowsOf = new Map(orderers.map((order) => [order.candidateId, order.freeWindows]));
    const first = new MatchingEngine(this.engine.policy);
    for (const row of await this.store.candidates(manager, [...windowsOf.keys()])) {
      if (isMatchable(row)) first.people.upsert(withOrderWindows(candidateProfile(row), windowsOf.get(row.id)));
    }
    await this.proposeForSlot(slotId, correlationId, first);
  }

  /** Refreshes this process's copy of an entity from PostgreSQL (a change another matcher handled). */
  async refresh(change: IndexChange): Promise<void> {
    if (change.entity === 'candidate') await this.refreshCandidate(change.id);
    else if (change.entity === 'opening' || change.entity === 'slot') await this.refreshOffer(change.entity, change.id);
    else await this.recount([change.id]);
  }

  /**
   * Refreshes this process's copy of an opening or slot; returns null while it takes people, else why it
   * does not (the reason its open matches are withdrawn with): `filled`, `closed` or `expired` for an
   * opening, `withdrawn` or `expired` for a slot, `gone` for a row that is not there.
   */
  private async refreshOffer(kind: OfferKind, id: string): Promise<string | null> {
    const manager = this.dataSource.manager;
    const now = Date.now();
    if (kind === 'opening') {
      const row = await this.store.opening(manager, id);
      const offer = row === null ? null : openingOffer(row, now);
      if (offer?.accepting === true) this.engine.openings.upsert(offer);
      else this.engine.openings.remove(id);
      return row === null ? 'gone' : whyOpeningTakesNoOne(row, now);
    }
    const row = await this.store.slot(manager, id);
    const offer = row === null ? null : slotOffer(row, now, this.timeZone);
    if (offer?.accepting === true) this.engine.slots.upsert(offer);
    else this.engine.slots.remove(id);
    return row === null ? 'gone' : whySlotTakesNoOne(row, now);
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
    const recounted = changes.filter((change) => change.entity === 'open-job-matches').map((change) => change.id);
    await this.recount(recounted);
    // Places freed by another region's matcher on people of this one: they are offered what waits for them here.
    if (this.scope.split && recounted.length > 0) await this.proposer.release(new Map(recounted.map((id) => [id, 1])), correlationId);
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
   * put in the engine, then they are matched offer-side (Proposer.matchPeopleOfferSide): every offer with
   * room that one of them fits ranks just them and proposes under its locks, exactly as when it is posted.
   */
  async matchPeopleOfferSide(ids: readonly string[], correlationId: string): Promise<void> {
    if (ids.length === 0) return;
    const rows = new Map((await this.store.candidates(this.dataSource.manager, [...ids])).map((row) => [row.id, row]));
    const arrived: CandidateProfile[] = [];
    for (const id of ids) {
      const row = rows.get(id) ?? null;
      if (!isMatchable(row)) {
        this.engine.people.remove(id);
        continue;
      }
      const profile = candidateProfile(row);
      this.engine.people.upsert(profile);
      arrived.push(profile);
    }
    await this.proposer.matchPeopleOfferSide(arrived, correlationId);
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
    // Where the area is split, the seats of another region's slots are offered by its matcher: it hears of
    // them as a SlotUpdated, relayed to it (this sweep expired the offers; its own finds none left).
    const elsewhere = slotIds.filter((slotId) => {
      const slot = this.engine.slots.get(slotId);
      return this.scope.split && (slot === undefined || !this.scope.owns(slot.location));
    });
    if (elsewhere.length > 0) {
      await this.unitOfWork.run(
        (tx) => {
          for (const slotId of elsewhere) tx.emit(outboxEvent('SlotUpdated', { slotId }));
          return Promise.resolve();
        },
        { correlationId: randomUUID() },
      );
    }
    for (const slotId of slotIds) if (!elsewhere.includes(slotId)) await this.proposeForSlot(slotId, randomUUID());
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
    const whyNot = await this.refreshOffer(kind, offerId);
    const offer = kind === 'opening' ? this.engine.openings.get(offerId) : this.engine.slots.get(offerId);
    const where = kind === 'opening' ? { openingId: offerId } : { slotId: offerId };
    if (offer === undefined) {
      const withdrawn = await this.unitOfWork.run(
        async (tx) => {
          const gone = await this.store.withdraw(tx.manager, where, whyNot);
          // Positions filled: the caseworkers of the people still in line hear that it is over for them.
          if (whyNot === 'filled' && gone.jobMatchIds.length > 0)
            tx.emit(outboxEvent('MatchesWithdrawn', { offerKind: 'opening', offerId, reason: 'filled', matchIds: gone.jobMatchIds }));
          return gone;
        },
        { correlationId },
      );
      (kind === 'opening' ? this.perOpening : this.perSlot).forget(offerId);
      return this.release(withdrawn, correlationId);
    }
    const changed: ChangedOffer = kind === 'opening' ? { kind, offer: offer as OpeningOffer } : { kind, offer: offer as SlotOffer };
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
      // A course for a demand judges those who ordered it with their order's windows too.
      const orderWindows =
        changed.kind === 'slot' && changed.offer.courseDemandId !== undefined
          ? new Map((await this.courseMenu.orderersOfSlot(manager, offerId)).map((order) => [order.candidateId, order.freeWindows]))
          : new Map<string, WeeklyWindow[]>();
      const misfits = misfitsOfOffer(
        changed,
        proposed.map((match) => {
          const row = people.get(match.candidate_id) ?? null;
          if (!isMatchable(row)) return { matchId: match.id, person: null };
          // A last-minute offer judges its person with its occurrence as their break (the standby pool).
          const person =
            match.last_minute && match.occurrence_starts_at !== null && match.expires_at !== null
              ? asOfferedLastMinute(
                  candidateProfile(row),
                  { startsAt: new Date(match.occurrence_starts_at), endsAt: new Date(match.expires_at) },
                  this.timeZone,
                )
              : withOrderWindows(candidateProfile(row), orderWindows.get(match.candidate_id));
          return { matchId: match.id, person };
        }),
        this.engine.policy,
      );
      if (misfits.length > 0)
        withdrawn = await this.unitOfWork.run(({ manager: tx }) => this.store.withdraw(tx, { matchIds: misfits }, 'no_longer_fits'), { correlationId });
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
    if (!mayHoldMatches(row)) {
      // Erased or no longer consenting: every open match goes, and the places go to the next people. The
      // API's erasure has withdrawn them already, in its own transaction: the offers they held are read back.
      const withdrawn = await this.unitOfWork.run(({ manager: tx }) => this.store.withdraw(tx, { candidateId }, 'consent_withdrawn'), { correlationId });
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
      // Courses this person ordered judge them with their order's windows too.
      const courseSlots = before.proposed.flatMap((match) =>
        match.slotId !== null && this.engine.slots.get(match.slotId)?.courseDemandId !== undefined ? [match.slotId] : [],
      );
      const orderWindows = await this.courseMenu.orderWindowsOf(this.dataSource.manager, candidateId, courseSlots);
      // Their last-minute offers (the standby pool) judge them with the occurrence as their break: one open offer per slot at most.
      const lastMinute = new Map(
        before.proposed.flatMap((match) => (match.slotId !== null && match.lastMinute !== undefined ? [[match.slotId, match.lastMinute] as const] : [])),
      );
      const misfits = misfitsOfPerson(
        profile,
        before.proposed,
        { opening: (id) => this.engine.openings.get(id), slot: (id) => this.engine.slots.get(id) },
        this.engine.policy,
        (slotId) => {
          const occurrence = lastMinute.get(slotId);
          return occurrence === undefined ? withOrderWindows(profile, orderWindows.get(slotId)) : asOfferedLastMinute(profile, occurrence, this.timeZone);
        },
      );
      const withdrawn = misfits.length === 0 ? null : await this.withdrawMisfits(misfits, correlationId);
      freed = withdrawn ?? { openingIds: [], slotIds: [] };
      lostJobMatches = (withdrawn?.jobMatchesLost.size ?? 0) > 0;
      // Re-reads the person's own count when a place was freed above: it is theirs to fill. Together with
      // the other people handled at about the same moment (see changedPeople).
      // A job fair's newcomer whose profile waits for their caseworker gets no proposals yet.
      if (isMatchable(row)) await this.changedPeople.submit({ profile, correlationId, known: withdrawn === null ? before : undefined });
    }
    for (const openingId of freed.openingIds) await this.proposeForOpening(openingId, correlationId);
    for (const slotId of freed.slotIds) await this.proposeForSlot(slotId, correlationId);
    return lostJobMatches ? [{ entity: 'open-job-matches', id: candidateId }] : [];
  }

  /**
   * A caseworker moved a job match: the opening's place goes to the next in line, and a person whose
   * match ended has their place back (Proposer.jobMatchMoved). Returns them, for the other matchers.
   */
  private async jobMatchMoved(matchId: string, openingId: string, hiresChanged: boolean, correlationId: string): Promise<IndexChange[]> {
    // A hire made the person employed, or a reverted one seeking again: set first, so that the places
    // offered to them below already see it.
    const employmentChanged = hiresChanged ? await this.settleEmployment(matchId, correlationId) : null;
    const released = await this.proposer.jobMatchMoved(matchId, openingId, correlationId);
    const changes: IndexChange[] = released === null ? [] : [{ entity: 'open-job-matches', id: released }];
    // Their proposals that no longer fit (no job proposals while employed) are withdrawn, and a person
    // seeking again is matched to the open openings at once.
    if (employmentChanged === null) return changes;
    changes.push({ entity: 'candidate', id: employmentChanged });
    if (await this.decidesForPerson(employmentChanged)) changes.push(...(await this.candidateChanged(employmentChanged, correlationId)));
    else {
      // A person of another region: their own matcher re-checks all their proposals (it holds every offer
      // they reach, this one may not), told by a CandidateUpdated relayed to it.
      await this.unitOfWork.run(
        (tx) => {
          tx.emit(outboxEvent('CandidateUpdated', { candidateId: employmentChanged }));
          return Promise.resolve();
        },
        { correlationId },
      );
    }
    return changes;
  }

  /** Sets the employment of a job match's person from the hires that stand; returns the person if it changed. */
  private settleEmployment(matchId: string, correlationId: string): Promise<string | null> {
    return this.unitOfWork.run(
      async ({ manager }) => {
        const person = await this.store.lockEmploymentOf(manager, matchId);
        if (person === null) return null;
        const employment = employmentWithHires(person.hires);
        if (employment === person.employment) return null;
        await this.store.setEmployment(manager, person.candidateId, employment, employment === 'employed' ? person.lastHireAt : null);
        return person.candidateId;
      },
      { correlationId },
    );
  }

  /** Withdraws a changed person's misfits in one transaction, each with its reason (consent withdrawn, or no longer fits). */
  private withdrawMisfits(misfits: readonly PersonMisfit[], correlationId: string): Promise<Withdrawn> {
    return this.unitOfWork.run(
      async ({ manager: tx }) => {
        const all: Withdrawn = { jobMatchIds: [], openingIds: [], slotIds: [], jobMatchesLost: new Map() };
        for (const reason of ['consent_withdrawn', 'no_longer_fits'] as const) {
          const matchIds = misfits.filter((misfit) => misfit.reason === reason).map((misfit) => misfit.matchId);
          if (matchIds.length === 0) continue;
          const withdrawn = await this.store.withdraw(tx, { matchIds }, reason);
          all.jobMatchIds.push(...withdrawn.jobMatchIds);
          all.openingIds.push(...withdrawn.openingIds);
          all.slotIds.push(...withdrawn.slotIds);
          for (const [id, lost] of withdrawn.jobMatchesLost) all.jobMatchesLost.set(id, (all.jobMatchesLost.get(id) ?? 0) + lost);
        }
        return all;
      },
      { correlationId },
    );
  }

  /**
   * Places freed on people's caps by a withdrawal: whoever was full and has room now is offered to the
   * openings and slots that wait for them (Proposer.release). Returns the people, for the other matchers
   * to re-read.
   */
  private async release(withdrawn: Withdrawn, correlationId: string): Promise<IndexChange[]> {
    const lost = withdrawn.jobMatchesLost;
    if (lost.size === 0) return [];
    await this.proposer.release(lost, correlationId);
    return [...lost.keys()].map((id): IndexChange => ({ entity: 'open-job-matches', id }));
  }

  /** Sets people's counts from PostgreSQL, one query for all of them (another matcher freed their places). */
  private async recount(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    const held = await this.store.openJobMatchesOf(this.dataSource.manager, ids);
    for (const id of ids) this.perCandidate.set(id, held.get(id) ?? 0);
  }

  /** Fills an opening's shortlist with the best people who fit (`among`: only these), within every person's cap. */
  proposeForOpening(openingId: string, correlationId: string, among: MatchingEngine = this.engine): Promise<string[]> {
    return this.proposer.proposeForOpening(openingId, correlationId, among);
  }

  /** Offers a slot's free places to the people who fit (`among`: only these), rotating among them. */
  proposeForSlot(slotId: string, correlationId: string, among: MatchingEngine = this.engine): Promise<string[]> {
    return this.proposer.proposeForSlot(slotId, correlationId, among);
  }

  /**
   * The standby pool: the free seats of the slot's occurrences about to start go to these people on standby
   * (Proposer.offerLastMinute). Returns the ids of the offers written.
   */
  offerLastMinute(slotId: string, standby: readonly CandidateProfile[], correlationId: string): Promise<string[]> {
    return this.proposer.offerLastMinute(slotId, standby, correlationId);
  }

  /** A new or changed person (or one with room again): the openings and slots they fit that have room, up to their cap. */
  proposeForCandidate(profile: CandidateProfile, correlationId: string, known?: CandidateHistory): Promise<void> {
    return this.proposer.proposeForCandidate(profile, correlationId, known);
  }
}

/**
 * The proposals' store on PostgreSQL: MatchStore's statements, outside a transaction (the pool's manager)
 * or in a unit of work's, which commits the matches and their MatchesProposed in the outbox together.
 */
class PostgresProposalStore implements ProposalStore {
  constructor(
    private readonly store: MatchStore,
    private readonly unitOfWork: UnitOfWork,
    private readonly dataSource: DataSource,
    /** A person's matches, read together with those of the events handled at the same moment. */
    readonly candidateHistory: (candidateId: string) => Promise<CandidateHistory>,
    private readonly timeZone: string,
  ) {}

  openJobMatchesOf(candidateIds: string[]): Promise<Map<string, number>> {
    return this.store.openJobMatchesOf(this.dataSource.manager, candidateIds);
  }

  openMatchesOf(kind: OfferKind, offerIds: string[]): Promise<Map<string, number>> {
    return this.store.openMatchesOf(this.dataSource.manager, kind, offerIds);
  }

  async matchableCandidates(candidateIds: string[]): Promise<CandidateProfile[]> {
    const rows = await this.store.candidates(this.dataSource.manager, candidateIds);
    return rows.filter((row) => isMatchable(row)).map((row) => candidateProfile(row));
  }

  jobMatchHolder(matchId: string): Promise<JobMatchHolder | null> {
    return this.store.jobMatchHolder(this.dataSource.manager, matchId);
  }

  withTransaction<T>(work: (tx: ProposalTransaction) => Promise<T>, correlationId: string): Promise<T> {
    return this.unitOfWork.run((tx) => work(new PostgresProposalTransaction(this.store, tx, this.timeZone)), { correlationId });
  }
}

/** One proposal's transaction: rows locked with FOR UPDATE, mapped to what the engine sees. */
class PostgresProposalTransaction implements ProposalTransaction {
  private readonly manager: EntityManager;

  constructor(
    private readonly store: MatchStore,
    private readonly tx: WriteTransaction,
    private readonly timeZone: string,
  ) {
    this.manager = tx.manager;
  }

  async lockOpenings(openingIds: string[], now: number): Promise<Map<string, OpeningOffer>> {
    return new Map((await this.store.lockOpenings(this.manager, openingIds)).map((row) => [row.id, openingOffer(row, now)]));
  }

  async lockSlot(slotId: string, now: number): Promise<SlotOffer | null> {
    const row = await this.store.slot(this.manager, slotId, true);
    return row === null ? null : slotOffer(row, now, this.timeZone);
  }

  openingHistories(openingIds: string[]): Promise<Map<string, OpeningHistory>> {
    return this.store.openingHistories(this.manager, openingIds);
  }

  slotHistory(slotId: string): Promise<SlotHistory> {
    return this.store.slotHistory(this.manager, slotId);
  }

  occurrenceSeats(slotId: string, occurrence: { startsAt: Date; endsAt: Date }): Promise<{ taken: number; lastMinute: Set<string> }> {
    return this.store.occurrenceSeats(this.manager, slotId, occurrence);
  }

  repeatNoShows(candidateIds: string[], noShows: { behindAfter: number; days: number }): Promise<Set<string>> {
    return this.store.repeatNoShows(this.manager, candidateIds, noShows);
  }

  lockOffers(kind: OfferKind, offerIds: string[]): Promise<Set<string>> {
    return this.store.lockOffers(this.manager, kind === 'opening' ? 'openings' : 'slots', offerIds);
  }

  lockCandidates(candidateIds: string[]): Promise<Map<string, LockedCandidate>> {
    return this.store.lockCandidates(this.manager, candidateIds);
  }

  lockCandidateRows(candidateIds: string[]): Promise<Map<string, string>> {
    return this.store.lockCandidateRows(this.manager, candidateIds);
  }

  candidateHistories(candidateIds: string[]): Promise<Map<string, CandidateHistory>> {
    return this.store.candidateHistories(this.manager, candidateIds);
  }

  openJobMatchesOf(candidateIds: string[]): Promise<Map<string, number>> {
    return this.store.openJobMatchesOf(this.manager, candidateIds);
  }

  openMatchesOf(kind: OfferKind, offerIds: string[]): Promise<Map<string, number>> {
    return this.store.openMatchesOf(this.manager, kind, offerIds);
  }

  insertMatches(kind: OfferKind, offerId: string, matches: NewMatch[]): Promise<string[]> {
    return this.store.insertMatches(this.manager, kind, offerId, matches);
  }

  insertMatchesAcross(kind: OfferKind, matches: (NewMatch & { offerId: string })[]): Promise<string[]> {
    return this.store.insertMatchesAcross(this.manager, kind, matches);
  }

  matchesProposed(kind: OfferKind, offerId: string, matchIds: string[], correlationId?: string): void {
    this.tx.emit({ ...outboxEvent('MatchesProposed', { offerKind: kind, offerId, matchIds }), ...(correlationId === undefined ? {} : { correlationId }) });
  }
}
