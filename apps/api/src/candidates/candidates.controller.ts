import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { CurrentPrincipal, type PrincipalOf, Roles } from '@huigong/platform';
import { IsOptional, IsUUID } from 'class-validator';
import type { Request } from 'express';
import { DataSource } from 'typeorm';
import { uuidParam } from '../common/params';
import { CandidateDto, UpdateCandidateDto } from './candidate.dto';
import { type ExplainView, CandidateExplainer } from './candidate-explain';
import {
  type BulkImportResult,
  EraseCandidateCommand,
  ImportCandidatesCommand,
  RegisterCandidateCommand,
  UpdateCandidateCommand,
  loadOwnCandidate,
} from './candidate.commands';
import { type CandidateView, candidateView } from './candidate.view';

export class ExplainQueryDto {
  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  openingId?: string;

  @IsOptional()
  @IsUUID('all', { message: 'must be a UUID' })
  slotId?: string;
}

/** Candidates belong to the caseworker who registered them; other callers see 404. */
@Controller('v1/candidates')
@Roles('caseworker')
export class CandidatesController {
  constructor(
    private readonly commands: CommandBus,
    private readonly dataSource: DataSource,
    private readonly explainer: CandidateExplainer,
  ) {}

  @Post()
  register(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>, @Body() body: CandidateDto): Promise<CandidateView> {
    return this.commands.execute(new RegisterCandidateCommand(caller.caseworkerId, body));
  }

  /** NDJSON (one candidate per line) or CSV with a header row; up to 100,000 candidates and 32 MiB. */
  @Post('bulk')
  @HttpCode(200)
  bulk(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>, @Req() request: Request): Promise<BulkImportResult> {
    const type = (request.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const body = typeof request.body === 'string' ? request.body : '';
    return this.commands.execute(new ImportCandidatesCommand(caller.caseworkerId, type === 'text/csv' ? 'csv' : 'ndjson', body));
  }

  @Get(':id')
  async get(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>, @Param('id', uuidParam()) id: string): Promise<CandidateView> {
    return candidateView(await loadOwnCandidate(this.dataSource.manager, id, caller.caseworkerId));
  }

  @Patch(':id')
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
  async erase(@CurrentPrincipal() caller: PrincipalOf<'caseworker'>, @Param('id', uuidParam()) id: string): Promise<void> {
    await this.commands.execute(new EraseCandidateCommand(caller.caseworkerId, id));
  }

  @Get(':id/explain')
  async explain(
    @CurrentPrincipal() caller: PrincipalOf<'caseworker'>,
    @Param('id', uuidParam()) id: string,
    @Query() query: ExplainQueryDto,
  ): Promise<ExplainView> {
    const candidate = await loadOwnCandidate(this.dataSource.manager, id, caller.caseworkerId);
    return this.explainer.explain(candidate, query);
  }
}
