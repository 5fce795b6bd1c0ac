import { ApiKeyEntity } from './api-key.entity';
import { CandidateEntity } from './candidate.entity';
import { CaseworkerEntity } from './caseworker.entity';
import { IdempotencyRecordEntity } from './idempotency-record.entity';
import { MatchEntity } from './match.entity';
import { NotificationEntity } from './notification.entity';
import { OpeningEntity } from './opening.entity';
import { OrganizationEntity } from './organization.entity';
import { OutboxEventEntity } from './outbox-event.entity';
import { ProcessedEventEntity } from './processed-event.entity';
import { ServicePointEntity } from './service-point.entity';
import { SlotEntity } from './slot.entity';

export * from './api-key.entity';
export * from './candidate.entity';
export * from './caseworker.entity';
export * from './idempotency-record.entity';
export * from './match.entity';
export * from './notification.entity';
export * from './opening.entity';
export * from './organization.entity';
export * from './outbox-event.entity';
export * from './processed-event.entity';
export * from './service-point.entity';
export * from './slot.entity';

export const ENTITIES = [
  ApiKeyEntity,
  CandidateEntity,
  CaseworkerEntity,
  IdempotencyRecordEntity,
  MatchEntity,
  NotificationEntity,
  OpeningEntity,
  OrganizationEntity,
  OutboxEventEntity,
  ProcessedEventEntity,
  ServicePointEntity,
  SlotEntity,
];
