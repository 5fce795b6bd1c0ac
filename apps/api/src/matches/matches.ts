import { Body, ConflictException, Controller, HttpCode, Injectable, NotFoundException, Param, Patch, Post } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  CASEWORKER_SETTABLE_STATUSES,
  type CaseworkerSettableStatus,
  type JobMatchStatus,
  RETENTION_CHECKPOINTS,
  RETENTION_OUTCOMES,
  REVERTED_HIRE_STATUS,
  type RetentionCheckpoint,
  type RetentionOutcome,
  canCaseworkerMoveJobMatch,
  changesHires,
} from '@huigong/domain';
import { UnitOfWork, type WriteTransaction, outboxEvent } from '@huigong/messaging';
import { MatchEntity, MatchStore } from '@huigong/persistence';
import { CurrentPrincipal, MaxCodePoints, OptionalNotNull, type PrincipalOf, Roles, ValidationFailedException } from '@huigong/platform';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiSchema, ApiTags } from '@nestjs/swagger';
import { IsIn, IsString } from 'class-validator';
import { NOT_BLANK, Rules, textRules } from '../common/dto';
import { MATCH_STATUSES } from '../common/match-status';
import { ApiErrors, ApiIdParam, ApiIdempotencyKey, ApiKeyAuth, ID_PARAM, IDEMPOTENT, JSON_BODY } from '../docs/operation';
import type { EntityManager } from 'typeorm';
import { uuidParam } from '../common/params';
import { settleOpeningPositions } from '../openings/openings';

@ApiSchema({ name: 'MatchOutcome', description: 'The next step of the follow-up of a job match.' })
export class UpdateMatchDto {
  @ApiProperty({
    enum: [...CASEWORKER_SETTABLE_STATUSES],
    enumName: 'SettableMatchStatus',
    description: 'proposed -> contacted -> interested -> interview -> hired; from any of the first four: declined (with `reason`) or no_response.',
  })
  @IsIn(CASEWORKER_SETTABLE_STATUSES, { message: `must be one of: ${CASEWORKER_SETTABLE_STATUSES.join(', ')}` })
  status: CaseworkerSettableStatus;

  /** Required when declining. */
  @ApiPropertyOptional({ type: 'string', minLength: 1, maxLength: 500, ...NOT_BLANK, description: 'Why; required when declining.' })
  @OptionalNotNull()
  @IsString({ message: 'must be text' })
  @Rules(textRules({ min: 1, max: 500, tooLong: 'must be at most 500 characters' }))
  reason?: string;

  @ApiPropertyOptional({ type: 'string', maxLength: 2000, description: "The caseworker's note; replaces the one before." })
  @OptionalNotNull()
  @IsString({ message: 'must be text' })
  @MaxCodePoints(2000, { message: 'must be at most 2000 characters' })
  note?: string;
}

@ApiSchema({ name: 'MatchView', description: 'A match after the change.' })
export class MatchView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  matchId: string;

  @ApiProperty({ enum: ['opening', 'slot'], enumName: 'OfferKind' })
  offerKind: 'opening' | 'slot';

  @ApiProperty({ type: 'string', format: 'uuid' })
  offerId: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  candidateId: string;

  @ApiProperty({ enum: MATCH_STATUSES, enumName: 'MatchStatus' })
  status: string;

  @ApiProperty({ type: 'string', nullable: true, description: 'The reason given with the last status (declined).' })
  reason: string | null;

  @ApiProperty({ type: 'string', nullable: true })
  note: string | null;

  @ApiProperty({ type: 'number', minimum: 0, maximum: 1 })
  score: number;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updatedAt: string;
}

/** One of the caseworker's matches, locked: anyone else's, or none, is 404. */
async function loadOwnMatch(manager: EntityManager, matchId: string, caseworkerId: string): Promise<MatchEntity> {
  const match = await manager.findOne(MatchEntity, { where: { id: matchId, caseworkerId }, lock: { mode: 'pessimistic_write' } });
  if (match === null) throw new NotFoundException(`No match ${matchId}.`);
  return match;
}

export class RecordMatchOutcomeCommand {
  constructor(
    readonly caseworkerId: string,
    readonly matchId: string,
    readonly input: UpdateMatchDto,
  ) {}
}

@ApiSchema({ name: 'HireReverted', description: 'Why a hire is reverted.' })
export class RevertHireDto {
  @ApiProperty({ type: 'string', minLength: 1, maxLength: 500, ...NOT_BLANK, description: 'Why: recorded by mistake, did not start, ...' })
  @IsString({ message: 'must be text' })
  @Rules(textRules({ min: 1, max: 500, tooLong: 'must be at most 500 characters' }))
  reason: string;
}

@ApiSchema({ name: 'RetentionCheck', description: "A hire's 30- or 90-day check: did the person stay?" })
export class RetentionCheckDto {
  @ApiProperty({ type: 'integer', enum: [...RETENTION_CHECKPOINTS], description: 'Days after the hire.' })
  @IsIn(RETENTION_CHECKPOINTS, { message: `must be one of: ${RETENTION_CHECKPOINTS.join(', ')}` })
  checkpoint: RetentionCheckpoint;

  @ApiProperty({ enum: [...RETENTION_OUTCOMES], enumName: 'RetentionOutcome', description: '`left`: the person is seeking work again, and matched at once.' })
  @IsIn(RETENTION_OUTCOMES, { message: `must be one of: ${RETENTION_OUTCOMES.join(', ')}` })
  outcome: RetentionOutcome;
}

@ApiSchema({ name: 'RecordedRetentionCheck' })
export class RetentionCheckView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  matchId: string;

  @ApiProperty({ type: 'integer', enum: [...RETENTION_CHECKPOINTS] })
  checkpoint: RetentionCheckpoint;

  @ApiProperty({ enum: [...RETENTION_OUTCOMES], enumName: 'RetentionOutcome' })
  outcome: RetentionOutcome;

  @ApiProperty({ type: 'string', format: 'date-time' })
  recordedAt: string;
}

export class RecordRetentionCommand {
  constructor(
    readonly caseworkerId: string,
    readonly matchId: string,
    readonly input: RetentionCheckDto,
  ) {}
}

/**
 * A caseworker records whether a hired person stayed, 30 or 90 days on (again for the same checkpoint
 * replaces it). `left` ends the hire for the person: the matcher makes them seeking work and matches them
 * at once; the match stays hired, which the funnel counts.
 */
@Injectable()
@CommandHandler(RecordRetentionCommand)
export class RecordRetentionHandler implements ICommandHandler<RecordRetentionCommand, RetentionCheckView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly matches: MatchStore,
  ) {}

  execute({ caseworkerId, matchId, input }: RecordRetentionCommand): Promise<RetentionCheckView> {
    return this.unitOfWork.run(async (tx) => {
      const match = await loadOwnMatch(tx.manager, matchId, caseworkerId);
      if (match.status !== 'hired') throw new ConflictException(`Only a hire is checked for retention; this match is ${match.status}.`);
      const recorded = await this.matches.recordRetention(tx.manager, { matchId, checkpoint: input.checkpoint, outcome: input.outcome, caseworkerId });
      // The hire ended (or stands again): the matcher sets the person's employment from the hires that stand.
      if (recorded.stoodBefore !== recorded.standsAfter) {
        tx.emit(outboxEvent('MatchStatusChanged', { matchId, offerKind: 'opening', offerId: match.openingId as string, hiresChanged: true }));
      }
      return { matchId, checkpoint: input.checkpoint, outcome: input.outcome, recordedAt: recorded.recordedAt.toISOString() };
    });
  }
}

export class RevertHireCommand {
  constructor(
    readonly caseworkerId: string,
    readonly matchId: string,
    readonly reason: string,
  ) {}
}

/**
 * Moves one of the caseworker's job matches to `to`, if `allowed` from where it is, with its history and
 * MatchStatusChanged (the matcher gives the place to the next in line). A move into or out of `hired`
 * settles the opening: filled when hires reach its positions, open again below them.
 */
async function moveJobMatch(
  tx: WriteTransaction,
  matches: MatchStore,
  move: { caseworkerId: string; matchId: string; to: JobMatchStatus; reason: string | null; note?: string; allowed: (from: JobMatchStatus) => boolean },
): Promise<MatchView> {
  const { manager } = tx;
  const match = await loadOwnMatch(manager, move.matchId, move.caseworkerId);
  if (match.offerKind !== 'opening') {
    throw new ConflictException('Slot offers are redeemed by the merchant or expire; their status is not set by hand.');
  }
  const from = match.status as JobMatchStatus;
  if (!move.allowed(from)) throw new ConflictException(`A match that is ${match.status} cannot become ${move.to}.`);
  await matches.recordStatusChange(manager, {
    matchId: match.id,
    offerKind: 'opening',
    from,
    to: move.to,
    reason: move.reason,
    by: { kind: 'caseworker', id: move.caseworkerId },
  });
  match.status = move.to;
  match.statusReason = move.reason;
  if (move.note !== undefined) match.note = move.note;
  const saved = await manager.save(match);
  const hiresChanged = changesHires(from, move.to);
  // The matcher sets the person's employment from their hires (in a transaction of its own, which locks
  // the person alone: this one holds the match and the opening, and people are locked after offers).
  tx.emit(
    outboxEvent('MatchStatusChanged', {
      matchId: saved.id,
      offerKind: 'opening',
      offerId: saved.openingId as string,
      ...(hiresChanged ? { hiresChanged } : {}),
    }),
  );
  // A hire takes a position, a reverted hire frees it: the opening may fill, or open again.
  if (hiresChanged) await settleOpeningPositions(tx, matches, saved.openingId as string);
  return {
    matchId: saved.id,
    offerKind: saved.offerKind,
    offerId: (saved.openingId ?? saved.slotId) as string,
    candidateId: saved.candidateId,
    status: saved.status,
    reason: saved.statusReason,
    note: saved.note,
    score: saved.score,
    updatedAt: saved.updatedAt.toISOString(),
  };
}

/** A caseworker records the follow-up: contacted, interested, interview, hired, declined, no response. */
@Injectable()
@CommandHandler(RecordMatchOutcomeCommand)
export class RecordMatchOutcomeHandler implements ICommandHandler<RecordMatchOutcomeCommand, MatchView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly matches: MatchStore,
  ) {}

  execute({ caseworkerId, matchId, input }: RecordMatchOutcomeCommand): Promise<MatchView> {
    // `reason: null` passes @IsOptional: it is no reason either (and has no trim()).
    if (input.status === 'declined' && (typeof input.reason !== 'string' || input.reason.trim() === '')) {
      throw new ValidationFailedException([{ field: 'reason', message: 'is required when the status is declined' }]);
    }
    const to = input.status;
    return this.unitOfWork.run((tx) =>
      moveJobMatch(tx, this.matches, {
        caseworkerId,
        matchId,
        to,
        reason: input.reason?.trim() ?? null,
        note: input.note,
        allowed: (from) => canCaseworkerMoveJobMatch(from, to),
      }),
    );
  }
}

/** A hire recorded by mistake, or fallen through before the first day: back to interview, the position free again. */
@Injectable()
@CommandHandler(RevertHireCommand)
export class RevertHireHandler implements ICommandHandler<RevertHireCommand, MatchView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly matches: MatchStore,
  ) {}

  execute({ caseworkerId, matchId, reason }: RevertHireCommand): Promise<MatchView> {
    return this.unitOfWork.run((tx) =>
      moveJobMatch(tx, this.matches, { caseworkerId, matchId, to: REVERTED_HIRE_STATUS, reason: reason.trim(), allowed: (from) => from === 'hired' }),
    );
  }
}

@ApiTags('matches')
@ApiKeyAuth('caseworker')
@Controller('v1/matches')
@Roles('caseworker')
export class MatchesController {
  constructor(private readonly commands: CommandBus) {}

  /** Only the caseworker who owns the candidate may move the match: anyone else gets 404. */
  @Patch(':id')
  @ApiOperation({ summary: 'Record the follow-up of a match', description: 'Only the caseworker who owns the candidate may move the match.' })
  @ApiIdParam('The match.')
  @ApiOkResponse({ type: MatchView })
  @ApiErrors(ID_PARAM, JSON_BODY, {
    400: '`reason` is required when the status is declined.',
    404: 'No match of your candidates has this id.',
    409: 'The transition is not allowed from the current status, or the match is a slot offer (redeemed by the merchant, or expiring).',
  })
  update(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>, @Param('id', uuidParam()) id: string, @Body() body: UpdateMatchDto): Promise<MatchView> {
    return this.commands.execute(new RecordMatchOutcomeCommand(caller.caseworkerId, id, body));
  }

  @Post(':id/revert-hire')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Revert a hire',
    description:
      'A hire recorded by mistake, or one that fell through before the first day: the match goes back to `interview` (decline it from there if it is over), and the position it took is free again: a filled opening opens, and the engine proposes people to it.',
  })
  @ApiIdParam('The hired match.')
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: MatchView, description: 'The match, `status: "interview"`.' })
  @ApiErrors(ID_PARAM, JSON_BODY, IDEMPOTENT, { 404: 'No match of your candidates has this id.', 409: 'The match is not hired.' })
  revertHire(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>, @Param('id', uuidParam()) id: string, @Body() body: RevertHireDto): Promise<MatchView> {
    return this.commands.execute(new RevertHireCommand(caller.caseworkerId, id, body.reason));
  }

  @Post(':id/retention')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Record a retention check',
    description:
      'Whether a hired person stayed, 30 or 90 days on (the caseworker is reminded by a `retention_check`); again for the same checkpoint replaces it. `left`: the person is seeking work again and is matched to the open openings at once.',
  })
  @ApiIdParam('The hired match.')
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: RetentionCheckView })
  @ApiErrors(ID_PARAM, JSON_BODY, IDEMPOTENT, { 404: 'No match of your candidates has this id.', 409: 'The match is not hired.' })
  recordRetention(
    @CurrentPrincipal() caller: PrincipalOf<'caseworker'>,
    @Param('id', uuidParam()) id: string,
    @Body() body: RetentionCheckDto,
  ): Promise<RetentionCheckView> {
    return this.commands.execute(new RecordRetentionCommand(caller.caseworkerId, id, body));
  }
}
