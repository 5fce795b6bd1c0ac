import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { AccessibilityFeature, OpeningStatus, TargetGroup, WeeklyWindow } from '@huigong/domain';

/** A job opening posted by an employer. */
@Entity('openings')
export class OpeningEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid') organizationId: string;
  @Column('text') status: OpeningStatus;
  @Column('text') title: string;
  @Column('text', { array: true }) skills: string[];
  /** Empty: open to everyone. */
  @Column('text', { array: true }) targetGroups: TargetGroup[];
  @Column('double precision') lat: number;
  @Column('double precision') lng: number;
  @Column('double precision') radiusKm: number;
  @Column('jsonb') shifts: WeeklyWindow[];
  @Column('text', { array: true }) accessibilityFeatures: AccessibilityFeature[];
  @Column('integer') positions: number;
  @Column('timestamptz', { nullable: true }) validUntil: Date | null;
  @Column('integer') revision: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @Column('timestamptz', { nullable: true }) closedAt: Date | null;
}
