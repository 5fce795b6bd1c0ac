import { Column, Entity, PrimaryColumn } from 'typeorm';

/** The first response to a POST with an `Idempotency-Key`, replayed for 24 hours. */
@Entity('idempotency_records')
export class IdempotencyRecordEntity {
  /** Who sent it: the API key's id, or "admin". */
  @PrimaryColumn('text') scope: string;
  /** SHA-256 of the client's key: a key may carry words about a person, so the key itself is not kept. */
  @PrimaryColumn('text') idempotencyKey: string;
  @Column('text') requestHash: string;
  @Column('integer') statusCode: number;
  @Column('jsonb') responseBody: unknown;
  /** The resource the request created, so that erasing a candidate erases its stored response too. */
  @Column('uuid', { nullable: true }) resourceId: string | null;
  @Column('timestamptz') createdAt: Date;
}
