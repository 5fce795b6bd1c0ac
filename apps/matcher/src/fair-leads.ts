import { Injectable } from '@nestjs/common';
import { UnitOfWork, outboxEvent } from '@huigong/messaging';
import { FairStore, MatchStore } from '@huigong/persistence';
import { randomUUID } from 'node:crypto';

/**
 * Makes a fair's intents into leads: each becomes a job match of the opening, marked as the person's own
 * interest (`self_declared_at`), at the top of their caseworker's list; a match the engine had proposed
 * already is marked so. In one transaction per event, taking the locks in the matcher's order (the
 * openings, then the people, each sorted), so that it never deadlocks with a proposal. A lead is the
 * person's own choice: it is made whatever the caps (it counts against them afterwards), but not for an
 * opening no longer open, nor for a person without consent to job contact. The caseworkers and employers
 * hear of the new ones as of any proposal (`MatchesProposed`).
 */
@Injectable()
export class FairLeadMaker {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly fairs: FairStore,
    private readonly matches: MatchStore,
  ) {}

  /** Answers the people who have a new open job match (their counts changed). */
  async make(intentIds: readonly string[], correlationId: string): Promise<string[]> {
    return this.unitOfWork.run(
      async (tx) => {
        const { manager } = tx;
        const pending = await this.fairs.pendingIntents(manager, intentIds);
        if (pending.length === 0) return [];
        const open = await this.matches.lockOffers(manager, 'openings', [...new Set(pending.map((intent) => intent.openingId))]);
        await this.matches.lockCandidateRows(manager, [...new Set(pending.map((intent) => intent.candidateId))]);
        const leads = pending.map((intent) => ({ ...intent, matchId: randomUUID() }));
        const inserted = await this.fairs.makeLeads(manager, leads, open);
        for (const [openingId, matchIds] of inserted) tx.emit(outboxEvent('MatchesProposed', { offerKind: 'opening', offerId: openingId, matchIds }));
        const newIds = new Set([...inserted.values()].flat());
        return [...new Set(leads.filter((lead) => newIds.has(lead.matchId)).map((lead) => lead.candidateId))];
      },
      { correlationId },
    );
  }
}
