import { CONSENT_METHODS, CONSENT_PURPOSES, type ConsentRecordMethod } from '@huigong/domain';
import type { ConsentRecord } from '@huigong/persistence';
import { ApiProperty, ApiSchema } from '@nestjs/swagger';
import { AuditReadView } from '../audit/audit.controller';
import { StandbyEntryView } from '../standby/standby.view';
import { CandidateView } from './candidate.view';

const JSON_OBJECT = { type: 'object', additionalProperties: true } as const;

@ApiSchema({ name: 'ExportedMatch', description: 'A match of the person, with every change of its status and the retention checks of a hire.' })
export class ExportedMatch {
  @ApiProperty({ type: 'string', format: 'uuid' })
  matchId: string;

  @ApiProperty({ enum: ['opening', 'slot'] })
  offerKind: string;

  @ApiProperty({ type: 'string', format: 'uuid' })
  offerId: string;

  @ApiProperty({ type: 'string', nullable: true })
  offerTitle: string | null;

  @ApiProperty({ type: 'string' })
  status: string;

  @ApiProperty({ type: 'string', nullable: true })
  statusReason: string | null;

  @ApiProperty({ type: 'number' })
  score: number;

  @ApiProperty({ type: 'array', items: JSON_OBJECT })
  reasons: unknown[];

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  updatedAt: string;

  @ApiProperty({ type: 'array', items: JSON_OBJECT, description: '`{from, to, reason, by, at}` per change.' })
  history: { from: string; to: string; reason: string | null; by: string; at: string }[];

  @ApiProperty({ type: 'array', items: JSON_OBJECT, description: '`{checkpointDays, outcome, at}`.' })
  retentionChecks: { checkpointDays: number; outcome: string; at: string }[];
}

@ApiSchema({ name: 'ExportedNotification', description: 'A notification that names the person: only their own entries, with its deliveries.' })
export class ExportedNotification {
  @ApiProperty({ type: 'string', format: 'uuid' })
  id: string;

  @ApiProperty({ type: 'string' })
  type: string;

  @ApiProperty({ enum: ['organization', 'caseworker', 'candidate'] })
  recipientKind: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  createdAt: string;

  @ApiProperty(JSON_OBJECT)
  payload: Record<string, unknown>;

  @ApiProperty({ type: 'array', items: JSON_OBJECT, description: '`{channel, status, deliveredAt}` per channel.' })
  deliveries: { channel: string; status: string; deliveredAt: string | null }[];
}

const RECORD_METHODS = [...CONSENT_METHODS, 'not_stated'];

@ApiSchema({
  name: 'ConsentRecord',
  description: 'One consent of the history: a purpose given (who recorded it, when, how) and, once withdrawn, when, by whom and how. Ids only.',
})
export class ConsentRecordView {
  @ApiProperty({ enum: CONSENT_PURPOSES, enumName: 'ConsentPurpose' })
  purpose: string;

  @ApiProperty({ type: 'string', format: 'date-time' })
  givenAt: string;

  @ApiProperty({ type: 'string', format: 'uuid', description: 'The caseworker who recorded it.' })
  givenBy: string;

  @ApiProperty({ enum: RECORD_METHODS, description: '`not_stated`: the caseworker did not say how.' })
  givenHow: ConsentRecordMethod;

  @ApiProperty({ type: 'string', format: 'date-time', nullable: true, description: 'Null while the consent stands.' })
  withdrawnAt: string | null;

  @ApiProperty({ type: 'string', format: 'uuid', nullable: true, description: 'The caseworker who recorded the withdrawal.' })
  withdrawnBy: string | null;

  @ApiProperty({ enum: [...RECORD_METHODS, 'erasure'], nullable: true, description: '`erasure`: withdrawn when the person was erased.' })
  withdrawnHow: ConsentRecordMethod | null;
}

export function consentRecordView(record: ConsentRecord): ConsentRecordView {
  return {
    ...record,
    givenAt: new Date(record.givenAt).toISOString(),
    withdrawnAt: record.withdrawnAt === null ? null : new Date(record.withdrawnAt).toISOString(),
  };
}

@ApiSchema({ name: 'CandidateExport', description: 'Everything held about one person, and who read it: nothing about anyone else.' })
export class CandidateExport {
  @ApiProperty({ type: 'string', format: 'date-time' })
  exportedAt: string;

  @ApiProperty({ type: () => CandidateView, description: 'The profile, with consent, employment and notice preferences.' })
  profile: CandidateView;

  @ApiProperty({ type: () => ConsentRecordView, isArray: true, description: 'Every consent given and withdrawn, oldest first.' })
  consents: ConsentRecordView[];

  @ApiProperty({ type: () => ExportedMatch, isArray: true })
  matches: ExportedMatch[];

  @ApiProperty({ type: () => ExportedNotification, isArray: true })
  notifications: ExportedNotification[];

  @ApiProperty({ type: () => AuditReadView, isArray: true, description: 'Who read their data, newest first (the last 1,000 reads).' })
  reads: AuditReadView[];

  @ApiProperty({ type: () => StandbyEntryView, isArray: true, description: 'The service points they stand by for (the standby pool).' })
  standby: StandbyEntryView[];
}
