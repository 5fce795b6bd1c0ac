import { Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { AccessibilityFeature, ServicePointKind, WeeklyWindow } from '@huigong/domain';

export type ServicePointStatus = 'open' | 'closed';

/** The premises of an organization where members get a standing benefit and use its offers. */
@Entity('service_points')
export class ServicePointEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid') organizationId: string;
  @Column('text') status: ServicePointStatus;
  @Column('text') name: string;
  @Column('text') kind: ServicePointKind;
  @Column('double precision') lat: number;
  @Column('double precision') lng: number;
  @Column('text', { nullable: true }) address: string | null;
  /** When it is open, every week (empty: not said). */
  @Column('jsonb') openingHours: WeeklyWindow[];
  @Column('text', { array: true }) accessibilityFeatures: AccessibilityFeature[];
  /** The standing benefit, in words ("union members 20% off"). */
  @Column('text', { nullable: true }) memberBenefit: string | null;
  @Column('integer') revision: number;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
  @UpdateDateColumn({ type: 'timestamptz' }) updatedAt: Date;
  @Column('timestamptz', { nullable: true }) closedAt: Date | null;
}
