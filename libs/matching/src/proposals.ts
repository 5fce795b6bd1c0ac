/**
 * The decisions a matcher makes around the engine: who is proposed for an opening (in rounds, within the
 * shortlist and every person's cap), who is offered a slot (rotating, within its offer limit, with a
 * redemption code and an expiry), which offers a person gets, and who is offered again when a place frees.
 * The engine proposes; the rows decide: every write is checked under row locks in one transaction of the
 * store (`ProposalStore`), so several matchers can run at once and no cap is ever checked against one
 * process's memory alone. Plain TypeScript: the store is an interface, PostgreSQL's in the matcher.
 */
import { randomInt, randomUUID } from 'node:crypto';
import {
  type GeoPoint,
  type OfferKind,
  type WeekInterval,
  type WeeklyWindow,
  nextOccurrenceEnd,
  spanPieces,
  weekIntervals,
  windowMinutes,
} from '@huigong/domain';
import { type CountHints, rankRechecked } from './count-hints';
import { MatchingEngine } from './engine';
import { LAST_MINUTE_LEAD_MINUTES, lastMinuteOccurrences, onStandbyFor } from './last-minute';
import { type MatchingPolicy, inRotation, shortlistSize, slotOfferLimit } from './policy';
import type { OfferMatch, OpeningState, SlotState } from './reference';
import { type CandidateProfile, type OpeningOffer, type SlotOffer, breakFit } from './rules';
import type { MatchReason, ScoredMatch } from './score';

const NO_ONE: ReadonlySet<string> = new Set();
const NEVER: ReadonlyMap<string, number> = new Map();
/** How many times an opening asks the engine for the next in line when the locked rows refuse someone. */
const OPENING_ROUNDS = 3;

/** The characters of a redemption code: no look-alikes (0/O, 1/I). */
export const REDEMPTION_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** A single-use code a worker shows at the counter: 8 characters, no look-alikes (0/O, 1/I). */
export function redemptionCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += REDEMPTION_CODE_ALPHABET[randomInt(REDEMPTION_CODE_ALPHABET.length)];
  return code;
}

/** The occurrence a slot offer is made for: it holds until it ends (`expiresAt` of the offer). */
export interface OfferedOccurrence {
  startsAt: Date;
  endsAt: Date;
}

/**
 * The occurrence of a slot an offer is made for: of the weekly windows one of the person's breaks meets
 * (by the policy's minutes), the next occurrence (the running one if one runs); of the dated sessions
 * they meet, those not over; of the stays their breaks cover whole, those not begun. The one that ends
 * first; undefined if none (the slot's copy in the engine may be older than its last occurrence).
 * `breaks`: the person's break windows as week intervals (MatchingEngine.breakPiecesOf); `timeZone`: the
 * zone the windows are written in.
 */
export function offeredOccurrence(
  breaks: readonly (readonly WeekInterval[])[],
  slot: Pick<SlotOffer, 'windows' | 'occurrences'>,
  now: number,
  timeZone: string,
  policy: Pick<MatchingPolicy, 'minBreakOverlapMinutes'>,
): OfferedOccurrence | undefined {
  let chosen: OfferedOccurrence | undefined;
  const consider = (startsAt: Date, endsAt: Date) => {
    if (chosen === undefined || endsAt < chosen.endsAt) chosen = { startsAt, endsAt };
  };
  const meets = (window: WeeklyWindow) => breakFit(breaks, [weekIntervals([window])], [], policy.minBreakOverlapMinutes) >= 0;
  for (const window of slot.windows) {
    if (!meets(window)) continue;
    const endsAt = nextOccurrenceEnd(window, new Date(now), timeZone);
    consider(new Date(endsAt.getTime() - windowMinutes(window) * 60_000), endsAt);
  }
  for (const occurrence of slot.occurrences ?? []) {
    const startsAt = new Date(occurrence.startsAt);
    const endsAt = new Date(occurrence.endsAt);
    if (occurrence.window !== undefined && occurrence.endsAt > now && meets(occurrence.window)) consider(startsAt, endsAt);
    if (occurrence.stay !== undefined && occurrence.startsAt > now && breakFit(breaks, [], [spanPieces(occurrence.stay)], policy.minBreakOverlapMinutes) >= 0) {
      consider(startsAt, endsAt);
    }
  }
  return chosen;
}

/** A match to write: a job match proposed, or a slot offer with its redemption code and expiry. */
export interface NewMatch {
  id: string;
  candidateId: string;
  caseworkerId: string;
  score: number;
  reasons: MatchReason[];
  redemptionCode?: string;
  /** A slot offer's occurrence: when it starts, and when it ends (the offer expires then). */
  occurrenceStartsAt?: Date;
  expiresAt?: Date;
  /** A last-minute offer to someone on standby: at most one per person and occurrence. */
  lastMinute?: boolean;
}

/** A person locked for a write: their caseworker, and the open job matches they hold (counted after the lock). */
export interface LockedCandidate {
  caseworkerId: string;
  openJobMatches: number;
}

/** What an opening holds already: everyone it has (or had) a match with, and its open matches. */
export interface OpeningHistory {
  matched: ReadonlySet<string>;
  openMatches: number;
}

/** What a slot holds already. */
export interface SlotHistory {
  /** People holding an offer of this slot now: an open one, or one redeemed for an occurrence not yet over. */
  offered: ReadonlySet<string>;
  /** Open offers, which the slot's offer limit counts. */
  openOffers: number;
  /** When each person was last offered this slot (epoch ms): rotation. */
  lastOfferedAt: ReadonlyMap<string, number>;
}

/** What a person holds already, as the proposals read it. */
export interface CandidateHistory {
  /** Openings this person has (or had) a match with. */
  openingIds: ReadonlySet<string>;
  openJobMatches: number;
  /** Slots this person holds an offer of now: open, or redeemed for an occurrence not yet over. */
  openSlotOfferIds: ReadonlySet<string>;
}

/** The person a job match belongs to, whether it is still open, and how many open job matches they hold now. */
export interface JobMatchHolder {
  candidateId: string;
  open: boolean;
  openJobMatches: number;
}

/** Counts from the committed rows, read in a transaction (after its locks) or outside one. */
export interface MatchCounts {
  /** Open job matches per person (someone holding none is absent). */
  openJobMatchesOf(candidateIds: string[]): Promise<ReadonlyMap<string, number>>;
  /** Open matches per opening, or open offers per slot (one with none is absent). */
  openMatchesOf(kind: OfferKind, offerIds: string[]): Promise<ReadonlyMap<string, number>>;
}

/**
 * What a proposal reads and writes in its one transaction. Locks are taken in one order by every matcher,
 * offers before people (each list sorted), so matchers working at once never deadlock; counts read after a
 * lock see what the transaction it waited for committed.
 */
export interface ProposalTransaction extends MatchCounts {
  /**
   * Locks openings (in the order of their ids) and returns each as the engine sees it at `now`
   * (`accepting`: open, not lapsed); one that is gone is absent.
   */
  lockOpenings(openingIds: string[], now: number): Promise<ReadonlyMap<string, OpeningOffer>>;
  /** Locks a slot and returns it as the engine sees it at `now` (`accepting`: active, not lapsed); null: gone. */
  lockSlot(slotId: string, now: number): Promise<SlotOffer | null>;
  /** What each of these openings holds already (everyone asked for is in the map). */
  openingHistories(openingIds: string[]): Promise<ReadonlyMap<string, OpeningHistory>>;
  slotHistory(slotId: string): Promise<SlotHistory>;
  /**
   * One occurrence of a slot (the one ending at `endsAt`): its seats taken (offers redeemed for it or open
   * for it), and the people offered it last-minute already, whatever became of the offer.
   */
  occurrenceSeats(slotId: string, occurrence: { startsAt: Date; endsAt: Date }): Promise<{ taken: number; lastMinute: ReadonlySet<string> }>;
  /** Those of these people with repeated no-shows (the policy's `noShows`), who go behind in a slot's rotation. */
  repeatNoShows(candidateIds: string[], policy: MatchingPolicy['noShows']): Promise<ReadonlySet<string>>;
  /** Locks offers (before any person); returns those still open or active. */
  lockOffers(kind: OfferKind, offerIds: string[]): Promise<ReadonlySet<string>>;
  /** Locks people and returns those still active with consent, with their caseworker and open job matches. */
  lockCandidates(candidateIds: string[]): Promise<ReadonlyMap<string, LockedCandidate>>;
  /**
   * Locks people (in the order of their ids) and returns those still active with consent, each with their
   * caseworker; counts nothing (read candidateHistories after it).
   */
  lockCandidateRows(candidateIds: string[]): Promise<ReadonlyMap<string, string>>;
  /** The matches of each of these people (everyone asked for is in the map). */
  candidateHistories(candidateIds: string[]): Promise<ReadonlyMap<string, CandidateHistory>>;
  /** Writes matches of one offer, skipping a pair that exists already; returns the ids written. */
  insertMatches(kind: OfferKind, offerId: string, matches: NewMatch[]): Promise<string[]>;
  /** Writes matches of several offers of one kind, in one statement, skipping pairs that exist already; returns the ids written. */
  insertMatchesAcross(kind: OfferKind, matches: (NewMatch & { offerId: string })[]): Promise<string[]>;
  /**
   * Announces matches written in this transaction (MatchesProposed, committed with them). `correlationId`:
   * the request the proposal answers, when the transaction answers several (openings proposed together).
   */
  matchesProposed(kind: OfferKind, offerId: string, matchIds: string[], correlationId?: string): void;
}

/** Where proposals read from and write to: reads outside a transaction, and a way to run one. */
export interface ProposalStore extends MatchCounts {
  candidateHistory(candidateId: string): Promise<CandidateHistory>;
  /** Those of these people the engine may match at all (active, consenting, with a place), as profiles. */
  matchableCandidates(candidateIds: string[]): Promise<CandidateProfile[]>;
  jobMatchHolder(matchId: string): Promise<JobMatchHolder | null>;
  /** Runs `work` in one transaction: its locks, writes and announcements commit together or not at all. */
  withTransaction<T>(work: (tx: ProposalTransaction) => Promise<T>, correlationId: string): Promise<T>;
}

/**
 * Hints kept in memory (the rows have the final word): open job matches per person, per opening, open
 * offers per slot. Every path that ends a match sets them from the rows; a count that says "full" is
 * re-read before it may hide anyone once its trust has passed (see rankRechecked).
 */
export interface ProposalCounts {
  perCandidate: CountHints;
  perOpening: CountHints;
  perSlot: CountHints;
}

export interface ProposerOptions {
  /** The zone slot windows are written in: an offer's expiry is the end of a window there. */
  timeZone: string;
  /** Epoch ms now; Date.now unless a test fixes it. */
  clock?: () => number;
  /**
   * Whether this proposer decides for what is at a place: a matcher of one region (MATCHER_REGIONS) proposes
   * only for the offers and people of its region, and keeps the others as copies. Everywhere unless told.
   */
  decidesFor?: (place: GeoPoint) => boolean;
}

/**
 * Turns the engine's answers into matches written under locks. The policy is the engine's, so that what
 * the engine ranks and what the locked rows allow are judged by the same figures.
 */
export class Proposer {
  private readonly policy: MatchingPolicy;
  private readonly timeZone: string;
  private readonly clock: () => number;
  private readonly decidesFor: (place: GeoPoint) => boolean;

  constructor(
    private readonly engine: MatchingEngine,
    private readonly counts: ProposalCounts,
    private readonly store: ProposalStore,
    options: ProposerOptions,
  ) {
    this.policy = engine.policy;
    this.timeZone = options.timeZone;
    this.clock = options.clock ?? Date.now;
    this.decidesFor = options.decidesFor ?? (() => true);
  }

  /**
   * Fills an opening's shortlist with the best people who fit, within every person's cap. The engine
   * ranks with this process's counts; a count that says full and is not fresh is re-read before it may
   * hide anyone (rankRechecked), and the locked rows have the final word: anyone full after all is
   * skipped and the next in line asked for, a few rounds at most. `among`: only these people (an engine
   * of newcomers); the ids of the matches written are returned.
   */
  async proposeForOpening(openingId: string, correlationId: string, among: MatchingEngine = this.engine): Promise<string[]> {
    return (await this.proposeForOpenings([{ openingId, correlationId }], among)).get(openingId) ?? [];
  }

  /**
   * Several openings at once (openings posted at about the same moment), in one transaction: the openings
   * locked and their histories read in one statement each, then each filled in turn as proposeForOpening
   * says, and every MatchesProposed committed together, each with the correlation id of its own request.
   * A person proposed to one of them counts against their cap for the next: the counts are read in the
   * same transaction, after its own writes. The engine's copy of each opening is set from its locked row,
   * the freshest there is. Returns the ids of the matches written, per opening.
   */
  async proposeForOpenings(
    requests: readonly { openingId: string; correlationId: string }[],
    among: MatchingEngine = this.engine,
  ): Promise<Map<string, string[]>> {
    const now = this.clock();
    const max = this.policy.maxOpenJobMatchesPerPerson;
    const { perCandidate, perOpening } = this.counts;
    const correlationOf = new Map(requests.map((request) => [request.openingId, request.correlationId]));
    const openingIds = [...correlationOf.keys()].sort();
    const written = await this.store.withTransaction(async (tx) => {
      const offers = await tx.lockOpenings(openingIds, now);
      const accepting = openingIds.filter((id) => {
        const offer = offers.get(id);
        return offer?.accepting === true && this.decidesFor(offer.location);
      });
      const histories = await tx.openingHistories(accepting);
      const filled = new Map<string, { openMatches: number; matchIds: string[]; accepted: (NewMatch & { held: number })[] }>();
      for (const openingId of accepting) {
        const offer = offers.get(openingId) as OpeningOffer;
        const history = histories.get(openingId) as OpeningHistory;
        const excluded = new Set(history.matched);
        const accepted: (NewMatch & { held: number })[] = [];
        for (let round = 0; round < OPENING_ROUNDS; round++) {
          const state: OpeningState = { matchedCandidateIds: excluded, openMatches: history.openMatches + accepted.length };
          const ranked = await rankRechecked(
            (openJobMatches) => among.matchOpening(offer, state, { openJobMatches }, now),
            perCandidate,
            (_id, held) => held >= max,
            (ids) => tx.openJobMatchesOf(ids),
          );
          if (ranked.length === 0) break;
          const locked = await tx.lockCandidates(ranked.map((match) => match.candidateId));
          let refused = 0;
          for (const match of ranked) {
            excluded.add(match.candidateId);
            const person = locked.get(match.candidateId);
            if (person === undefined || person.openJobMatches >= max) {
              if (person !== undefined) perCandidate.set(match.candidateId, person.openJobMatches);
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
        const matchIds = await this.insert(tx, 'opening', openingId, accepted, correlationOf.get(openingId));
        filled.set(openingId, { openMatches: history.openMatches + matchIds.length, matchIds, accepted });
      }
      return { offers, filled };
    }, requests[0].correlationId);
    const result = new Map<string, string[]>();
    for (const openingId of openingIds) {
      const offer = written.offers.get(openingId);
      const done = written.filled.get(openingId);
      if (offer?.accepting === true) this.engine.openings.upsert(offer);
      else this.engine.openings.remove(openingId);
      if (done === undefined) {
        perOpening.forget(openingId);
        result.set(openingId, []);
        continue;
      }
      // Counted under the locks and committed: exact, so places freed since (declined, withdrawn) show.
      perOpening.set(openingId, done.openMatches);
      const inserted = new Set(done.matchIds);
      for (const row of done.accepted) if (inserted.has(row.id)) perCandidate.set(row.candidateId, row.held + 1);
      result.set(openingId, done.matchIds);
    }
    return result;
  }

  /** Offers a slot's free places to the people who fit (`among`: only these), rotating among them. */
  async proposeForSlot(slotId: string, correlationId: string, among: MatchingEngine = this.engine): Promise<string[]> {
    const now = this.clock();
    const written = await this.store.withTransaction(async (tx) => {
      const offer = await tx.lockSlot(slotId, now);
      if (offer === null || !offer.accepting || !this.decidesFor(offer.location)) return null;
      const history = await tx.slotHistory(slotId);
      const state: SlotState = { offeredCandidateIds: history.offered, openOffers: history.openOffers, lastOfferedAt: history.lastOfferedAt };
      // Twice the room, next in rotation: people with repeated no-shows go behind the others (inRotation).
      const room = slotOfferLimit(offer.capacity, this.policy) - history.openOffers;
      const ranked = await this.inRotation(tx, among.matchSlot(offer, state, now, room), room);
      const locked = await tx.lockCandidates(ranked.map((match) => match.candidateId));
      const accepted = ranked.flatMap((match) => {
        const person = locked.get(match.candidateId);
        const made = person === undefined ? null : this.slotOffer(match, person.caseworkerId, offer, now, among);
        return made === null ? [] : [made];
      });
      const matchIds = await this.insert(tx, 'slot', slotId, accepted);
      return { openOffers: history.openOffers + matchIds.length, matchIds };
    }, correlationId);
    if (written === null) {
      this.counts.perSlot.forget(slotId);
      return [];
    }
    // The count just read under the lock: offers redeemed or expired since free their places here too.
    this.counts.perSlot.set(slotId, written.openOffers);
    return written.matchIds;
  }

  /**
   * The standby pool: the occurrences of a slot starting within `leadMinutes` whose seats are not all taken
   * (capacity less the offers redeemed for it and those open for it) are offered to the people on standby
   * (`standby`: their profiles; the caller keeps those whose budget allows an offer now) who fit by the
   * slot's rules, their standby in place of the break rule (onStandbyFor), in the rotation's order
   * (never offered the slot first, then offered longest ago, then by score; repeated no-shows behind), as
   * many as the free seats and within the slot's open-offer limit. No one holding an offer of the slot, and
   * no one offered the same occurrence last-minute before, is offered again: under the slot's lock, so two
   * sweeps at once offer once (and a unique index says so too). Each offer is for that occurrence, expires
   * at its end and is announced like any other (MatchesProposed). Returns the ids of the offers written.
   */
  async offerLastMinute(
    slotId: string,
    standby: readonly CandidateProfile[],
    correlationId: string,
    leadMinutes: number = LAST_MINUTE_LEAD_MINUTES,
  ): Promise<string[]> {
    if (standby.length === 0) return [];
    const now = this.clock();
    const written = await this.store.withTransaction(async (tx) => {
      const offer = await tx.lockSlot(slotId, now);
      if (offer === null || !offer.accepting || !this.decidesFor(offer.location)) return null;
      const due = lastMinuteOccurrences(offer, now, this.timeZone, leadMinutes);
      if (due.length === 0) return null;
      const history = await tx.slotHistory(slotId);
      const offered = new Set(history.offered);
      let openOffers = history.openOffers;
      const matchIds: string[] = [];
      for (const occurrence of due) {
        const seats = await tx.occurrenceSeats(slotId, occurrence);
        const room = Math.min(offer.capacity - seats.taken, slotOfferLimit(offer.capacity, this.policy) - openOffers);
        if (room <= 0) continue;
        const ready = new MatchingEngine(this.policy);
        for (const profile of standby)
          if (!seats.lastMinute.has(profile.id) && !offered.has(profile.id)) ready.people.upsert(onStandbyFor(profile, occurrence));
        if (ready.people.size === 0) continue;
        const state: SlotState = { offeredCandidateIds: offered, openOffers, lastOfferedAt: history.lastOfferedAt };
        // Twice the free seats, next in rotation: people with repeated no-shows go behind the others.
        const ranked = await this.inRotation(tx, ready.matchSlot(offer, state, now, room), room);
        if (ranked.length === 0) continue;
        const locked = await tx.lockCandidates(ranked.map((match) => match.candidateId));
        const accepted = ranked.flatMap((match): NewMatch[] => {
          const person = locked.get(match.candidateId);
          if (person === undefined) return [];
          return [
            {
              id: randomUUID(),
              candidateId: match.candidateId,
              caseworkerId: person.caseworkerId,
              score: match.score,
              reasons: match.reasons,
              redemptionCode: redemptionCode(),
              occurrenceStartsAt: occurrence.startsAt,
              expiresAt: occurrence.endsAt,
              lastMinute: true,
            },
          ];
        });
        const inserted = new Set(await this.insert(tx, 'slot', slotId, accepted));
        for (const row of accepted) {
          if (!inserted.has(row.id)) continue;
          offered.add(row.candidateId);
          matchIds.push(row.id);
          openOffers++;
        }
      }
      return { openOffers, matchIds };
    }, correlationId);
    if (written === null) return [];
    this.counts.perSlot.set(slotId, written.openOffers);
    return written.matchIds;
  }

  /**
   * A new or changed person (or one with room again): the openings and slots they fit that have room, up
   * to their cap. The counts of offers that say full and are not fresh are re-read before they may hide
   * an offer from the person (rankRechecked); the locked rows have the final word. `known`: the caller's
   * read of the person's matches, when it has one just made.
   */
  async proposeForCandidate(profile: CandidateProfile, correlationId: string, known?: CandidateHistory): Promise<void> {
    await this.proposeForCandidates([{ profile, correlationId, known }]);
  }

  /**
   * Several people at once (registrations handled at about the same moment), in one transaction: each is
   * ranked as proposeForCandidate says, then the offers of all of them are locked (in the order of their
   * ids, offers before people, as every matcher does), the people locked and their matches and the
   * offers' counts read in one statement each, each person given their offers in turn (an offer filled by
   * one counts full for the next), the matches written in one statement per kind, and a MatchesProposed per
   * offer and request committed with them, each under that request's correlation id.
   */
  async proposeForCandidates(all: readonly { profile: CandidateProfile; correlationId: string; known?: CandidateHistory }[]): Promise<void> {
    const requests = all.filter((request) => this.decidesFor(request.profile.location));
    const now = this.clock();
    const policy = this.policy;
    const engine = this.engine;
    const { perCandidate, perOpening, perSlot } = this.counts;
    const ranked: { profile: CandidateProfile; correlationId: string; toOpenings: OfferMatch[]; toSlots: OfferMatch[] }[] = [];
    for (const { profile, correlationId, known } of requests) {
      const id = profile.id;
      const before = known ?? (await this.store.candidateHistory(id));
      perCandidate.set(id, before.openJobMatches);
      const toOpenings = await rankRechecked(
        (openMatches) =>
          engine.matchCandidateToOpenings(
            profile,
            (openingId): OpeningState => ({
              matchedCandidateIds: before.openingIds.has(openingId) ? new Set([id]) : NO_ONE,
              openMatches: openMatches(openingId),
            }),
            before.openJobMatches,
            now,
          ),
        perOpening,
        (openingId, open) => {
          const opening = engine.openings.get(openingId);
          return opening !== undefined && !before.openingIds.has(openingId) && open >= shortlistSize(opening.positions, policy);
        },
        (ids) => this.store.openMatchesOf('opening', ids),
      );
      const toSlots = await rankRechecked(
        (openOffers) =>
          engine.matchCandidateToSlots(
            profile,
            (slotId): SlotState => ({
              offeredCandidateIds: before.openSlotOfferIds.has(slotId) ? new Set([id]) : NO_ONE,
              openOffers: openOffers(slotId),
              lastOfferedAt: NEVER,
            }),
            now,
          ),
        perSlot,
        (slotId, open) => {
          const slot = engine.slots.get(slotId);
          return slot !== undefined && !before.openSlotOfferIds.has(slotId) && open >= slotOfferLimit(slot.capacity, policy);
        },
        (ids) => this.store.openMatchesOf('slot', ids),
      );
      if (toOpenings.length > 0 || toSlots.length > 0) ranked.push({ profile, correlationId, toOpenings, toSlots });
    }
    if (ranked.length === 0) return;
    const written = await this.store.withTransaction(async (tx) => {
      // Offers first, then the people: the one lock order of every matcher.
      const openOpenings = await tx.lockOffers('opening', [...new Set(ranked.flatMap((one) => one.toOpenings.map((match) => match.offerId)))].sort());
      const activeSlots = await tx.lockOffers('slot', [...new Set(ranked.flatMap((one) => one.toSlots.map((match) => match.offerId)))].sort());
      const peopleIds = ranked.map((one) => one.profile.id).sort();
      // The people's counts come from their matches read after the lock (a statement of its own, so its
      // snapshot sees what the transaction it may have waited for committed): the lock need not count too.
      const locked = await tx.lockCandidateRows(peopleIds);
      const histories = await tx.candidateHistories(peopleIds.filter((id) => locked.has(id)));
      const openingCounts = new Map(await tx.openMatchesOf('opening', [...openOpenings]));
      const slotCounts = new Map(await tx.openMatchesOf('slot', [...activeSlots]));
      const jobMatches: (NewMatch & { offerId: string; correlationId: string })[] = [];
      const slotOffers: (NewMatch & { offerId: string; correlationId: string })[] = [];
      const held = new Map<string, number>();
      for (const { profile, correlationId, toOpenings, toSlots } of ranked) {
        const id = profile.id;
        const caseworkerId = locked.get(id);
        const history = histories.get(id);
        if (caseworkerId === undefined || history === undefined) continue;
        let room = policy.maxOpenJobMatchesPerPerson - history.openJobMatches;
        for (const match of toOpenings) {
          const opening = engine.openings.get(match.offerId);
          if (room <= 0) break;
          if (opening === undefined || !openOpenings.has(match.offerId) || history.openingIds.has(match.offerId)) continue;
          if ((openingCounts.get(match.offerId) ?? 0) >= shortlistSize(opening.positions, policy)) continue;
          jobMatches.push({
            id: randomUUID(),
            offerId: match.offerId,
            correlationId,
            candidateId: id,
            caseworkerId,
            score: match.score,
            reasons: match.reasons,
          });
          room--;
          openingCounts.set(match.offerId, (openingCounts.get(match.offerId) ?? 0) + 1);
        }
        held.set(id, policy.maxOpenJobMatchesPerPerson - room);
        for (const match of toSlots) {
          const slot = engine.slots.get(match.offerId);
          if (slot === undefined || !activeSlots.has(match.offerId) || history.openSlotOfferIds.has(match.offerId)) continue;
          if ((slotCounts.get(match.offerId) ?? 0) >= slotOfferLimit(slot.capacity, policy)) continue;
          const offer = this.slotOffer({ candidateId: id, score: match.score, reasons: match.reasons }, caseworkerId, slot, now);
          if (offer === null) continue;
          slotOffers.push({ ...offer, offerId: match.offerId, correlationId });
          slotCounts.set(match.offerId, (slotCounts.get(match.offerId) ?? 0) + 1);
        }
      }
      // A pair that exists already (another matcher wrote it since) is skipped by the insert: the counts
      // then say one too many, which costs that offer a place until they are next read, never a cap.
      for (const [kind, rows] of [
        ['opening', jobMatches],
        ['slot', slotOffers],
      ] as const) {
        const inserted = new Set(await tx.insertMatchesAcross(kind, rows));
        const announced = new Map<string, { offerId: string; correlationId: string; matchIds: string[] }>();
        for (const row of rows) {
          if (!inserted.has(row.id)) continue;
          const key = `${row.offerId} ${row.correlationId}`;
          const entry = announced.get(key) ?? { offerId: row.offerId, correlationId: row.correlationId, matchIds: [] };
          entry.matchIds.push(row.id);
          announced.set(key, entry);
        }
        for (const entry of announced.values()) tx.matchesProposed(kind, entry.offerId, entry.matchIds, entry.correlationId);
      }
      return { held, openingCounts, slotCounts };
    }, ranked[0].correlationId);
    // Counted under the locks and committed: exact.
    for (const [id, count] of written.held) perCandidate.set(id, count);
    for (const [openingId, open] of written.openingCounts) perOpening.set(openingId, open);
    for (const [slotId, open] of written.slotCounts) perSlot.set(slotId, open);
  }

  /**
   * Many new (or changed) people at once, a bulk import's chunk, already in the engine: they are matched
   * offer-side. Every open opening and active slot within reach of any of them ranks only them (an engine
   * of just these people), and one that has room and someone to propose does so under its locks, exactly
   * as when it is posted: the caps and the shortlist are checked on the locked rows. An offer with room has
   * already proposed everyone else who fits, so ranking only the newcomers gives it what ranking everyone
   * would. Costs one transaction per offer that gains someone, rather than several statements per person.
   */
  async matchPeopleOfferSide(arrived: readonly CandidateProfile[], correlationId: string): Promise<void> {
    if (arrived.length === 0) return;
    const { perCandidate, perOpening, perSlot } = this.counts;
    const newcomers = new MatchingEngine(this.policy);
    for (const profile of arrived) newcomers.people.upsert(profile);
    // The offers within reach of any of them (each offer's own radius is checked when it ranks them).
    const openingIds = new Set<string>();
    const slotIds = new Set<string>();
    for (const person of arrived) {
      const reachKm = person.maxTravelKm ?? Number.POSITIVE_INFINITY;
      this.engine.openings.forEachReaching(person.location.lat, person.location.lng, reachKm, (opening) => openingIds.add(opening.id));
      this.engine.slots.forEachReaching(person.location.lat, person.location.lng, reachKm, (slot) => slotIds.add(slot.id));
    }
    // Their counts and the offers', each one statement: fresh, so that offers without room cost nothing more.
    const held = await this.store.openJobMatchesOf(arrived.map((person) => person.id));
    for (const person of arrived) perCandidate.set(person.id, held.get(person.id) ?? 0);
    const now = this.clock();
    const openingCounts = await this.store.openMatchesOf('opening', [...openingIds]);
    for (const openingId of openingIds) {
      const offer = this.engine.openings.get(openingId);
      if (offer === undefined) continue;
      const openMatches = openingCounts.get(openingId) ?? 0;
      perOpening.set(openingId, openMatches);
      const fits = newcomers.matchOpening(offer, { matchedCandidateIds: NO_ONE, openMatches }, { openJobMatches: (id) => perCandidate.get(id) }, now);
      if (fits.length > 0) await this.proposeForOpening(openingId, correlationId, newcomers);
    }
    const slotCounts = await this.store.openMatchesOf('slot', [...slotIds]);
    for (const slotId of slotIds) {
      const offer = this.engine.slots.get(slotId);
      if (offer === undefined) continue;
      const openOffers = slotCounts.get(slotId) ?? 0;
      perSlot.set(slotId, openOffers);
      const fits = newcomers.matchSlot(offer, { offeredCandidateIds: NO_ONE, openOffers, lastOfferedAt: NEVER }, now);
      if (fits.length > 0) await this.proposeForSlot(slotId, correlationId, newcomers);
    }
  }

  /**
   * Places freed on people's caps by a withdrawal (`jobMatchesLost`: how many open job matches each lost):
   * their counts are set from the rows (one query for all of them), and whoever was full and has room now
   * is offered to the openings and slots that wait for them (their cap kept them from some).
   */
  async release(jobMatchesLost: ReadonlyMap<string, number>, correlationId: string): Promise<void> {
    if (jobMatchesLost.size === 0) return;
    const max = this.policy.maxOpenJobMatchesPerPerson;
    const perCandidate = this.counts.perCandidate;
    const held = await this.store.openJobMatchesOf([...jobMatchesLost.keys()]);
    const freed: string[] = [];
    for (const [id, count] of jobMatchesLost) {
      const now = held.get(id) ?? 0;
      const wasFull = now + count >= max || perCandidate.get(id) >= max;
      perCandidate.set(id, now);
      if (wasFull && now < max) freed.push(id);
    }
    await this.reconsiderPeople(freed, correlationId);
  }

  /**
   * A caseworker moved a job match. Declined, no response or hired: the opening's place goes to the next
   * in line, and the person's place on their cap is theirs again: their count is re-read, and they are
   * offered to the openings that wait (ones their cap kept them from). Other moves change no count.
   * Returns the person whose count went down (null: none), for the other matchers to re-read.
   */
  async jobMatchMoved(matchId: string, openingId: string, correlationId: string): Promise<string | null> {
    const holder = await this.store.jobMatchHolder(matchId);
    await this.proposeForOpening(openingId, correlationId);
    if (holder === null || holder.open) return null;
    this.counts.perCandidate.set(holder.candidateId, holder.openJobMatches);
    if (holder.openJobMatches < this.policy.maxOpenJobMatchesPerPerson) await this.reconsiderPeople([holder.candidateId], correlationId);
    return holder.candidateId;
  }

  /** People with room again, against the offers within their reach (one read of their rows). */
  private async reconsiderPeople(ids: string[], correlationId: string): Promise<void> {
    if (ids.length === 0) return;
    for (const profile of await this.store.matchableCandidates(ids)) await this.proposeForCandidate(profile, correlationId);
  }

  /** Writes matches of one offer and, when any were new, announces them (one MatchesProposed for the notifier). */
  /**
   * The first `room` of a slot's candidates in the rotation's order: people with repeated no-shows go behind
   * the others, read only when someone would be left out.
   */
  private async inRotation(tx: ProposalTransaction, candidates: ScoredMatch[], room: number): Promise<ScoredMatch[]> {
    const behind =
      candidates.length > room
        ? await tx.repeatNoShows(
            candidates.map((match) => match.candidateId),
            this.policy.noShows,
          )
        : NO_ONE;
    return inRotation(candidates, behind, room);
  }

  private async insert(tx: ProposalTransaction, kind: OfferKind, offerId: string, matches: NewMatch[], correlationId?: string): Promise<string[]> {
    const matchIds = await tx.insertMatches(kind, offerId, matches);
    if (matchIds.length > 0) tx.matchesProposed(kind, offerId, matchIds, correlationId);
    return matchIds;
  }

  /**
   * A slot offer: a redemption code, for the occurrence the person's breaks meet that ends first (valid
   * until it ends); null when none is left for them.
   */
  private slotOffer(
    match: Pick<ScoredMatch, 'candidateId' | 'score' | 'reasons'>,
    caseworkerId: string,
    slot: SlotOffer,
    now: number,
    ranker: MatchingEngine = this.engine,
  ): NewMatch | null {
    // The breaks of the engine that ranked them (those who ordered a course: the windows of their order).
    const occurrence = offeredOccurrence(ranker.breakPiecesOf(match.candidateId), slot, now, this.timeZone, this.policy);
    if (occurrence === undefined) return null;
    return {
      id: randomUUID(),
      candidateId: match.candidateId,
      caseworkerId,
      score: match.score,
      reasons: match.reasons,
      redemptionCode: redemptionCode(),
      occurrenceStartsAt: occurrence.startsAt,
      expiresAt: occurrence.endsAt,
    };
  }
}
