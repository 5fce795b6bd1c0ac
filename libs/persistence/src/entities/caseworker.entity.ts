import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** Union or community staff who register candidates and follow them up. */
@Entity('caseworkers')
export class CaseworkerEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('text') name: string;
  @Column('text', { nullable: true }) webhookUrl: string | null;
  @Column('text', { nullable: true }) webhookSecret: string | null;
  /** Where notifications are mailed when SMTP is configured. */
  @Column('text', { nullable: true }) email: string | null;
  @CreateDateColumn({ type: 'timestamptz' }) createdAt: Date;
}
