/**
 * A ProposalStore in memory, for the proposals' unit specs: the same answers as PostgreSQL's (the open
 * statuses of libs/domain, the unique pairs of the matches table, a transaction's writes and announcements
 * kept only if it completes), none of its concurrency. Locks are no-ops: one process, one caller at a time.
 */
import { type MatchStatus, type OfferKind, OPEN_JOB_MATCH_STATUSES, OPEN_SLOT_OFFER_STATUSES } from '@huigong/domain';
import type { CandidateHistory, JobMatchHolder, LockedCandidate, NewMatch, OpeningHistory, ProposalStore, ProposalTransaction, SlotHistory } from './proposals';
import type { CandidateProfile, OpeningOffer, SlotOffer } from './rules';
import type { MatchReason } from './score';

/** Active and consenting to jobs or benefits: the rows PostgreSQL's `consent_contact` lets through. */
const consentsToAny = (profile: CandidateProfile): boolean => profile.consentJobs || profile.consentBenefits;

const OPEN_JOB: readonly MatchStatus[] = OPEN_JOB_MATCH_STATUSES;
const OPEN_SLOT: readonly MatchStatus[] = OPEN_SLOT_OFFER_STATUSES;

/** A row of the matches table. */
export interface StoredMatch {
  id: string;
  kind: OfferKind;
  offerId: string;
  candidateId: string;
  caseworkerId: string;
  score: number;
  reasons: MatchReason[];
  status: MatchStatus;
  /** Epoch ms. */
  createdAt: number;
  redemptionCode?: string;
  occurrenceStartsAt?: Date;
  expiresAt?: Date;
  /** A last-minute offer to someone on standby. */
  lastMinute?: boolean;
  /** Why the status was set: for an expired offer, `no_show` or `occurrence_full`. */
  statusReason?: string;
}

/** A person's row: their profile, their caseworker, whether they are active. */
export interface StoredCandidate {
  profile: CandidateProfile;
  caseworkerId: string;
  active: boolean;
}

/** One MatchesProposed as the notifier would receive it. */
export interface Announcement {
  kind: OfferKind;
  offerId: string;
  matchIds: string[];
  /** The request it answers, when its transaction answered several. */
  correlationId?: string;
}

export class InMemoryProposalStore implements ProposalStore {
  readonly openings = new Map<string, OpeningOffer>();
  readonly slots = new Map<string, SlotOffer>();
  readonly people = new Map<string, StoredCandidate>();
  readonly matches: StoredMatch[] = [];
  readonly announcements: Announcement[] = [];
  /** Transactions run (committed or not). */
  transactions = 0;

  constructor(private readonly clock: () => number) {}

  /** Matches of an offer in the order they were written. */
  matchesOf(offerId: string, statuses?: readonly MatchStatus[]): StoredMatch[] {
    return this.matches.filter((match) => match.offerId === offerId && (statuses === undefined || statuses.includes(match.status)));
  }

  /** The people holding an open match (job match or slot offer) of an offer, in the order they were proposed. */
  proposedFor(offerId: string): string[] {
    return this.matches.filter((match) => match.offerId === offerId && this.isOpen(match)).map((match) => match.candidateId);
  }

  /** Writes a match directly, as history the proposals find (another matcher's, or an earlier day's). */
  seedMatch(match: Omit<StoredMatch, 'score' | 'reasons' | 'caseworkerId' | 'createdAt'> & Partial<StoredMatch>): StoredMatch {
    const stored: StoredMatch = {
      score: 0.5,
      reasons: [],
      caseworkerId: this.people.get(match.candidateId)?.caseworkerId ?? 'cw',
      createdAt: this.clock(),
      ...match,
    };
    this.matches.push(stored);
    return stored;
  }

  /** A caseworker or the system moves a match; returns the open job matches the person lost (as a withdrawal reports them). */
  move(matchId: string, status: MatchStatus): Map<string, number> {
    const match = this.matches.find((row) => row.id === matchId);
    if (match === undefined) throw new Error(`no match ${matchId}`);
    const wasOpenJobMatch = match.kind === 'opening' && OPEN_JOB.includes(match.status);
    match.status = status;
    return wasOpenJobMatch && !OPEN_JOB.includes(status) ? new Map([[match.candidateId, 1]]) : new Map<string, number>();
  }

  openJobMatchesOf(candidateIds: string[]): Promise<Map<string, number>> {
    return Promise.resolve(this.countOpenJobMatches(candidateIds));
  }

  private countOpenJobMatches(candidateIds: readonly string[]): Map<string, number> {
    const counts = new Map<string, number>();
    for (const match of this.matches) {
      if (match.kind !== 'opening' || !OPEN_JOB.includes(match.status) || !candidateIds.includes(match.candidateId)) continue;
      counts.set(match.candidateId, (counts.get(match.candidateId) ?? 0) + 1);
    }
    return counts;
  }

  openMatchesOf(kind: OfferKind, offerIds: string[]): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const match of this.matches) {
      if (match.kind !== kind || !offerIds.includes(match.offerId) || !this.isOpen(match)) continue;
      counts.set(match.offerId, (counts.get(match.offerId) ?? 0) + 1);
    }
    return Promise.resolve(counts);
  }

  candidateHistory(candidateId: string): Promise<CandidateHistory> {
    const openingIds = new Set<string>();
    const openSlotOfferIds = new Set<string>();
    let openJobMatches = 0;
    const now = this.clock();
    for (const match of this.matches) {
      if (match.candidateId !== candidateId) continue;
      if (match.kind === 'opening') {
        openingIds.add(match.offerId);
        if (OPEN_JOB.includes(match.status)) openJobMatches++;
      } else if (match.status === 'proposed' || (match.status === 'redeemed' && (match.expiresAt?.getTime() ?? 0) > now)) {
        openSlotOfferIds.add(match.offerId);
      }
    }
    return Promise.resolve({ openingIds, openJobMatches, openSlotOfferIds });
  }

  matchableCandidates(candidateIds: string[]): Promise<CandidateProfile[]> {
    return Promise.resolve(
      candidateIds.flatMap((id) => {
        const person = this.people.get(id);
        return person !== undefined && person.active && consentsToAny(person.profile) ? [person.profile] : [];
      }),
    );
  }

  jobMatchHolder(matchId: string): Promise<JobMatchHolder | null> {
    const match = this.matches.find((row) => row.id === matchId && row.kind === 'opening');
    if (match === undefined) return Promise.resolve(null);
    const held = this.countOpenJobMatches([match.candidateId]).get(match.candidateId) ?? 0;
    return Promise.resolve({ candidateId: match.candidateId, open: OPEN_JOB.includes(match.status), openJobMatches: held });
  }

  async withTransaction<T>(work: (tx: ProposalTransaction) => Promise<T>): Promise<T> {
    this.transactions++;
    const written = this.matches.length;
    const announced: Announcement[] = [];
    try {
      const result = await work(this.transaction(announced));
      this.announcements.push(...announced);
      return result;
    } catch (error) {
      // Rolled back: nothing it wrote stays.
      this.matches.length = written;
      throw error;
    }
  }

  private transaction(announced: Announcement[]): ProposalTransaction {
    return {
      openJobMatchesOf: (ids) => this.openJobMatchesOf(ids),
      openMatchesOf: (kind, ids) => this.openMatchesOf(kind, ids),
      lockOpenings: (ids) =>
        Promise.resolve(new Map(ids.flatMap((id) => (this.openings.has(id) ? [[id, this.openings.get(id) as OpeningOffer] as const] : [])))),
      lockSlot: (id) => Promise.resolve(this.slots.get(id) ?? null),
      openingHistories: (ids) => Promise.resolve(new Map(ids.map((id) => [id, this.openingHistory(id)]))),
      slotHistory: (id) => Promise.resolve(this.slotHistory(id)),
      occurrenceSeats: (id, occurrence) => Promise.resolve(this.occurrenceSeats(id, occurrence)),
      repeatNoShows: (ids, noShows) => Promise.resolve(this.repeatNoShows(ids, noShows)),
      lockOffers: (kind, ids) => {
        const offers: ReadonlyMap<string, { accepting: boolean }> = kind === 'opening' ? this.openings : this.slots;
        return Promise.resolve(new Set(ids.filter((id) => offers.get(id)?.accepting === true)));
      },
      lockCandidates: (ids) => Promise.resolve(this.lockCandidates(ids)),
      lockCandidateRows: (ids) =>
        Promise.resolve(
          new Map(
            ids.flatMap((id) => {
              const person = this.people.get(id);
              return person !== undefined && person.active && consentsToAny(person.profile) ? [[id, person.caseworkerId] as const] : [];
            }),
          ),
        ),
      candidateHistories: async (ids) => new Map(await Promise.all(ids.map(async (id) => [id, await this.candidateHistory(id)] as const))),
      insertMatches: (kind, offerId, matches) => Promise.resolve(this.insert(kind, offerId, matches)),
      insertMatchesAcross: (kind, matches) => Promise.resolve(matches.flatMap((match) => this.insert(kind, match.offerId, [match]))),
      matchesProposed: (kind, offerId, matchIds, correlationId) => {
        announced.push({ kind, offerId, matchIds, ...(correlationId === undefined ? {} : { correlationId }) });
      },
    };
  }

  private openingHistory(openingId: string): OpeningHistory {
    const matches = this.matches.filter((match) => match.kind === 'opening' && match.offerId === openingId);
    return { matched: new Set(matches.map((match) => match.candidateId)), openMatches: matches.filter((match) => this.isOpen(match)).length };
  }

  private repeatNoShows(ids: readonly string[], noShows: { behindAfter: number; days: number }): Set<string> {
    const since = this.clock() - noShows.days * 86_400_000;
    const counts = new Map<string, number>();
    for (const match of this.matches) {
      if (match.kind !== 'slot' || match.status !== 'expired' || match.statusReason !== 'no_show' || (match.expiresAt?.getTime() ?? 0) <= since) continue;
      counts.set(match.candidateId, (counts.get(match.candidateId) ?? 0) + 1);
    }
    return new Set(ids.filter((id) => (counts.get(id) ?? 0) >= noShows.behindAfter));
  }

  private slotHistory(slotId: string): SlotHistory {
    const now = this.clock();
    const offered = new Set<string>();
    const open = new Set<string>();
    const lastOfferedAt = new Map<string, number>();
    for (const match of this.matches) {
      if (match.kind !== 'slot' || match.offerId !== slotId) continue;
      lastOfferedAt.set(match.candidateId, Math.max(lastOfferedAt.get(match.candidateId) ?? Number.NEGATIVE_INFINITY, match.createdAt));
      if (match.status === 'proposed') open.add(match.candidateId);
      if (match.status === 'proposed' || (match.status === 'redeemed' && (match.expiresAt?.getTime() ?? 0) > now)) offered.add(match.candidateId);
    }
    return { offered, openOffers: open.size, lastOfferedAt };
  }

  private occurrenceSeats(slotId: string, occurrence: { startsAt: Date; endsAt: Date }): { taken: number; lastMinute: Set<string> } {
    let taken = 0;
    const lastMinute = new Set<string>();
    for (const match of this.matches) {
      if (match.kind !== 'slot' || match.offerId !== slotId || match.expiresAt?.getTime() !== occurrence.endsAt.getTime()) continue;
      if (match.status === 'proposed' || match.status === 'redeemed') taken++;
      if (match.lastMinute === true && match.occurrenceStartsAt?.getTime() === occurrence.startsAt.getTime()) lastMinute.add(match.candidateId);
    }
    return { taken, lastMinute };
  }

  private lockCandidates(ids: string[]): Map<string, LockedCandidate> {
    const held = this.countOpenJobMatches(ids);
    const locked = new Map<string, LockedCandidate>();
    for (const id of [...ids].sort()) {
      const person = this.people.get(id);
      if (person === undefined || !person.active || !consentsToAny(person.profile)) continue;
      locked.set(id, { caseworkerId: person.caseworkerId, openJobMatches: held.get(id) ?? 0 });
    }
    return locked;
  }

  /**
   * ON CONFLICT DO NOTHING on the table's unique pairs: (opening, person) ever; (slot, person) while an offer
   * is open; (slot, occurrence, person) of last-minute offers ever.
   */
  private insert(kind: OfferKind, offerId: string, matches: NewMatch[]): string[] {
    const inserted: string[] = [];
    for (const match of matches) {
      const taken = this.matches.some(
        (row) =>
          row.id === match.id ||
          (row.kind === kind &&
            row.offerId === offerId &&
            row.candidateId === match.candidateId &&
            (kind === 'opening' ||
              row.status === 'proposed' ||
              (match.lastMinute === true && row.lastMinute === true && row.occurrenceStartsAt?.getTime() === match.occurrenceStartsAt?.getTime()))),
      );
      if (taken) continue;
      this.matches.push({
        id: match.id,
        kind,
        offerId,
        candidateId: match.candidateId,
        caseworkerId: match.caseworkerId,
        score: match.score,
        reasons: match.reasons,
        status: 'proposed',
        createdAt: this.clock(),
        redemptionCode: match.redemptionCode,
        occurrenceStartsAt: match.occurrenceStartsAt,
        expiresAt: match.expiresAt,
        ...(match.lastMinute === true ? { lastMinute: true } : {}),
      });
      inserted.push(match.id);
    }
    return inserted;
  }

  private isOpen(match: StoredMatch): boolean {
    return (match.kind === 'opening' ? OPEN_JOB : OPEN_SLOT).includes(match.status);
  }
}
