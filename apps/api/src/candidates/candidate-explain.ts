import { Inject, Injectable, NotFoundException } from '@nestjs/common';
import { APP_CONFIG, type AppConfig, ValidationFailedException } from '@huigong/platform';
import {
  DEFAULT_MATCHING_POLICY,
  type RuleCheck,
  allPass,
  asOfferedLastMinute,
  checkOpening,
  checkSlot,
  shortlistSize,
  slotOfferLimit,
} from '@huigong/matching';
import {
  type CandidateEntity,
  CourseMenuStore,
  type MatchEntity,
  MatchStore,
  candidateProfile,
  openingOffer,
  slotOffer,
  withOrderWindows,
} from '@huigong/persistence';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { MATCH_STATUSES } from '../common/match-status';
import { unionRef } from '../docs/tagged-unions';

/** The caps of API v1, with their figures: a person may fit and still not be proposed because one is reached. */
export type CapCheck =
  | { rule: 'person_cap'; pass: boolean; openJobMatches: number; max: number }
  | { rule: 'shortlist'; pass: boolean; openMatches: number; size: number }
  | { rule: 'slot_offers'; pass: boolean; openOffers: number; limit: number }
  /** Not a cap that excludes: failing it puts the person behind the others in the slot's rotation. */
  | { rule: 'no_shows'; pass: boolean; noShows: number; behindAfter: number; days: number };

@ApiSchema({ name: 'ExplainedMatch', description: 'The stored match of this person and offer.' })
export class ExplainedMatch {
  @ApiProperty({ type: 'string', format: 'uuid' })
  matchId: string;

  @ApiProperty({ enum: MATCH_STATUSES, enumName: 'MatchStatus' })
  status: string;

  @ApiProperty({ type: 'number', minimum: 0, maximum: 1 })
  score: number;
}

@ApiSchema({ name: 'Explanation', description: 'Why a person is or is not matched to one opening or slot.' })
export class ExplainView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  candidateId: string;

  @ApiProperty({ enum: ['opening', 'slot'], enumName: 'OfferKind' })
  offerKind: 'opening' | 'slot';

  @ApiProperty({ type: 'string', format: 'uuid' })
  offerId: string;

  /** Whether every rule passes (the caps aside). */
  @ApiProperty({ type: 'boolean', description: 'Whether every rule passes (the caps aside).' })
  eligible: boolean;

  @ApiProperty({ type: 'array', items: unionRef('RuleCheck'), description: 'Every hard rule, in a fixed order.' })
  rules: RuleCheck[];

  /** Caps, counted now; a person who already holds a match of this offer is not blocked by them. */
  @ApiProperty({
    type: 'array',
    items: unionRef('CapCheck'),
    description: 'Caps, counted now; a person who already holds a match of this offer is not blocked by them.',
  })
  caps: CapCheck[];

  /** The stored match, where one exists. */
  @ApiProperty({ type: () => ExplainedMatch, nullable: true, description: 'The stored match, where one exists.' })
  match: ExplainedMatch | null;
}

/** Why this person is or is not matched to one opening or slot: each rule with pass/fail and figures. */
@Injectable()
export class CandidateExplainer {
  constructor(
    private readonly dataSource: DataSource,
    private readonly matches: MatchStore,
    private readonly courseMenu: CourseMenuStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async explain(candidate: CandidateEntity, query: { openingId?: string; slotId?: string }): Promise<ExplainView> {
    if ((query.openingId === undefined) === (query.slotId === undefined)) {
      throw new ValidationFailedException([{ field: 'openingId', message: 'give exactly one of openingId and slotId' }]);
    }
    const now = new Date();
    const profile = candidateProfile(candidate);
    if (query.openingId !== undefined) {
      const opening = await this.matches.opening(this.dataSource.manager, query.openingId);
      if (opening === null) throw new NotFoundException(`No opening ${query.openingId}.`);
      const rules = checkOpening(profile, openingOffer(opening, now.getTime()));
      const match = await this.matches.jobMatchOf(candidate.id, opening.id);
      const counts = await this.matches.openJobMatchCounts(candidate.id, opening.id);
      const max = DEFAULT_MATCHING_POLICY.maxOpenJobMatchesPerPerson;
      const size = shortlistSize(opening.positions);
      const caps: CapCheck[] = [
        { rule: 'person_cap', pass: counts.person < max, openJobMatches: counts.person, max },
        { rule: 'shortlist', pass: counts.opening < size, openMatches: counts.opening, size },
      ];
      return this.view(candidate.id, 'opening', opening.id, rules, caps, match);
    }
    // Exactly one of openingId and slotId was given (checked above), and it is not openingId.
    const slot = await this.matches.slot(this.dataSource.manager, query.slotId as string);
    if (slot === null) throw new NotFoundException(`No slot ${query.slotId}.`);
    // A course they ordered judges them with the windows of their order too.
    const orderWindows = (await this.courseMenu.orderWindowsOf(this.dataSource.manager, candidate.id, [slot.id])).get(slot.id);
    const match = await this.matches.latestSlotOfferOf(candidate.id, slot.id);
    // A last-minute offer they hold (the standby pool) judges them with its occurrence as their break, as the
    // matcher does: their standby stood in for the break rule.
    const lastMinute =
      match?.status === 'proposed' && match.lastMinute && match.occurrenceStartsAt !== null && match.expiresAt !== null
        ? { startsAt: match.occurrenceStartsAt, endsAt: match.expiresAt }
        : null;
    const judged = lastMinute === null ? withOrderWindows(profile, orderWindows) : asOfferedLastMinute(profile, lastMinute, this.config.appTimezone);
    const rules = checkSlot(judged, slotOffer(slot, now.getTime(), this.config.appTimezone));
    const openOffers = await this.matches.openSlotOfferCount(slot.id);
    const limit = slotOfferLimit(slot.capacity);
    const { behindAfter, days } = DEFAULT_MATCHING_POLICY.noShows;
    const noShows = await this.matches.noShowsOf(this.dataSource.manager, candidate.id, days);
    const caps: CapCheck[] = [
      { rule: 'slot_offers', pass: openOffers < limit, openOffers, limit },
      { rule: 'no_shows', pass: noShows < behindAfter, noShows, behindAfter, days },
    ];
    return this.view(candidate.id, 'slot', slot.id, rules, caps, match);
  }

  private view(
    candidateId: string,
    offerKind: 'opening' | 'slot',
    offerId: string,
    rules: RuleCheck[],
    caps: CapCheck[],
    match: MatchEntity | null,
  ): ExplainView {
    return {
      candidateId,
      offerKind,
      offerId,
      eligible: allPass(rules),
      rules,
      caps,
      match: match === null ? null : { matchId: match.id, status: match.status, score: match.score },
    };
  }
}
