import { Body, ConflictException, Controller, Get, HttpCode, Inject, Injectable, NotFoundException, Param, Patch, Post, Query } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UnitOfWork, outboxEvent } from '@huigong/messaging';
import { CourseMenuStore, MatchEntity, MatchStore, SlotEntity, type SlotOfferTerms } from '@huigong/persistence';
import { APP_CONFIG, type AppConfig, CurrentPrincipal, NamedConflictException, type PrincipalOf, Roles, ValidationFailedException } from '@huigong/platform';
import { type DatedOccurrence, type SlotKind, type WeeklyWindow, datedOffersUntil, occurrencesAreStays, slotTimesProblems, stayNights } from '@huigong/domain';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiSchema, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { uuidParam } from '../common/params';
import { ApiErrors, ApiIdParam, ApiIdempotencyKey, ApiKeyAuth, ID_PARAM, IDEMPOTENT, JSON_BODY, OPTIONAL_JSON_BODY, QUERY } from '../docs/operation';
import { DEFAULT_SLOT_RADIUS_KM, type DatedOccurrenceDto, RedemptionDto, SlotDto, type SlotOfferTermsDto, UpdateSlotDto } from './slot.dto';
import { IdleCapacityAdviceView, SlotAdviceQueryDto, SlotAdvisor } from './slot-advice';
import { SlotView, slotView } from './slot.view';
import { storedWindows } from '../common/dto';

const NOT_YOURS = 'None of your slots has this id.';

/** What publishing a course for a demand may answer besides. */
export const COURSE_DEMAND_ERRORS = {
  404: '`courseDemandId` names no course demand of yours.',
  409: 'A course was published for that demand already (`code: "demand_scheduled"`).',
};

/** The terms as validated; a null term (which the DTO refuses) would be read as absent all the same. */
type ValidatedOfferTerms = { [K in keyof SlotOfferTermsDto]?: SlotOfferTermsDto[K] | null };

function offerTerms(dto: ValidatedOfferTerms): SlotOfferTerms {
  const terms: SlotOfferTerms = {};
  if (dto.discountPercent !== undefined && dto.discountPercent !== null) terms.discountPercent = dto.discountPercent;
  if (dto.price !== undefined && dto.price !== null) terms.price = dto.price;
  if (dto.description !== undefined && dto.description !== null) terms.description = dto.description;
  return terms;
}

async function loadOwnSlot(manager: EntityManager, id: string, organizationId: string, lock = false): Promise<SlotEntity> {
  const row = await manager.findOne(SlotEntity, {
    where: { id, organizationId },
    ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
  if (row === null) throw new NotFoundException(`No slot ${id}.`);
  return row;
}

/** Occurrences as rows keep them: instants in UTC, in the order sent, nothing else a body carried. */
function storedOccurrences(list: readonly DatedOccurrenceDto[] | null | undefined): DatedOccurrence[] {
  return (list ?? []).map(({ startsAt, endsAt }) => ({ startsAt: new Date(startsAt).toISOString(), endsAt: new Date(endsAt).toISOString() }));
}

/** A 400 naming each field when the slot's times would not do (libs/domain's slotTimesProblems). */
function checkSlotTimes(
  kind: SlotKind,
  windows: readonly WeeklyWindow[],
  occurrences: readonly DatedOccurrence[],
  options: Parameters<typeof slotTimesProblems>[3],
): void {
  const problems = slotTimesProblems(kind, windows, occurrences, options);
  if (problems.length > 0) throw new ValidationFailedException(problems);
}

/** A slot as published: at a service point, its place may be left to the point's (`at`). */
export type PublishedSlot = Omit<SlotDto, 'location'> & { location?: SlotDto['location'] };

export class PublishSlotCommand {
  constructor(
    readonly organizationId: string,
    readonly input: PublishedSlot,
    /** The service point it is published at, and the point's place (the slot's unless the input says). */
    readonly at?: { servicePointId: string; lat: number; lng: number },
  ) {}
}

@Injectable()
@CommandHandler(PublishSlotCommand)
export class PublishSlotHandler implements ICommandHandler<PublishSlotCommand, SlotView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly courseMenu: CourseMenuStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute({ organizationId, input, at }: PublishSlotCommand): Promise<SlotView> {
    const place = input.location ?? at;
    // The controllers make sure of it (SlotDto requires a location; a service point has one).
    if (place === undefined) throw new Error('A slot needs a place: its location, or its service point.');
    const windows = storedWindows(input.windows);
    const occurrences = storedOccurrences(input.occurrences);
    // Before the grouped transaction: a refusal is this request's alone.
    checkSlotTimes(input.kind, windows, occurrences, { sent: true, timeZone: this.config.appTimezone, now: new Date(), missingField: 'windows' });
    // Grouped with the posts of the same moment: one transaction and one flush to disk for all of them.
    return this.unitOfWork.runGrouped(
      async (tx) => {
        const { manager } = tx;
        // insert, not save: the id is new, and save would first SELECT it. RETURNING fills in the timestamps.
        const row = manager.create(SlotEntity, {
          id: randomUUID(),
          organizationId,
          servicePointId: at?.servicePointId ?? null,
          courseDemandId: null,
          status: 'active',
          title: input.title.trim(),
          kind: input.kind,
          eligibleGroups: input.eligibleGroups,
          windows,
          occurrences,
          datedOffersUntil: datedOffersUntil(input.kind, windows, occurrences),
          capacity: input.capacity,
          offer: offerTerms(input.offer),
          lat: place.lat,
          lng: place.lng,
          radiusKm: input.radiusKm ?? DEFAULT_SLOT_RADIUS_KM,
          accessibilityFeatures: input.accessibilityFeatures ?? [],
          validUntil: input.validUntil ? new Date(input.validUntil) : null,
          revision: 1,
          withdrawnAt: null,
        });
        if (input.courseDemandId !== undefined) {
          // The demand's row is locked: one course per demand, however many are published at once.
          const demand = await this.courseMenu.demand(manager, input.courseDemandId, true);
          if (demand === null || demand.organizationId !== organizationId) throw new NotFoundException(`No course demand ${input.courseDemandId} of yours.`);
          if (demand.slotId !== null)
            throw new NamedConflictException('demand_scheduled', `A course was published for this demand already: slot ${demand.slotId}.`);
          row.courseDemandId = demand.id;
        }
        await manager.insert(SlotEntity, row);
        if (row.courseDemandId !== null) await this.courseMenu.schedule(manager, row.courseDemandId, row.id);
        tx.emit(outboxEvent('SlotPublished', { slotId: row.id }));
        return slotView(row);
      },
      { resourceId: (view) => view.id },
    );
  }
}

export class UpdateSlotCommand {
  constructor(
    readonly organizationId: string,
    readonly slotId: string,
    readonly patch: UpdateSlotDto,
  ) {}
}

@Injectable()
@CommandHandler(UpdateSlotCommand)
export class UpdateSlotHandler implements ICommandHandler<UpdateSlotCommand, SlotView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly matches: MatchStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute({ organizationId, slotId, patch }: UpdateSlotCommand): Promise<SlotView> {
    return this.unitOfWork.run(async (tx) => {
      const { manager } = tx;
      const row = await loadOwnSlot(manager, slotId, organizationId, true);
      if (row.status === 'withdrawn') throw new ConflictException('A withdrawn slot cannot be changed.');
      if (patch.title !== undefined) row.title = patch.title.trim();
      if (patch.kind !== undefined) row.kind = patch.kind;
      if (patch.eligibleGroups !== undefined) row.eligibleGroups = patch.eligibleGroups;
      if (patch.windows !== undefined) row.windows = storedWindows(patch.windows);
      if (patch.occurrences !== undefined) row.occurrences = storedOccurrences(patch.occurrences);
      checkSlotTimes(row.kind, row.windows, row.occurrences, {
        sent: patch.occurrences !== undefined,
        timeZone: this.config.appTimezone,
        now: new Date(),
        missingField: patch.occurrences !== undefined ? 'occurrences' : 'windows',
      });
      row.datedOffersUntil = datedOffersUntil(row.kind, row.windows, row.occurrences);
      if (patch.capacity !== undefined) row.capacity = patch.capacity;
      if (patch.offer !== undefined) row.offer = offerTerms(patch.offer);
      if (patch.location !== undefined) {
        row.lat = patch.location.lat;
        row.lng = patch.location.lng;
      }
      if (patch.radiusKm !== undefined) row.radiusKm = patch.radiusKm ?? DEFAULT_SLOT_RADIUS_KM;
      if (patch.accessibilityFeatures !== undefined) row.accessibilityFeatures = patch.accessibilityFeatures ?? [];
      if (patch.validUntil !== undefined) row.validUntil = patch.validUntil === null ? null : new Date(patch.validUntil);
      row.revision += 1;
      const saved = await manager.save(row);
      tx.emit(outboxEvent('SlotUpdated', { slotId }));
      return slotView(saved, await this.matches.offerSummary(manager, slotId));
    });
  }
}

export class WithdrawSlotCommand {
  constructor(
    readonly organizationId: string,
    readonly slotId: string,
  ) {}
}

/** Withdrawing ends the open offers (the matcher does it on SlotWithdrawn). Withdrawing twice is a no-op. */
@Injectable()
@CommandHandler(WithdrawSlotCommand)
export class WithdrawSlotHandler implements ICommandHandler<WithdrawSlotCommand, SlotView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly matches: MatchStore,
  ) {}

  execute({ organizationId, slotId }: WithdrawSlotCommand): Promise<SlotView> {
    return this.unitOfWork.run(async (tx) => {
      const { manager } = tx;
      const row = await loadOwnSlot(manager, slotId, organizationId, true);
      if (row.status === 'active') {
        row.status = 'withdrawn';
        row.withdrawnAt = new Date();
        row.revision += 1;
        await manager.save(row);
        tx.emit(outboxEvent('SlotWithdrawn', { slotId }));
      }
      return slotView(row, await this.matches.offerSummary(manager, slotId));
    });
  }
}

@ApiSchema({ name: 'RedemptionResult', description: 'The offer that was redeemed; no personal data.' })
export class RedemptionView {
  @ApiProperty({ type: 'string', format: 'uuid' })
  matchId: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  slotId: string;

  @ApiProperty({ type: 'string', enum: ['redeemed'] })
  status: 'redeemed';

  @ApiProperty({ type: 'string', format: 'date-time' })
  redeemedAt: string;
}

export class RedeemOfferCommand {
  constructor(
    readonly organizationId: string,
    readonly slotId: string,
    readonly code: string,
  ) {}
}

/** The merchant enters the code the worker shows: unknown code 404, already used 409. No personal data back. */
@Injectable()
@CommandHandler(RedeemOfferCommand)
export class RedeemOfferHandler implements ICommandHandler<RedeemOfferCommand, RedemptionView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly matches: MatchStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  execute({ organizationId, slotId, code }: RedeemOfferCommand): Promise<RedemptionView> {
    return this.unitOfWork.run(async (tx) => {
      const { manager } = tx;
      // The slot's lock queues the redemptions of one slot, so that the seats taken are counted exactly.
      const slot = await loadOwnSlot(manager, slotId, organizationId, true);
      const match = await manager.findOne(MatchEntity, {
        where: { slotId, redemptionCode: code.trim().toUpperCase() },
        lock: { mode: 'pessimistic_write' },
      });
      if (match === null) throw new NotFoundException('No offer of this slot has that code.');
      if (match.status !== 'proposed') throw new ConflictException(`This code cannot be redeemed: the offer is ${match.status}.`);
      // Offers are made to more people than there are seats (not everyone comes): the seats go first come.
      // A stay holds a bed on each of its nights: it is full when one of them is.
      const nights =
        occurrencesAreStays(slot.kind) && match.occurrenceStartsAt !== null && match.expiresAt !== null
          ? stayNights(match.occurrenceStartsAt, match.expiresAt, this.config.appTimezone)
          : [];
      if (nights.length > 0 && (await this.matches.bedsTakenOnBusiestNight(manager, slotId, nights)) >= slot.capacity) {
        throw new NamedConflictException(
          'occurrence_full',
          `All ${slot.capacity} beds of a night of this stay (${match.expiresAt?.toISOString()}) are taken; the offer stays open until it ends.`,
        );
      }
      if (nights.length === 0 && match.expiresAt !== null && (await this.matches.redeemedForOccurrence(manager, slotId, match.expiresAt)) >= slot.capacity) {
        throw new NamedConflictException(
          'occurrence_full',
          `All ${slot.capacity} seats of this occurrence (until ${match.expiresAt.toISOString()}) are taken; the offer stays open until then.`,
        );
      }
      await this.matches.recordStatusChange(manager, {
        matchId: match.id,
        offerKind: 'slot',
        from: 'proposed',
        to: 'redeemed',
        by: { kind: 'organization', id: organizationId },
      });
      match.status = 'redeemed';
      const saved = await manager.save(match);
      tx.emit(outboxEvent('MatchStatusChanged', { matchId: saved.id, offerKind: 'slot', offerId: slotId }));
      return { matchId: saved.id, slotId, status: 'redeemed', redeemedAt: saved.updatedAt.toISOString() };
    });
  }
}

@ApiTags('slots')
@ApiKeyAuth('merchant')
@Controller('v1/slots')
@Roles('merchant')
export class SlotsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly dataSource: DataSource,
    private readonly matches: MatchStore,
    private readonly advisor: SlotAdvisor,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Publish a slot', description: 'The slot is active at once; the engine offers it to the people who fit it, in rotation.' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: SlotView, description: 'The slot, `status: "active"`.' })
  @ApiErrors(JSON_BODY, IDEMPOTENT, COURSE_DEMAND_ERRORS)
  publish(@CurrentPrincipal() caller: PrincipalOf<'merchant'>, @Body() body: SlotDto): Promise<SlotView> {
    return this.commands.execute(new PublishSlotCommand(caller.organizationId, body));
  }

  @Get('advice')
  @Roles('merchant', 'admin')
  @ApiKeyAuth('merchant', 'admin')
  @ApiOperation({
    summary: 'Advice on idle capacity',
    description:
      "For each of the caller's open service points (every one, for the admin): the people within reach who take benefit offers, the hours of the week when most of them are on a break, two or three hour-long windows with how many a slot there would reach, and the uptake of the point's current slots. Counts only.",
  })
  @ApiOkResponse({ type: IdleCapacityAdviceView, isArray: true })
  @ApiErrors(QUERY)
  advice(@CurrentPrincipal() caller: PrincipalOf<'merchant'> | PrincipalOf<'admin'>, @Query() query: SlotAdviceQueryDto): Promise<IdleCapacityAdviceView[]> {
    return this.advisor.advise(caller, query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a slot', description: 'With `offerSummary`: offers made and redeemed; counts, never people.' })
  @ApiIdParam('The slot.')
  @ApiOkResponse({ type: SlotView })
  @ApiErrors(ID_PARAM, { 404: NOT_YOURS })
  async get(@CurrentPrincipal() caller: PrincipalOf<'merchant'>, @Param('id', uuidParam()) id: string): Promise<SlotView> {
    const row = await loadOwnSlot(this.dataSource.manager, id, caller.organizationId);
    return slotView(row, await this.matches.offerSummary(this.dataSource.manager, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a slot', description: 'Any subset of the fields of `Slot`; offers are recomputed.' })
  @ApiIdParam('The slot.')
  @ApiOkResponse({ type: SlotView, description: 'The slot as stored.' })
  @ApiErrors(ID_PARAM, JSON_BODY, { 404: NOT_YOURS, 409: 'The slot is withdrawn: it cannot be changed.' })
  update(@CurrentPrincipal() caller: PrincipalOf<'merchant'>, @Param('id', uuidParam()) id: string, @Body() body: UpdateSlotDto): Promise<SlotView> {
    return this.commands.execute(new UpdateSlotCommand(caller.organizationId, id, body));
  }

  @Post(':id/withdraw')
  @HttpCode(200)
  @ApiOperation({ summary: 'Withdraw a slot', description: 'Open offers end. Withdrawing a withdrawn slot changes nothing.' })
  @ApiIdParam('The slot.')
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: SlotView, description: 'The slot, `status: "withdrawn"`.' })
  @ApiErrors(ID_PARAM, OPTIONAL_JSON_BODY, IDEMPOTENT, { 404: NOT_YOURS })
  withdraw(@CurrentPrincipal() caller: PrincipalOf<'merchant'>, @Param('id', uuidParam()) id: string): Promise<SlotView> {
    return this.commands.execute(new WithdrawSlotCommand(caller.organizationId, id));
  }

  @Post(':id/redemptions')
  @ApiOperation({ summary: 'Redeem an offer', description: 'The merchant enters the code the worker shows; each code is used once.' })
  @ApiIdParam('The slot.')
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: RedemptionView, description: 'Redeemed.' })
  @ApiErrors(ID_PARAM, JSON_BODY, IDEMPOTENT, {
    404: `${NOT_YOURS} Or no offer of this slot has that code.`,
    409: 'The code was already used, or its offer expired or was withdrawn; or every seat of its occurrence is taken (`code: "occurrence_full"`).',
  })
  redeem(@CurrentPrincipal() caller: PrincipalOf<'merchant'>, @Param('id', uuidParam()) id: string, @Body() body: RedemptionDto): Promise<RedemptionView> {
    return this.commands.execute(new RedeemOfferCommand(caller.organizationId, id, body.code));
  }
}
