import { Injectable } from '@nestjs/common';
import type { Role } from '@huigong/domain';
import { DataSource } from 'typeorm';

/** What was read about a person. */
export const AUDITED_READS = ['profile', 'explain', 'candidate_list', 'inbox', 'worklist', 'export', 'consents', 'standby'] as const;
export type AuditedRead = (typeof AUDITED_READS)[number];

/** One read of one person's data: who (their role and id: the caseworker, the organization, or `admin`), what, when. */
export interface AuditRead {
  readAt: Date;
  readerKind: Role;
  readerId: string;
  candidateId: string;
  what: AuditedRead;
  requestId: string | null;
}

/** `audit_reads`: written in batches, read by the admin by person or by reader, newest first. */
@Injectable()
export class AuditStore {
  constructor(private readonly dataSource: DataSource) {}

  /** Many reads in one statement, however many (the rows travel as one JSON document). */
  async insertReads(reads: readonly AuditRead[]): Promise<void> {
    if (reads.length === 0) return;
    await this.dataSource.query(
      `INSERT INTO audit_reads (read_at, reader_kind, reader_id, candidate_id, what, request_id)
       SELECT read_at, reader_kind, reader_id, candidate_id, what, request_id
         FROM jsonb_to_recordset($1::jsonb) AS r(read_at timestamptz, reader_kind text, reader_id text, candidate_id uuid, what text, request_id text)`,
      [
        JSON.stringify(
          reads.map((read) => ({
            read_at: read.readAt.toISOString(),
            reader_kind: read.readerKind,
            reader_id: read.readerId,
            candidate_id: read.candidateId,
            what: read.what,
            request_id: read.requestId,
          })),
        ),
      ],
    );
  }

  /** Reads of one person, or by one reader, newest first. */
  reads(filter: { candidateId?: string; readerId?: string; limit: number }): Promise<AuditRead[]> {
    return this.dataSource.query(
      `SELECT read_at AS "readAt", reader_kind AS "readerKind", reader_id AS "readerId", candidate_id AS "candidateId", what, request_id AS "requestId"
         FROM audit_reads
        WHERE ($1::uuid IS NULL OR candidate_id = $1) AND ($2::text IS NULL OR reader_id = $2)
        ORDER BY read_at DESC, id DESC LIMIT $3`,
      [filter.candidateId ?? null, filter.readerId ?? null, filter.limit],
    );
  }
}
