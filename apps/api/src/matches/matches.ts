import { Body, ConflictException, Controller, Injectable, NotFoundException, Param, Patch } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { CASEWORKER_SETTABLE_STATUSES, type CaseworkerSettableStatus, type JobMatchStatus, canCaseworkerMoveJobMatch } from '@huigong/domain';
import { UnitOfWork, outboxEvent } from '@huigong/messaging';
import { MatchEntity } from '@huigong/persistence/entities';
import { CurrentPrincipal, type PrincipalOf, Roles, ValidationFailedException } from '@huigong/platform';
import { IsIn, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { uuidParam } from '../common/params';

export class UpdateMatchDto {
  @IsIn(CASEWORKER_SETTABLE_STATUSES, { message: `must be one of: ${CASEWORKER_SETTABLE_STATUSES.join(', ')}` })
  status: CaseworkerSettableStatus;

  /** Required when declining. */
  @IsOptional()
  @IsString({ message: 'must be text' })
  @MinLength(1, { message: 'must not be empty' })
  @MaxLength(500, { message: 'must be at most 500 characters' })
  reason?: string;

  @IsOptional()
  @IsString({ message: 'must be text' })
  @MaxLength(2000, { message: 'must be at most 2000 characters' })
  note?: string;
}

export interface MatchView {
  matchId: string;
  offerKind: 'opening' | 'slot';
  offerId: string;
  candidateId: string;
  status: string;
  reason: string | null;
  note: string | null;
  score: number;
  updatedAt: string;
}

export class RecordMatchOutcomeCommand {
  constructor(readonly caseworkerId: string, readonly matchId: string, readonly input: UpdateMatchDto) {}
}

/** A caseworker records the follow-up: contacted, interested, interview, hired, declined, no response. */
@Injectable()
@CommandHandler(RecordMatchOutcomeCommand)
export class RecordMatchOutcomeHandler implements ICommandHandler<RecordMatchOutcomeCommand, MatchView> {
  constructor(private readonly unitOfWork: UnitOfWork) {}

  execute({ caseworkerId, matchId, input }: RecordMatchOutcomeCommand): Promise<MatchView> {
    if (input.status === 'declined' && (input.reason === undefined || input.reason.trim() === '')) {
      throw new ValidationFailedException([{ field: 'reason', message: 'is required when the status is declined' }]);
    }
    return this.unitOfWork.run(async ({ manager, emit }) => {
      const match = await manager.findOne(MatchEntity, { where: { id: matchId, caseworkerId }, lock: { mode: 'pessimistic_write' } });
      if (match === null) throw new NotFoundException(`No match ${matchId}.`);
      if (match.offerKind !== 'opening') {
        throw new ConflictException('Slot offers are redeemed by the merchant or expire; their status is not set by hand.');
      }
      if (!canCaseworkerMoveJobMatch(match.status as JobMatchStatus, input.status)) {
        throw new ConflictException(`A match that is ${match.status} cannot become ${input.status}.`);
      }
      await manager.query(
        `INSERT INTO match_status_history (match_id, from_status, to_status, reason, changed_by_kind, changed_by_id)
         VALUES ($1, $2, $3, $4, 'caseworker', $5)`,
        [match.id, match.status, input.status, input.reason?.trim() ?? null, caseworkerId],
      );
      match.status = input.status;
      match.statusReason = input.reason?.trim() ?? null;
      if (input.note !== undefined) match.note = input.note;
      const saved = await manager.save(match);
      emit(outboxEvent('MatchStatusChanged', { matchId: saved.id, offerKind: 'opening', offerId: saved.openingId as string }));
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
    });
  }
}

@Controller('v1/matches')
@Roles('caseworker')
export class MatchesController {
  constructor(private readonly commands: CommandBus) {}

  /** Only the caseworker who owns the candidate may move the match: anyone else gets 404. */
  @Patch(':id')
  update(
    @CurrentPrincipal() caller: PrincipalOf<'caseworker'>,
    @Param('id', uuidParam()) id: string,
    @Body() body: UpdateMatchDto,
  ): Promise<MatchView> {
    return this.commands.execute(new RecordMatchOutcomeCommand(caller.caseworkerId, id, body));
  }
}
