import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { OrganizationKind } from '@huigong/domain';

/** An employer that posts openings, or a merchant (canteen, barber, hotel) that publishes slots. */
@Entity('organizations')
export class OrganizationEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text') kind: OrganizationKind;
  @Column('text', { nullable: true }) webhookUrl: string | null;
  @Column('text', { nullable: true }) webhookSecret: string | null;
  /** Where notifications are mailed when SMTP is configured. */
  @Column('text', { nullable: true }) email: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
