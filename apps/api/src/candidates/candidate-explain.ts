import { Injectable, NotFoundException } from '@nestjs/common';
import { ValidationFailedException } from '@huigong/platform';
import { type CandidateProfile, type RuleCheck, allPass, checkOpening, checkSlot } from '@huigong/matching';
import { CandidateEntity, MatchEntity, OpeningEntity, SlotEntity } from '@huigong/persistence/entities';
import { DataSource } from 'typeorm';

export interface ExplainView {
  candidateId: string;
  offerKind: 'opening' | 'slot';
  offerId: string;
  /** Whether every rule passes. */
  eligible: boolean;
  rules: RuleCheck[];
  /** The stored match, where one exists. */
  match: { matchId: string; status: string; score: number } | null;
}

export function candidateProfile(row: CandidateEntity): CandidateProfile {
  return {
    id: row.id,
    groups: row.groups,
    skills: row.skills,
    location: { lat: row.lat ?? 0, lng: row.lng ?? 0 },
    maxTravelKm: row.maxTravelKm,
    availability: row.availability,
    breaks: row.breaks,
    accessibilityNeeds: row.accessibilityNeeds,
    consentContact: row.consentContact,
    waitingSince: row.createdAt.getTime(),
  };
}

const stillValid = (validUntil: Date | null, now: Date): boolean => validUntil === null || validUntil > now;

/** Why this person is or is not matched to one opening or slot: each rule with pass/fail and figures. */
@Injectable()
export class CandidateExplainer {
  constructor(private readonly dataSource: DataSource) {}

  async explain(candidate: CandidateEntity, query: { openingId?: string; slotId?: string }): Promise<ExplainView> {
    if ((query.openingId === undefined) === (query.slotId === undefined)) {
      throw new ValidationFailedException([{ field: 'openingId', message: 'give exactly one of openingId and slotId' }]);
    }
    const now = new Date();
    const profile = candidateProfile(candidate);
    if (query.openingId !== undefined) {
      const opening = await this.dataSource.getRepository(OpeningEntity).findOneBy({ id: query.openingId });
      if (opening === null) throw new NotFoundException(`No opening ${query.openingId}.`);
      const rules = checkOpening(profile, {
        id: opening.id,
        accepting: opening.status === 'open' && stillValid(opening.validUntil, now),
        targetGroups: opening.targetGroups,
        skills: opening.skills,
        location: { lat: opening.lat, lng: opening.lng },
        radiusKm: opening.radiusKm,
        shifts: opening.shifts,
        accessibilityFeatures: opening.accessibilityFeatures,
        positions: opening.positions,
      });
      const match = await this.dataSource.getRepository(MatchEntity).findOneBy({ openingId: opening.id, candidateId: candidate.id });
      return this.view(candidate.id, 'opening', opening.id, rules, match);
    }
    const slot = await this.dataSource.getRepository(SlotEntity).findOneBy({ id: query.slotId });
    if (slot === null) throw new NotFoundException(`No slot ${query.slotId}.`);
    const rules = checkSlot(profile, {
      id: slot.id,
      accepting: slot.status === 'active' && stillValid(slot.validUntil, now),
      eligibleGroups: slot.eligibleGroups,
      location: { lat: slot.lat, lng: slot.lng },
      radiusKm: slot.radiusKm,
      windows: slot.windows,
      accessibilityFeatures: slot.accessibilityFeatures,
      capacity: slot.capacity,
    });
    const match = await this.dataSource.getRepository(MatchEntity).findOne({
      where: { slotId: slot.id, candidateId: candidate.id },
      order: { createdAt: 'DESC' },
    });
    return this.view(candidate.id, 'slot', slot.id, rules, match);
  }

  private view(candidateId: string, offerKind: 'opening' | 'slot', offerId: string, rules: RuleCheck[], match: MatchEntity | null): ExplainView {
    return {
      candidateId,
      offerKind,
      offerId,
      eligible: allPass(rules),
      rules,
      match: match === null ? null : { matchId: match.id, status: match.status, score: match.score },
    };
  }
}
