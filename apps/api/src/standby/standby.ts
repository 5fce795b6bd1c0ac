import { Controller, Delete, Get, HttpCode, Injectable, NotFoundException, Param, Put } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork } from '@huigong/messaging';
import { ServicePointEntity, StandbyStore } from '@huigong/persistence';
import { CurrentPrincipal, NamedConflictException, type PrincipalOf, Roles } from '@huigong/platform';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { AuditTrail } from '../audit/audit-trail';
import { loadOwnCandidate } from '../candidates/candidate.commands';
import { uuidParam } from '../common/params';
import { ApiErrors, ApiIdParam, ApiKeyAuth } from '../docs/operation';
import { StandbyEntryView, standbyEntryView } from './standby.view';

const NOT_YOURS = 'No candidate of yours has this id (or the person was erased).';
const BAD_IDS = { 400: 'An id in the path is not a UUID (`details` names it: `id` or `servicePointId`).' };

export class JoinStandbyCommand {
  constructor(
    readonly caseworkerId: string,
    readonly candidateId: string,
    readonly servicePointId: string,
  ) {}
}

/**
 * A person stands by for a service point, under their row's lock (so an erasure or a consent withdrawn at
 * the same moment is seen): only with consent to benefit offers, only at an open point. Doing it twice
 * changes nothing.
 */
@Injectable()
@CommandHandler(JoinStandbyCommand)
export class JoinStandbyHandler implements ICommandHandler<JoinStandbyCommand, StandbyEntryView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly standby: StandbyStore,
  ) {}

  execute({ caseworkerId, candidateId, servicePointId }: JoinStandbyCommand): Promise<StandbyEntryView> {
    return this.unitOfWork.run(async ({ manager }) => {
      const person = await loadOwnCandidate(manager, candidateId, caseworkerId, true);
      const point = await manager.findOne(ServicePointEntity, { where: { id: servicePointId } });
      if (point === null) throw new NotFoundException(`No service point ${servicePointId}.`);
      if (point.status !== 'open') throw new NamedConflictException('point_closed', 'The service point is closed: it offers nothing to stand by for.');
      if (!person.consentBenefits) {
        throw new NamedConflictException('no_consent', 'The person has not consented to benefit offers: a last-minute offer could not be made to them.');
      }
      await this.standby.enrol(manager, { candidateId, servicePointId, caseworkerId });
      const entry = (await this.standby.pointsOf(manager, candidateId)).find((row) => row.servicePointId === servicePointId);
      if (entry === undefined) throw new Error('The standby entry just written cannot be read back.');
      return standbyEntryView(entry);
    });
  }
}

export class LeaveStandbyCommand {
  constructor(
    readonly caseworkerId: string,
    readonly candidateId: string,
    readonly servicePointId: string,
  ) {}
}

/** A person no longer stands by for a service point (whether they did or not: the same answer). */
@Injectable()
@CommandHandler(LeaveStandbyCommand)
export class LeaveStandbyHandler implements ICommandHandler<LeaveStandbyCommand, void> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly standby: StandbyStore,
  ) {}

  execute({ caseworkerId, candidateId, servicePointId }: LeaveStandbyCommand): Promise<void> {
    return this.unitOfWork.run(async ({ manager }) => {
      await loadOwnCandidate(manager, candidateId, caseworkerId, true);
      await this.standby.leave(manager, candidateId, servicePointId);
    });
  }
}

/**
 * The standby pool: a caseworker puts one of their people on standby for a service point's slots. When an
 * occurrence there still has free seats 30 minutes before it starts, the people standing by who fit the
 * slot (place, groups, consent, needs: their standby stands in for the break rule) are offered them at the
 * last minute, in the rotation's order, within their offer budget.
 */
@ApiTags('candidates')
@ApiKeyAuth('caseworker')
@Controller('v1/candidates')
@Roles('caseworker')
export class StandbyController {
  constructor(
    private readonly commands: CommandBus,
    private readonly dataSource: DataSource,
    private readonly standby: StandbyStore,
    private readonly audit: AuditTrail,
  ) {}

  @Get(':id/standby')
  @ApiOperation({ summary: 'The service points a person stands by for', description: 'Their caseworker only; oldest first.' })
  @ApiIdParam('The candidate.')
  @ApiOkResponse({ type: StandbyEntryView, isArray: true })
  @ApiErrors(BAD_IDS, { 404: NOT_YOURS })
  async list(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>, @Param('id', uuidParam()) id: string): Promise<StandbyEntryView[]> {
    const manager = this.dataSource.manager;
    await loadOwnCandidate(manager, id, caller.caseworkerId);
    const entries = (await this.standby.pointsOf(manager, id)).map(standbyEntryView);
    this.audit.noteReads(caller, [id], 'standby');
    return entries;
  }

  @Put(':id/standby/:servicePointId')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Put a person on standby for a service point',
    description:
      'When an occurrence of a slot there still has free seats 30 minutes before it starts, the person may be offered one at the last minute ' +
      '(an `offer` like any other, `lastMinute: true`), if they fit the slot but for their breaks, in the rotation’s order and within their offer budget. ' +
      'Needs their consent to benefit offers. Doing it again changes nothing.',
  })
  @ApiIdParam('The candidate.')
  @ApiParam({ name: 'servicePointId', description: 'The service point.', schema: { type: 'string', format: 'uuid' } })
  @ApiOkResponse({ type: StandbyEntryView })
  @ApiErrors(BAD_IDS, {
    404: `${NOT_YOURS} Or there is no such service point.`,
    409: 'The service point is closed (`code: "point_closed"`), or the person has not consented to benefit offers (`code: "no_consent"`).',
  })
  join(
    @CurrentPrincipal() caller: PrincipalOf<'caseworker'>,
    @Param('id', uuidParam()) id: string,
    @Param('servicePointId', uuidParam('servicePointId')) servicePointId: string,
  ): Promise<StandbyEntryView> {
    return this.commands.execute(new JoinStandbyCommand(caller.caseworkerId, id, servicePointId));
  }

  @Delete(':id/standby/:servicePointId')
  @HttpCode(204)
  @ApiOperation({ summary: 'Take a person off standby for a service point', description: 'Whether they stood by for it or not: 204.' })
  @ApiIdParam('The candidate.')
  @ApiParam({ name: 'servicePointId', description: 'The service point.', schema: { type: 'string', format: 'uuid' } })
  @ApiNoContentResponse({ description: 'Off standby for it.' })
  @ApiErrors(BAD_IDS, { 404: NOT_YOURS })
  async leave(
    @CurrentPrincipal() caller: PrincipalOf<'caseworker'>,
    @Param('id', uuidParam()) id: string,
    @Param('servicePointId', uuidParam('servicePointId')) servicePointId: string,
  ): Promise<void> {
    await this.commands.execute(new LeaveStandbyCommand(caller.caseworkerId, id, servicePointId));
  }
}
