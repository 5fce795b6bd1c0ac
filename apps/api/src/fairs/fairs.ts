import { Body, Controller, Get, HttpCode, Injectable, NotFoundException, Param, Post, Res } from '@nestjs/common';
import { CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { UNCONTACTED_LEAD_HOURS, lateLeadsBefore } from '@huigong/domain';
import { UnitOfWork } from '@huigong/messaging';
import { FairStore } from '@huigong/persistence';
import { CurrentPrincipal, type Principal, type PrincipalOf, Roles, ValidationFailedException } from '@huigong/platform';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { uuidParam } from '../common/params';
import { ApiErrors, ApiIdParam, ApiIdempotencyKey, ApiKeyAuth, ID_PARAM, IDEMPOTENT, JSON_BODY } from '../docs/operation';
import { AttachOpeningsDto, FairDto, FairIntentDto } from './fair.dto';
import { FairLiveBoard } from './fair-live';
import { FairBoardView, FairIntentView, FairReportView, FairView, OpeningsAttachedView, fairReportView, fairView } from './fair.view';
import { FairOpeningView, fairOpeningView } from './fair-opening.view';
import { FairIntentIntake } from './intent-intake';

/** Seconds an SSE client waits before reconnecting. */
const RECONNECT_MS = 3_000;
/** A comment line this often keeps proxies from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;

type FairReader = PrincipalOf<'admin'> | PrincipalOf<'employer'> | PrincipalOf<'partner'>;

/** A fair the caller may see: every fair for the admin and partners, an employer's only when it takes part (else 404). */
async function visibleFair(fairs: FairStore, manager: EntityManager, caller: Principal, id: string): Promise<FairView> {
  const row = await fairs.fair(manager, id);
  if (row === null || (caller.role === 'employer' && !row.employerIds.includes(caller.organizationId))) throw new NotFoundException(`No fair ${id}.`);
  return fairView(row);
}

export class CreateFairCommand {
  constructor(readonly input: FairDto) {}
}

@Injectable()
@CommandHandler(CreateFairCommand)
export class CreateFairHandler implements ICommandHandler<CreateFairCommand, FairView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly fairs: FairStore,
  ) {}

  execute({ input }: CreateFairCommand): Promise<FairView> {
    const startsAt = new Date(input.startsAt);
    const endsAt = new Date(input.endsAt);
    if (endsAt <= startsAt) throw new ValidationFailedException([{ field: 'endsAt', message: 'must be after startsAt' }]);
    return this.unitOfWork.run(
      async ({ manager }) => {
        const employers = await this.fairs.employersAmong(manager, input.employerIds);
        const unknownEmployer = input.employerIds.find((id) => !employers.has(id));
        if (unknownEmployer !== undefined) throw new NotFoundException(`No employer ${unknownEmployer}.`);
        const areas = input.areas ?? [];
        const caseworkerIds = [input.defaultCaseworkerId, ...areas.map((area) => area.caseworkerId)];
        const caseworkers = await this.fairs.caseworkersAmong(manager, caseworkerIds);
        const unknownCaseworker = caseworkerIds.find((id) => !caseworkers.has(id));
        if (unknownCaseworker !== undefined) throw new NotFoundException(`No caseworker ${unknownCaseworker}.`);
        const id = randomUUID();
        await this.fairs.createFair(
          manager,
          {
            id,
            name: input.name.trim(),
            startsAt,
            endsAt,
            lat: input.location.lat,
            lng: input.location.lng,
            address: input.address?.trim() ?? null,
            targetGroups: input.targetGroups ?? [],
            defaultCaseworkerId: input.defaultCaseworkerId,
            areas: areas.map((area) => ({
              caseworkerId: area.caseworkerId,
              location: { lat: area.location.lat, lng: area.location.lng },
              radiusKm: area.radiusKm,
            })),
          },
          input.employerIds,
        );
        const created = await this.fairs.fair(manager, id);
        if (created === null) throw new Error(`The fair ${id} just created cannot be read back.`);
        return fairView(created);
      },
      { resourceId: (view) => view.id },
    );
  }
}

export class AttachOpeningsCommand {
  constructor(
    readonly caller: PrincipalOf<'admin'> | PrincipalOf<'employer'>,
    readonly fairId: string,
    readonly input: AttachOpeningsDto,
  ) {}
}

/** An employer taking part attaches its own openings; the admin, openings of any employer taking part. */
@Injectable()
@CommandHandler(AttachOpeningsCommand)
export class AttachOpeningsHandler implements ICommandHandler<AttachOpeningsCommand, OpeningsAttachedView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly fairs: FairStore,
  ) {}

  execute({ caller, fairId, input }: AttachOpeningsCommand): Promise<OpeningsAttachedView> {
    return this.unitOfWork.run(async ({ manager }) => {
      const fair = await visibleFair(this.fairs, manager, caller, fairId);
      const owners = await this.fairs.employersOfOpenings(manager, input.openingIds);
      const openings: { openingId: string; organizationId: string }[] = [];
      for (const openingId of input.openingIds) {
        const owner = owners.get(openingId);
        const allowed = caller.role === 'admin' ? owner !== undefined && fair.employerIds.includes(owner) : owner === caller.organizationId;
        if (owner === undefined || !allowed) {
          throw new NotFoundException(
            caller.role === 'admin' ? `No opening ${openingId} of an employer taking part.` : `None of your openings has the id ${openingId}.`,
          );
        }
        openings.push({ openingId, organizationId: owner });
      }
      const attached = await this.fairs.attachOpenings(manager, fairId, openings);
      return { attached, openings: fair.openings + attached };
    });
  }
}

/**
 * Job fairs (libs/domain's fair.ts). The union admin creates a fair with its employers; employers attach
 * their openings; the streaming partner sends viewers' intents as they tap; the host watches the live
 * board; after the fair, the report follows every intent through contact, interview and hire.
 */
@ApiTags('fairs')
@ApiKeyAuth('employer', 'admin', 'partner')
@Controller('v1/fairs')
@Roles('employer', 'admin', 'partner')
export class FairsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly dataSource: DataSource,
    private readonly fairs: FairStore,
    private readonly intake: FairIntentIntake,
    private readonly board: FairLiveBoard,
  ) {}

  @Post()
  @Roles('admin')
  @ApiKeyAuth('admin')
  @ApiOperation({
    summary: 'Create a job fair',
    description: 'With its time and place, the employers taking part, and the caseworkers who follow up the people it brings.',
  })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: FairView })
  @ApiErrors(JSON_BODY, IDEMPOTENT, { 404: 'An employer or caseworker named does not exist.' })
  create(@Body() body: FairDto): Promise<FairView> {
    return this.commands.execute(new CreateFairCommand(body));
  }

  @Get()
  @ApiOperation({ summary: 'List job fairs', description: 'Every fair for the admin and partners; for an employer, those it takes part in. Newest first.' })
  @ApiOkResponse({ type: FairView, isArray: true })
  async list(@CurrentPrincipal() caller: FairReader): Promise<FairView[]> {
    return (await this.fairs.fairs(this.dataSource.manager, caller.role === 'employer' ? caller.organizationId : null)).map(fairView);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a job fair' })
  @ApiIdParam('The fair.')
  @ApiOkResponse({ type: FairView })
  @ApiErrors(ID_PARAM, { 404: 'No such fair (or, for an employer, none it takes part in).' })
  get(@CurrentPrincipal() caller: FairReader, @Param('id', uuidParam()) id: string): Promise<FairView> {
    return visibleFair(this.fairs, this.dataSource.manager, caller, id);
  }

  @Post(':id/openings')
  @Roles('employer', 'admin')
  @ApiKeyAuth('employer', 'admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Attach openings to a job fair',
    description: 'An employer taking part attaches its own openings; the admin, openings of any employer taking part. Attaching one twice does nothing.',
  })
  @ApiIdParam('The fair.')
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: OpeningsAttachedView })
  @ApiErrors(ID_PARAM, JSON_BODY, IDEMPOTENT, { 404: 'No such fair you take part in. Or an opening named is not yours.' })
  attach(
    @CurrentPrincipal() caller: PrincipalOf<'admin'> | PrincipalOf<'employer'>,
    @Param('id', uuidParam()) id: string,
    @Body() body: AttachOpeningsDto,
  ): Promise<OpeningsAttachedView> {
    return this.commands.execute(new AttachOpeningsCommand(caller, id, body));
  }

  @Get(':id/openings')
  @ApiOperation({ summary: 'List the openings of a job fair', description: 'Every opening for the admin and partners; an employer’s own for an employer.' })
  @ApiIdParam('The fair.')
  @ApiOkResponse({ type: FairOpeningView, isArray: true })
  @ApiErrors(ID_PARAM, { 404: 'No such fair (or, for an employer, none it takes part in).' })
  async openings(@CurrentPrincipal() caller: FairReader, @Param('id', uuidParam()) id: string): Promise<FairOpeningView[]> {
    await visibleFair(this.fairs, this.dataSource.manager, caller, id);
    return (await this.fairs.fairOpenings(this.dataSource.manager, id, caller.role === 'employer' ? caller.organizationId : null)).map(fairOpeningView);
  }

  @Post(':id/intents')
  @Roles('partner')
  @ApiKeyAuth('partner')
  @ApiOperation({
    summary: 'Send a viewer’s intent',
    description:
      'A viewer tapped "I want this job" on an opening of the fair: a registered person (`candidateId`), or someone not registered (`viewer`: name, phone, their place, and their consent to be contacted about jobs), who is then registered once and assigned to the caseworker of their area. The same viewer tapping the same opening again is the same intent (`taps` grows). Each intent becomes a lead at the top of the caseworker’s list for the opening. Taken in milliseconds, together with the intents of the same moment.',
  })
  @ApiIdParam('The fair.')
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: FairIntentView })
  @ApiErrors(ID_PARAM, JSON_BODY, IDEMPOTENT, {
    404: 'No such fair. Or no opening of that id at it, or no such person.',
    409: 'The fair ended more than a day ago (`code: "fair_over"`), or the person has not consented to job contact (`code: "no_consent"`).',
  })
  intent(@CurrentPrincipal() caller: PrincipalOf<'partner'>, @Param('id', uuidParam()) id: string, @Body() body: FairIntentDto): Promise<FairIntentView> {
    return this.intake.submit(id, caller.organizationId, body);
  }

  @Get(':id/board')
  @ApiOperation({
    summary: 'Read a job fair’s board',
    description: 'Counts per opening and employer (intents, matched, contacted) and the totals; an employer sees its own openings only. No personal data.',
  })
  @ApiIdParam('The fair.')
  @ApiOkResponse({ type: FairBoardView })
  @ApiErrors(ID_PARAM, { 404: 'No such fair (or, for an employer, none it takes part in).' })
  async readBoard(@CurrentPrincipal() caller: FairReader, @Param('id', uuidParam()) id: string): Promise<FairBoardView> {
    await visibleFair(this.fairs, this.dataSource.manager, caller, id);
    const board = await this.board.read(id);
    if (caller.role !== 'employer') return board;
    const own = board.openings.filter((opening) => opening.employerId === caller.organizationId);
    const employer = board.employers.find((entry) => entry.employerId === caller.organizationId);
    return {
      fairId: board.fairId,
      at: board.at,
      openings: own,
      employers: employer === undefined ? [] : [employer],
      totals:
        employer === undefined
          ? { intents: 0, matched: 0, contacted: 0 }
          : { intents: employer.intents, matched: employer.matched, contacted: employer.contacted },
    };
  }

  @Get(':id/live')
  @Roles('admin', 'partner')
  @ApiKeyAuth('admin', 'partner')
  @ApiOperation({
    summary: 'Watch a job fair’s live board',
    description:
      'Server-sent events: a `board` event (a `FairBoard` in JSON) at once, then whenever a count changes, at most once a second; a comment line every 15 s keeps the stream open. For the host’s screen: no personal data.',
  })
  @ApiIdParam('The fair.')
  @ApiOkResponse({ description: 'An event stream of `board` events, each a `FairBoard`.', content: { 'text/event-stream': { schema: { type: 'string' } } } })
  @ApiErrors(ID_PARAM, { 404: 'No such fair.' })
  async live(@CurrentPrincipal() caller: FairReader, @Param('id', uuidParam()) id: string, @Res() response: Response): Promise<void> {
    await visibleFair(this.fairs, this.dataSource.manager, caller, id);
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    response.write(`retry: ${RECONNECT_MS}\n\n`);
    const stop = this.board.watch(id, (board) => {
      response.write(`event: board\nid: ${board.at}\ndata: ${JSON.stringify(board)}\n\n`);
    });
    const keepalive = setInterval(() => response.write(': keepalive\n\n'), KEEPALIVE_MS);
    keepalive.unref();
    // The response closes when the screen goes away (or the server shuts down): the board stops reading for it.
    response.on('close', () => {
      clearInterval(keepalive);
      stop();
    });
  }

  @Get(':id/report')
  @Roles('admin')
  @ApiKeyAuth('admin')
  @ApiOperation({
    summary: 'Report on a job fair',
    description: `Intents -> contacted -> interview -> hired per employer, opening and target group of the people, and the leads nobody has contacted ${UNCONTACTED_LEAD_HOURS} hours after the intent, per caseworker (ids only).`,
  })
  @ApiIdParam('The fair.')
  @ApiOkResponse({ type: FairReportView })
  @ApiErrors(ID_PARAM, { 404: 'No such fair.' })
  async report(@CurrentPrincipal() caller: PrincipalOf<'admin'>, @Param('id', uuidParam()) id: string): Promise<FairReportView> {
    const manager = this.dataSource.manager;
    await visibleFair(this.fairs, manager, caller, id);
    const late = await this.fairs.uncontactedLeads(manager, id, lateLeadsBefore(new Date()));
    return fairReportView(id, await this.fairs.report(manager, id), late);
  }
}
