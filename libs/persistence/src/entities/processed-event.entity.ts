import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Which consumer has handled which event: handling again is a no-op. */
@Entity('processed_events')
export class ProcessedEventEntity {
  @PrimaryColumn('text') consumer: string;
  @PrimaryColumn('uuid') eventId: string;
  @Column('text') eventName: string;
  @Column('timestamptz') processedAt: Date;
}
