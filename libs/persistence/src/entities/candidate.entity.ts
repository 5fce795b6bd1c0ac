import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { AccessibilityFeature, Employment, TargetGroup, WeeklyWindow } from '@huigong/domain';

export type CandidateStatus = 'active' | 'erased';

/**
 * A job seeker or worker registered by a caseworker. Every column but the ids, the status and the
 * timestamps is personal data: erasure (consent withdrawn) blanks them all and keeps a tombstone so that
 * funnel counts stay true.
 */
@Entity('candidates')
export class CandidateEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid') caseworkerId: string;
  @Column('text') status: CandidateStatus;
  @Column('text', { nullable: true }) displayName: string | null;
  @Column('text', { nullable: true }) externalRef: string | null;
  @Column('text', { nullable: true }) phone: string | null;
  @Column('text', { array: true }) groups: TargetGroup[];
  @Column('text', { array: true }) skills: string[];
  @Column('double precision', { nullable: true }) lat: number | null;
  @Column('double precision', { nullable: true }) lng: number | null;
  @Column('double precision', { nullable: true }) maxTravelKm: number | null;
  @Column('jsonb') availability: WeeklyWindow[];
  @Column('jsonb') breaks: WeeklyWindow[];
  @Column('text', { array: true }) accessibilityNeeds: AccessibilityFeature[];
  /** Consent per purpose (libs/domain's consent.ts); the history is in consent_records. */
  @Column('boolean') consentJobs: boolean;
  @Column('boolean') consentBenefits: boolean;
  @Column('boolean') consentSensitive: boolean;
  /** May be contacted at all (jobs or benefits): PostgreSQL keeps it from the two, so it is never written. */
  @Column({ type: 'boolean', insert: false, update: false }) consentContact: boolean;
  /** Seeking work, or employed since a hire (no job proposals then, unless open to job offers). */
  @Column('text') employment: Employment;
  @Column('timestamptz', { nullable: true }) employedSince: Date | null;
  /** Set by the caseworker: an employed person still gets job proposals. */
  @Column('boolean') openToJobOffers: boolean;
  /** Their own quiet hours, daily cap, language and channel for offers (each absent: the deployment's, or the gateway's). */
  @Column('jsonb') noticePreferences: { quietHours?: string; dailyCap?: number; language?: 'zh-CN' | 'en'; channel?: 'app' | 'sms' };
  /**
   * Registered by a job fair's intent (name, phone, place) and not completed by their caseworker yet: the
   * engine proposes nothing to them until a PATCH clears it. Their leads stand.
   */
  @Column('boolean') profilePending: boolean;
  /** Bumped on every change, so that consumers can tell a stale event from a fresh one. */
  @Column('integer') revision: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @Column('timestamptz', { nullable: true }) erasedAt: Date | null;
}
