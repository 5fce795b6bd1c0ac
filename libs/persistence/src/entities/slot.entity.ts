import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { AccessibilityFeature, DatedOccurrence, SlotKind, TargetGroup, WeeklyWindow } from '@huigong/domain';

export type SlotStatus = 'active' | 'withdrawn';

export interface SlotOfferTerms {
  discountPercent?: number;
  price?: number;
  description?: string;
}

/** Idle capacity a merchant publishes: "Mon-Fri 13:00-14:00, 30% off, 40 seats, for riders". */
@Entity('slots')
export class SlotEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid') organizationId: string;
  /** The service point it was published at (its place), or null. */
  @Column('uuid', { nullable: true }) servicePointId: string | null;
  /** A course scheduled for a demand of the course menu: those who ordered it are offered it first. */
  @Column('uuid', { nullable: true }) courseDemandId: string | null;
  @Column('text') status: SlotStatus;
  @Column('text') title: string;
  @Column('text') kind: SlotKind;
  @Column('text', { array: true }) eligibleGroups: TargetGroup[];
  /** Weekly windows; none when the slot has only dated occurrences. */
  @Column('jsonb') windows: WeeklyWindow[];
  /** Dated occurrences (sessions; stays for lodging), sorted by start. */
  @Column('jsonb') occurrences: DatedOccurrence[];
  /** With no weekly windows: the last moment a dated occurrence can be offered (libs/domain's datedOffersUntil). */
  @Column('timestamptz', { nullable: true }) datedOffersUntil: Date | null;
  /** Seats per occurrence; for stays, beds per night. */
  @Column('integer') capacity: number;
  @Column('jsonb') offer: SlotOfferTerms;
  @Column('double precision') lat: number;
  @Column('double precision') lng: number;
  @Column('double precision') radiusKm: number;
  @Column('text', { array: true }) accessibilityFeatures: AccessibilityFeature[];
  @Column('timestamptz', { nullable: true }) validUntil: Date | null;
  @Column('integer') revision: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @Column('timestamptz', { nullable: true }) withdrawnAt: Date | null;
}
