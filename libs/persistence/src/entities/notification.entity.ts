import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export const NOTIFICATION_RECIPIENT_KINDS = ['organization', 'caseworker', 'candidate'] as const;
export type NotificationRecipientKind = (typeof NOTIFICATION_RECIPIENT_KINDS)[number];
/** Every type of notification (the `notifications_type_check` constraint holds the same list). */
export const NOTIFICATION_TYPES = [
  'candidate_list',
  'offer',
  'match_summary',
  'reminder',
  'candidate_digest',
  'matches_withdrawn',
  'retention_check',
  'course_demand',
  'fair_leads_reminder',
] as const;
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/**
 * A notification recorded before it is sent: the inbox reads this table, and `dedupeKey` makes a
 * second recording of the same notification impossible.
 */
@Entity('notifications')
export class NotificationEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') recipientKind: NotificationRecipientKind;
  @Column('uuid') recipientId: string;
  @Column('text') type: NotificationType;
  @Column('text', { unique: true }) dedupeKey: string;
  @Column('jsonb') payload: Record<string, unknown>;
  /** The candidates whose data the payload carries, so that erasure can find them. */
  @Column('uuid', { array: true }) candidateIds: string[];
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
