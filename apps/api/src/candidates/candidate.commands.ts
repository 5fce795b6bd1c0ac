import { Injectable, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { IMPORTED_PER_EVENT, type PendingEvent, UnitOfWork, outboxEvent } from '@huigong/messaging';
import { CandidateEntity, CandidateStore, type NewCandidateRow, StandbyStore } from '@huigong/persistence';
import { type FieldError, ValidationFailedException, validateRecord } from '@huigong/platform';
import { NO_CONSENTS, consentChanges } from '@huigong/domain';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { CandidateDto, type UpdateCandidateDto } from './candidate.dto';
import { applyCandidatePatch, consentsAfter, consentsOf, newCandidateRow } from './candidate.mapping';
import { type CandidateView, candidateView } from './candidate.view';
import { FieldErrorView } from '../docs/api-error.response';
import { type ImportRecord, MAX_IMPORT_RECORDS, readCsv, readNdjson } from './bulk-import.format';

/** Loads a live candidate of this caseworker, locked for update; someone else's or erased is 404. */
export async function loadOwnCandidate(manager: EntityManager, id: string, caseworkerId: string, lock = false): Promise<CandidateEntity> {
  const row = await manager.findOne(CandidateEntity, {
    where: { id, caseworkerId, status: 'active' },
    ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
  });
  if (row === null) throw new NotFoundException(`No candidate ${id}.`);
  return row;
}

export class RegisterCandidateCommand {
  constructor(
    readonly caseworkerId: string,
    readonly input: CandidateDto,
  ) {}
}

@Injectable()
@CommandHandler(RegisterCandidateCommand)
export class RegisterCandidateHandler implements ICommandHandler<RegisterCandidateCommand, CandidateView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly candidates: CandidateStore,
  ) {}

  execute({ caseworkerId, input }: RegisterCandidateCommand): Promise<CandidateView> {
    const consents = consentsAfter(NO_CONSENTS, input.consent);
    if ('field' in consents) throw new ValidationFailedException([consents]);
    // Grouped with the registrations of the same moment: one transaction and one flush to disk for all.
    return this.unitOfWork.runGrouped(
      async (tx) => {
        // One INSERT, no ORM save (whose SELECT asked whether the new id existed); it gives back the time
        // the view shows as createdAt and updatedAt.
        const row = newCandidateRow(randomUUID(), caseworkerId, input, consents);
        const createdAt = await this.candidates.insertNew(tx.manager, [row]);
        tx.emit(outboxEvent('CandidateRegistered', { candidateId: row.id }));
        return candidateView({ ...row, profilePending: false, employment: 'seeking', employedSince: null, createdAt, updatedAt: createdAt, erasedAt: null });
      },
      { resourceId: (view) => view.id },
    );
  }
}

export class UpdateCandidateCommand {
  constructor(
    readonly caseworkerId: string,
    readonly candidateId: string,
    readonly patch: UpdateCandidateDto,
  ) {}
}

@Injectable()
@CommandHandler(UpdateCandidateCommand)
export class UpdateCandidateHandler implements ICommandHandler<UpdateCandidateCommand, CandidateView> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly candidates: CandidateStore,
    private readonly standby: StandbyStore,
  ) {}

  execute({ caseworkerId, candidateId, patch }: UpdateCandidateCommand): Promise<CandidateView> {
    return this.unitOfWork.run(async (tx) => {
      const { manager } = tx;
      const row = await loadOwnCandidate(manager, candidateId, caseworkerId, true);
      const before = consentsOf(row);
      const after = patch.consent === undefined ? before : consentsAfter(before, patch.consent);
      if ('field' in after) throw new ValidationFailedException([after]);
      applyCandidatePatch(row, patch, after);
      const saved = await manager.save(row);
      // Each purpose given or withdrawn goes into the history: by this caseworker, how the request says.
      await this.candidates.recordConsentChanges(manager, candidateId, consentChanges(before, after), {
        by: caseworkerId,
        how: patch.consent?.method ?? 'not_stated',
      });
      // Without consent to benefit offers the person stands by for no service point any more (their standby
      // would only be skipped): the enrolments go, as erasure removes them.
      if (before.benefits && !after.benefits) await this.standby.leaveAll(manager, candidateId);
      tx.emit(outboxEvent('CandidateUpdated', { candidateId }));
      return candidateView(saved);
    });
  }
}

export class EraseCandidateCommand {
  constructor(
    readonly caseworkerId: string,
    readonly candidateId: string,
  ) {}
}

/**
 * Consent withdrawn: in one transaction the profile is blanked to a tombstone (ids and timestamps only),
 * open matches are withdrawn and their reasons and notes erased, the person's data is cut out of every
 * notification, stored idempotent responses about them are blanked, and CandidateErased is emitted.
 */
@Injectable()
@CommandHandler(EraseCandidateCommand)
export class EraseCandidateHandler implements ICommandHandler<EraseCandidateCommand, void> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly candidates: CandidateStore,
  ) {}

  async execute({ caseworkerId, candidateId }: EraseCandidateCommand): Promise<void> {
    await this.unitOfWork.run(async (tx) => {
      const { manager } = tx;
      await loadOwnCandidate(manager, candidateId, caseworkerId, true);
      await this.candidates.erase(manager, candidateId, caseworkerId);
      tx.emit(outboxEvent('CandidateErased', { candidateId }));
    });
  }
}

@ApiSchema({ name: 'RejectedLine', description: 'A line of the import that was not kept, and why.' })
export class RejectedLine {
  @ApiProperty({ type: 'integer', minimum: 1, description: 'The line number in the body (CSV: counting the header).' })
  line: number;

  @ApiProperty({ type: () => FieldErrorView, isArray: true })
  details: FieldError[];
}

@ApiSchema({ name: 'BulkImportResult' })
export class BulkImportResult {
  @ApiProperty({ type: 'integer', minimum: 0, description: 'How many candidates were registered.' })
  accepted: number;

  @ApiProperty({ type: () => RejectedLine, isArray: true, description: 'The lines not kept, in order.' })
  rejected: RejectedLine[];
}

export class ImportCandidatesCommand {
  constructor(
    readonly caseworkerId: string,
    readonly format: 'ndjson' | 'csv',
    readonly body: string,
  ) {}
}

/** Bulk import: valid lines are kept (in one transaction), bad lines reported by line number. */
@Injectable()
@CommandHandler(ImportCandidatesCommand)
export class ImportCandidatesHandler implements ICommandHandler<ImportCandidatesCommand, BulkImportResult> {
  constructor(
    private readonly unitOfWork: UnitOfWork,
    private readonly candidates: CandidateStore,
  ) {}

  async execute({ caseworkerId, format, body }: ImportCandidatesCommand): Promise<BulkImportResult> {
    const records: ImportRecord[] = format === 'csv' ? readCsv(body) : readNdjson(body);
    if (records.length > MAX_IMPORT_RECORDS) {
      throw new PayloadTooLargeException(`An import holds at most ${MAX_IMPORT_RECORDS} candidates; this one has ${records.length}.`);
    }
    const rejected: BulkImportResult['rejected'] = [];
    const rows: NewCandidateRow[] = [];
    for (const record of records) {
      if ('details' in record) {
        rejected.push({ line: record.line, details: record.details });
        continue;
      }
      const result = await validateRecord(CandidateDto, record.plain);
      if (result.value === undefined) {
        rejected.push({ line: record.line, details: result.errors });
        continue;
      }
      const consents = consentsAfter(NO_CONSENTS, result.value.consent);
      if ('field' in consents) rejected.push({ line: record.line, details: [consents] });
      else rows.push(newCandidateRow(randomUUID(), caseworkerId, result.value, consents));
    }
    return this.unitOfWork.run(async (tx) => {
      const { manager } = tx;
      // One INSERT and one event per chunk of people, not one per person: the matcher reads a chunk in one
      // statement and matches it offer-side (each offer within reach ranks the newcomers once).
      const events: PendingEvent[] = [];
      for (let start = 0; start < rows.length; start += IMPORTED_PER_EVENT) {
        const chunk = rows.slice(start, start + IMPORTED_PER_EVENT);
        await this.candidates.insertNew(manager, chunk);
        events.push(outboxEvent('CandidatesImported', { candidateIds: chunk.map((row) => row.id) }));
      }
      tx.emit(events);
      return { accepted: rows.length, rejected };
    });
  }
}
