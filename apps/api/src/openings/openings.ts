import { Body, ConflictException, Controller, Get, HttpCode, Injectable, NotFoundException, Param, Patch, Post } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { openingStatusWithHires } from '@huigong/domain';
import { UnitOfWork, type WriteTransaction, outboxEvent } from '@huigong/messaging';
import { MatchStore, OpeningEntity } from '@huigong/persistence';
import { CurrentPrincipal, type PrincipalOf, Roles } from '@huigong/platform';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { uuidParam } from '../common/params';
import { ApiErrors, ApiIdParam, ApiIdempotencyKey, ApiKeyAuth, ID_PARAM, IDEMPOTENT, JSON_BODY, OPTIONAL_JSON_BODY } from '../docs/operation';
import { OpeningDto, UpdateOpeningDto } from './opening.dto';
import { OpeningView, matchSummaryOf, openingView } from './opening.view';
import { storedWindows } from '../common/dto';

const NOT_YOURS = 'None of your openings has this id.';

const hiresIn = (counts: readonly { status: string; count: number }[]): number => counts.find((entry) => entry.status === 'hired')?.count ?? 0;

/**
 * A job match moved into or out of `hired`, in the caller's transaction: the opening is locked, and becomes
 * filled when its hires reach its positions, or open again when a hire is reverted. The matcher hears of
 * either (OpeningFilled withdraws the other open matches with the reason `filled`; OpeningReopened fills the
 * shortlist again).
 */
export async function settleOpeningPositions(tx: WriteTransaction, matches: MatchStore, openingId: string): Promise<void> {
  const { manager } = tx;
  const row = await manager.findOne(OpeningEntity, { where: { id: openingId }, lock: { mode: 'pessimistic_write' } });
  if (row === null) return;
  const status = openingStatusWithHires(row.status, hiresIn(await matches.statusCountsOf(manager, openingId)), row.positions);
  if (status === row.status) return;
  row.status = status;
  row.revision += 1;
  await manager.save(row);
  tx.emit(outboxEvent(status === 'filled' ? 'OpeningFilled' : 'OpeningReopened', { openingId }));
}

export const DEFAULT_OPENING_RADIUS_KM = 10;

async function loadOwnOpening(manager: EntityManager, id: string, organizationId: string, lock = false): Promise<OpeningEntity> {
  const row = await manager.findOne(OpeningEntity, {
    where: { id, organizationId },
    ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
  if (row === null) throw new NotFoundException(`No opening ${id}.`);
  return row;
}

export class PostOpeningCommand {
  constructor(
    readonly organizationId: string,
    readonly input: OpeningDto,
  ) {}
}

@Injectable()
@CommandHandler(PostOpeningCommand)
export class PostOpeningHandler implements ICommandHandler<PostOpeningCommand, OpeningView> {
  constructor(private readonly unitOfWork: UnitOfWork) {}

  execute({ organizationId, input }: PostOpeningCommand): Promise<OpeningView> {
    // Grouped with the posts of the same moment: one transaction and one flush to disk for all of them.
    return this.unitOfWork.runGrouped(
      async (tx) => {
        const { manager } = tx;
        // insert, not save: the id is new, and save would first SELECT it. RETURNING fills in the timestamps.
        const row = manager.create(OpeningEntity, {
          id: randomUUID(),
          organizationId,
          status: 'open',
          title: input.title.trim(),
          skills: [...new Set((input.skills ?? []).map((skill) => skill.trim()))],
          targetGroups: input.targetGroups ?? [],
          lat: input.location.lat,
          lng: input.location.lng,
          radiusKm: input.radiusKm ?? DEFAULT_OPENING_RADIUS_KM,
          shifts: storedWindows(input.shifts),
          accessibilityFeatures: input.accessibilityFeatures ?? [],
          positions: input.positions,
          validUntil: input.validUntil ? new Date(input.validUntil) : null,
          revision: 1,
          closedAt: null,
        });
        await manager.insert(OpeningEntity, row);
        tx.emit(outboxEvent('OpeningPosted', { openingId: row.id }));
        return openingView(row);
      },
      { resourceId: (view) => view.id },
    );
  }
}

export class UpdateOpeningCommand {
  constructor(
    readonly organizationId: string,
    readonly openingId: string,
    readonly patch: UpdateOpeningDto,
  ) {}
}

@Injectable()
@CommandHandler(UpdateOpeningCommand)
export class UpdateOpeningHandler implements ICommandHandler<UpdateOpeningCommand, OpeningView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly matches: MatchStore,
  ) {}

  execute({ organizationId, openingId, patch }: UpdateOpeningCommand): Promise<OpeningView> {
    return this.unitOfWork.run(async (tx) => {
      const { manager } = tx;
      const row = await loadOwnOpening(manager, openingId, organizationId, true);
      if (row.status === 'closed') throw new ConflictException('A closed opening cannot be changed.');
      if (patch.title !== undefined) row.title = patch.title.trim();
      if (patch.skills !== undefined) row.skills = [...new Set((patch.skills ?? []).map((skill) => skill.trim()))];
      if (patch.targetGroups !== undefined) row.targetGroups = patch.targetGroups ?? [];
      if (patch.location !== undefined) {
        row.lat = patch.location.lat;
        row.lng = patch.location.lng;
      }
      if (patch.radiusKm !== undefined) row.radiusKm = patch.radiusKm ?? DEFAULT_OPENING_RADIUS_KM;
      if (patch.shifts !== undefined) row.shifts = storedWindows(patch.shifts);
      if (patch.accessibilityFeatures !== undefined) row.accessibilityFeatures = patch.accessibilityFeatures ?? [];
      if (patch.positions !== undefined) row.positions = patch.positions;
      if (patch.validUntil !== undefined) row.validUntil = patch.validUntil === null ? null : new Date(patch.validUntil);
      const counts = await this.matches.statusCountsOf(manager, openingId);
      // More positions open a filled opening again; fewer than its hires fill it (the matcher acts on either).
      row.status = openingStatusWithHires(row.status, hiresIn(counts), row.positions);
      row.revision += 1;
      const saved = await manager.save(row);
      tx.emit(outboxEvent('OpeningUpdated', { openingId }));
      return openingView(saved, matchSummaryOf(counts));
    });
  }
}

export class CloseOpeningCommand {
  constructor(
    readonly organizationId: string,
    readonly openingId: string,
  ) {}
}

/** Closing withdraws the open matches (the matcher does it on OpeningClosed). Closing twice is a no-op. */
@Injectable()
@CommandHandler(CloseOpeningCommand)
export class CloseOpeningHandler implements ICommandHandler<CloseOpeningCommand, OpeningView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly matches: MatchStore,
  ) {}

  execute({ organizationId, openingId }: CloseOpeningCommand): Promise<OpeningView> {
    return this.unitOfWork.run(async (tx) => {
      const { manager } = tx;
      const row = await loadOwnOpening(manager, openingId, organizationId, true);
      if (row.status !== 'closed') {
        row.status = 'closed';
        row.closedAt = new Date();
        row.revision += 1;
        await manager.save(row);
        tx.emit(outboxEvent('OpeningClosed', { openingId }));
      }
      return openingView(row, matchSummaryOf(await this.matches.statusCountsOf(manager, openingId)));
    });
  }
}

@ApiTags('openings')
@ApiKeyAuth('employer')
@Controller('v1/openings')
@Roles('employer')
export class OpeningsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly dataSource: DataSource,
    private readonly matches: MatchStore,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Post an opening', description: 'The opening is open at once; the engine shortlists the people who fit it.' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: OpeningView, description: 'The opening, `status: "open"`.' })
  @ApiErrors(JSON_BODY, IDEMPOTENT)
  post(@CurrentPrincipal() caller: PrincipalOf<'employer'>, @Body() body: OpeningDto): Promise<OpeningView> {
    return this.commands.execute(new PostOpeningCommand(caller.organizationId, body));
  }

  /** The opening with its funnel as counts: never who the people are. */
  @Get(':id')
  @ApiOperation({ summary: 'Read an opening', description: 'With `matchSummary`: how many matches are in each status; counts, never people.' })
  @ApiIdParam('The opening.')
  @ApiOkResponse({ type: OpeningView })
  @ApiErrors(ID_PARAM, { 404: NOT_YOURS })
  async get(@CurrentPrincipal() caller: PrincipalOf<'employer'>, @Param('id', uuidParam()) id: string): Promise<OpeningView> {
    const row = await loadOwnOpening(this.dataSource.manager, id, caller.organizationId);
    return openingView(row, matchSummaryOf(await this.matches.statusCountsOf(this.dataSource.manager, id)));
  }

  @Patch(':id')
  @ApiOperation({
    summary: 'Change an opening',
    description: 'Any subset of the fields of `Opening`; matches are recomputed. More `positions` than hires open a filled opening again; fewer fill it.',
  })
  @ApiIdParam('The opening.')
  @ApiOkResponse({ type: OpeningView, description: 'The opening as stored.' })
  @ApiErrors(ID_PARAM, JSON_BODY, { 404: NOT_YOURS, 409: 'The opening is closed: it cannot be changed.' })
  update(@CurrentPrincipal() caller: PrincipalOf<'employer'>, @Param('id', uuidParam()) id: string, @Body() body: UpdateOpeningDto): Promise<OpeningView> {
    return this.commands.execute(new UpdateOpeningCommand(caller.organizationId, id, body));
  }

  @Post(':id/close')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Close an opening',
    description: 'Open or filled: it becomes `closed`, for good, and its open matches `withdrawn`. Closing a closed opening changes nothing.',
  })
  @ApiIdParam('The opening.')
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: OpeningView, description: 'The opening, `status: "closed"`.' })
  @ApiErrors(ID_PARAM, OPTIONAL_JSON_BODY, IDEMPOTENT, { 404: NOT_YOURS })
  close(@CurrentPrincipal() caller: PrincipalOf<'employer'>, @Param('id', uuidParam()) id: string): Promise<OpeningView> {
    return this.commands.execute(new CloseOpeningCommand(caller.organizationId, id));
  }
}
