import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A domain event committed in the same transaction as the write that caused it. The outbox relay moves
 * it to BullMQ, with this id as the job id, and stamps `publishedAt`.
 */
@Entity('outbox_events')
export class OutboxEventEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') eventName: string;
  /** Ids only, never personal data. */
  @Column('jsonb') payload: Record<string, unknown>;
  @Column('text') correlationId: string;
  @Column('timestamptz') createdAt: Date;
  @Column('timestamptz', { nullable: true }) publishedAt: Date | null;
}
