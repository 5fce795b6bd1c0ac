import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AuditStore, CandidateEntity, CandidateStore, StandbyStore } from '@huigong/persistence';
import { standbyEntryView } from '../standby/standby.view';
import { BULK_CONTENT_TYPES, CurrentPrincipal, type Principal, type PrincipalOf, Roles } from '@huigong/platform';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { uuidParam } from '../common/params';
import { ApiErrors, ApiIdParam, ApiIdempotencyKey, ApiKeyAuth, ID_PARAM, IDEMPOTENT, JSON_BODY, QUERY } from '../docs/operation';
import { CandidateDto, UpdateCandidateDto } from './candidate.dto';
import { AuditTrail } from '../audit/audit-trail';
import { CandidateExplainer, ExplainView } from './candidate-explain';
import { CandidateExport, ConsentRecordView, consentRecordView } from './candidate-export.view';
import {
  BulkImportResult,
  EraseCandidateCommand,
  ImportCandidatesCommand,
  RegisterCandidateCommand,
  UpdateCandidateCommand,
  loadOwnCandidate,
} from './candidate.commands';
import { CandidateView, candidateView } from './candidate.view';

const NOT_YOURS = 'No candidate of yours has this id (or the person was erased).';

export class ExplainQueryDto {
  @ApiPropertyOptional({ type: 'string', format: 'uuid', description: 'The opening to explain; give exactly one of `openingId` and `slotId`.' })
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  openingId?: string;

  @ApiPropertyOptional({ type: 'string', format: 'uuid', description: 'The slot to explain; give exactly one of `openingId` and `slotId`.' })
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  slotId?: string;
}

/** Candidates belong to the caseworker who registered them; other callers see 404. */
@ApiTags('candidates')
@ApiKeyAuth('caseworker')
@Controller('v1/candidates')
@Roles('caseworker')
export class CandidatesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly dataSource: DataSource,
    private readonly explainer: CandidateExplainer,
    private readonly audit: AuditTrail,
    private readonly auditStore: AuditStore,
    private readonly candidates: CandidateStore,
    private readonly standby: StandbyStore,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Register a candidate', description: 'The calling caseworker becomes the owner; the person is matched against the open offers.' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: CandidateView, description: 'The profile as stored.' })
  @ApiErrors(JSON_BODY, IDEMPOTENT)
  register(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>, @Body() body: CandidateDto): Promise<CandidateView> {
    return this.commands.execute(new RegisterCandidateCommand(caller.caseworkerId, body));
  }

  /** NDJSON (one candidate per line) or CSV with a header row; up to 100,000 candidates and 32 MiB. */
  @Post('bulk')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Import candidates in bulk',
    description:
      'NDJSON (one `Candidate` object per line) or CSV with the header ' +
      '`displayName,externalRef,phone,groups,skills,lat,lng,maxTravelKm,availability,breaks,accessibilityNeeds,consentContact` ' +
      '(and, optionally, `consentJobs,consentBenefits,consentSensitive,consentMethod`), ' +
      'lists separated by `;`, windows as `1 13:00-14:00`. Up to 100,000 candidates and 32 MiB. Valid lines are kept; bad lines come back with their line number and fields ' +
      '(a line holding bytes that are not UTF-8 is a bad line).',
  })
  @ApiConsumes(...BULK_CONTENT_TYPES)
  @ApiBody({ schema: { type: 'string', description: 'NDJSON or CSV text, one candidate per line.' } })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: BulkImportResult })
  @ApiErrors(IDEMPOTENT, {
    400: 'The body could not be read.',
    413: 'The body is larger than 32 MiB, or holds more than 100,000 candidates.',
    415: `The body is not one of ${BULK_CONTENT_TYPES.join(', ')}, or not UTF-8.`,
  })
  bulk(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>, @Req() request: Request): Promise<BulkImportResult> {
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const body = typeof request.body === 'string' ? request.body : '';
    return this.commands.execute(new ImportCandidatesCommand(caller.caseworkerId, type === 'text/csv' ? 'csv' : 'ndjson', body));
  }

  @Get(':id')
  @ApiOperation({ summary: 'Read a candidate', description: 'Only the owning caseworker sees the profile.' })
  @ApiIdParam('The candidate.')
  @ApiOkResponse({ type: CandidateView })
  @ApiErrors(ID_PARAM, { 404: NOT_YOURS })
  async get(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>, @Param('id', uuidParam()) id: string): Promise<CandidateView> {
    const view = candidateView(await loadOwnCandidate(this.dataSource.manager, id, caller.caseworkerId));
    this.audit.noteReads(caller, [id], 'profile');
    return view;
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a candidate', description: 'Any subset of the fields; `null` clears an optional one. Matches are recomputed.' })
  @ApiIdParam('The candidate.')
  @ApiOkResponse({ type: CandidateView, description: 'The profile as stored.' })
  @ApiErrors(ID_PARAM, JSON_BODY, { 404: NOT_YOURS })
  update(
    @CurrentPrincipal() caller: PrincipalOf<'caseworker'>,
    @Param('id', uuidParam()) id: string,
    @Body() body: UpdateCandidateDto,
  ): Promise<CandidateView> {
    return this.commands.execute(new UpdateCandidateCommand(caller.caseworkerId, id, body));
  }

  /** Consent withdrawn: removed from every list, never contacted again, personal data erased. */
  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Erase a candidate (consent withdrawn)',
    description: 'The person is removed from every list, never contacted again, and their personal data erased; then GET is 404.',
  })
  @ApiIdParam('The candidate.')
  @ApiNoContentResponse({ description: 'Erased.' })
  @ApiErrors(ID_PARAM, { 404: NOT_YOURS })
  async erase(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>, @Param('id', uuidParam()) id: string): Promise<void> {
    await this.commands.execute(new EraseCandidateCommand(caller.caseworkerId, id));
  }

  @Get(':id/export')
  @Roles('caseworker', 'admin')
  @ApiKeyAuth('caseworker', 'admin')
  @ApiOperation({
    summary: 'Export everything held about a person',
    description:
      'Their caseworker or the union admin: the profile, consent, every match with its history and retention checks, the notifications that name them (only their own entries; each with its deliveries) and who read their data, as one JSON document. Nothing about anyone else.',
  })
  @ApiIdParam('The candidate.')
  @ApiOkResponse({ type: CandidateExport })
  @ApiErrors(ID_PARAM, { 404: NOT_YOURS })
  async export(@CurrentPrincipal() caller: Principal, @Param('id', uuidParam()) id: string): Promise<CandidateExport> {
    const manager = this.dataSource.manager;
    const row =
      caller.role === 'caseworker'
        ? await loadOwnCandidate(manager, id, caller.caseworkerId)
        : await manager.findOne(CandidateEntity, { where: { id, status: 'active' } });
    if (row === null) throw new NotFoundException(`No candidate ${id}.`);
    const held = await this.candidates.heldAbout(manager, id);
    const consents = await this.candidates.consentHistory(manager, id);
    const reads = await this.auditStore.reads({ candidateId: id, limit: 1000 });
    const standby = await this.standby.pointsOf(manager, id);
    this.audit.noteReads(caller, [id], 'export');
    return {
      exportedAt: new Date().toISOString(),
      profile: candidateView(row),
      consents: consents.map(consentRecordView),
      matches: held.matches.map((match) => ({
        ...match,
        createdAt: new Date(match.createdAt).toISOString(),
        updatedAt: new Date(match.updatedAt).toISOString(),
      })),
      notifications: held.notifications.map((notification) => ({ ...notification, createdAt: new Date(notification.createdAt).toISOString() })),
      reads: reads.map((read) => ({ ...read, readAt: new Date(read.readAt).toISOString() })),
      standby: standby.map(standbyEntryView),
    };
  }

  @Get(':id/consents')
  @Roles('caseworker', 'admin')
  @ApiKeyAuth('caseworker', 'admin')
  @ApiOperation({
    summary: 'The consent history of a person',
    description:
      'Every consent given and withdrawn, purpose by purpose (jobs, benefits, sensitive), with who recorded it, when and how; oldest first. ' +
      'Their caseworker, while the person is registered; the union admin also after erasure, when the history (ids only) is what is left to show that consent was withdrawn.',
  })
  @ApiIdParam('The candidate.')
  @ApiOkResponse({ type: ConsentRecordView, isArray: true })
  @ApiErrors(ID_PARAM, { 404: NOT_YOURS })
  async consents(@CurrentPrincipal() caller: Principal, @Param('id', uuidParam()) id: string): Promise<ConsentRecordView[]> {
    const manager = this.dataSource.manager;
    const known =
      caller.role === 'caseworker'
        ? await loadOwnCandidate(manager, id, caller.caseworkerId)
        : await manager.findOne(CandidateEntity, { where: { id }, select: { id: true } });
    if (known === null) throw new NotFoundException(`No candidate ${id}.`);
    const history = await this.candidates.consentHistory(manager, id);
    this.audit.noteReads(caller, [id], 'consents');
    return history.map(consentRecordView);
  }

  @Get(':id/explain')
  @ApiOperation({
    summary: 'Explain a match',
    description: 'Why this person is or is not matched to one opening or slot: each rule with pass or fail and its figures, and the caps.',
  })
  @ApiIdParam('The candidate.')
  @ApiOkResponse({ type: ExplainView })
  @ApiErrors(ID_PARAM, QUERY, { 400: 'Give exactly one of `openingId` and `slotId`.', 404: `${NOT_YOURS} Or there is no such opening or slot.` })
  async explain(
    @CurrentPrincipal() caller: PrincipalOf<'caseworker'>,
    @Param('id', uuidParam()) id: string,
    @Query() query: ExplainQueryDto,
  ): Promise<ExplainView> {
    const candidate = await loadOwnCandidate(this.dataSource.manager, id, caller.caseworkerId);
    const explained = await this.explainer.explain(candidate, query);
    this.audit.noteReads(caller, [id], 'explain');
    return explained;
  }
}
