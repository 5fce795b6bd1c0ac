import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { MatchStatus, OfferKind } from '@huigong/domain';

/** Why a person was matched: `{code: "distance", km: 1.2}` and the like. */
export type MatchReason = { code: string } & Record<string, unknown>;

/** A person paired with an opening (a job match) or a slot (an offer), and its follow-up status. */
@Entity('matches')
export class MatchEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') offerKind: OfferKind;
  @Column('uuid', { nullable: true }) openingId: string | null;
  @Column('uuid', { nullable: true }) slotId: string | null;
  @Column('uuid') candidateId: string;
  /** The caseworker who owns the candidate, kept here so that candidate lists read one table. */
  @Column('uuid') caseworkerId: string;
  @Column('double precision') score: number;
  @Column('jsonb') reasons: MatchReason[];
  @Column('text') status: MatchStatus;
  @Column('text', { nullable: true }) statusReason: string | null;
  @Column('text', { nullable: true }) note: string | null;
  /** The single-use code a worker shows to redeem a slot offer. */
  @Column('text', { nullable: true }) redemptionCode: string | null;
  /** A slot offer's occurrence: its start (null for offers made before dated occurrences), and its end. */
  @Column('timestamptz', { nullable: true }) occurrenceStartsAt: Date | null;
  @Column('timestamptz', { nullable: true }) expiresAt: Date | null;
  /** A last-minute offer to someone on standby (the standby pool), made shortly before its occurrence starts. */
  @Column('boolean', { default: false }) lastMinute: boolean;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
}
