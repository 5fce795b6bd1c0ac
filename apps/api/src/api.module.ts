import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { MessagingModule } from '@huigong/messaging';
import { IntakeRateLimitGuard, type LogSettings, ObservabilityModule, rateLimitModule } from '@huigong/observability';
import {
  AuditStore,
  CandidateStore,
  CourseMenuStore,
  FairStore,
  MatchStore,
  NotificationStore,
  PersistenceModule,
  ReportStore,
  ServicePointStore,
  StandbyStore,
} from '@huigong/persistence';
import { JoinStandbyHandler, LeaveStandbyHandler, StandbyController } from './standby/standby';
import { SlotAdvisor } from './slots/slot-advice';
import {
  AddCourseTopicHandler,
  CourseDemandReportController,
  CourseDemandsController,
  CourseTopicsController,
  OrderCourseHandler,
} from './course-menu/course-menu';
import { ApiExceptionFilter, ApiKeyGuard, ApiValidationPipe, AppConfigModule, type AppConfig, IdempotencyInterceptor } from '@huigong/platform';
import { CandidateListsController } from './candidate-lists/candidate-lists';
import { CandidateExplainer } from './candidates/candidate-explain';
import { EraseCandidateHandler, ImportCandidatesHandler, RegisterCandidateHandler, UpdateCandidateHandler } from './candidates/candidate.commands';
import { CandidatesController } from './candidates/candidates.controller';
import { CaseworkersController, CreateCaseworkerHandler } from './caseworkers/caseworkers';
import { WorklistController } from './caseworkers/worklist';
import { AuditController } from './audit/audit.controller';
import { AuditTrail } from './audit/audit-trail';
import { InboxController } from './inbox/inbox';
import { MatchesController, RecordMatchOutcomeHandler, RecordRetentionHandler, RevertHireHandler } from './matches/matches';
import { CloseOpeningHandler, OpeningsController, PostOpeningHandler, UpdateOpeningHandler } from './openings/openings';
import { CreateOrganizationHandler, OrganizationsController } from './organizations/organizations';
import { DeliveriesController, ReplayDeliveryHandler } from './deliveries/deliveries';
import { FunnelReportController } from './reports/funnel';
import { SlotUptakeReportController } from './reports/slot-uptake';
import { ConsoleController } from './console/console.controller';
import { AttachOpeningsHandler, CreateFairHandler, FairsController } from './fairs/fairs';
import { FairLiveBoard } from './fairs/fair-live';
import { FairIntentIntake } from './fairs/intent-intake';
import { PublishSlotHandler, RedeemOfferHandler, SlotsController, UpdateSlotHandler, WithdrawSlotHandler } from './slots/slots';
import { CloseServicePointHandler, RegisterServicePointHandler, ServicePointsController, UpdateServicePointHandler } from './service-points/service-points';
import { BenefitMapController } from './benefits/benefit-map';
import { HsdsExportController } from './exports/hsds-export';

const COMMAND_HANDLERS = [
  CreateOrganizationHandler,
  CreateCaseworkerHandler,
  RegisterCandidateHandler,
  UpdateCandidateHandler,
  EraseCandidateHandler,
  ImportCandidatesHandler,
  PostOpeningHandler,
  UpdateOpeningHandler,
  CloseOpeningHandler,
  PublishSlotHandler,
  UpdateSlotHandler,
  WithdrawSlotHandler,
  RedeemOfferHandler,
  RegisterServicePointHandler,
  UpdateServicePointHandler,
  CloseServicePointHandler,
  RecordMatchOutcomeHandler,
  RevertHireHandler,
  RecordRetentionHandler,
  ReplayDeliveryHandler,
  AddCourseTopicHandler,
  OrderCourseHandler,
  CreateFairHandler,
  AttachOpeningsHandler,
  JoinStandbyHandler,
  LeaveStandbyHandler,
];

/** The intake HTTP API: every write goes through a command handler and the unit of work. */
@Module({})
export class ApiModule {
  static forRoot(config: AppConfig, options: { logs?: LogSettings } = {}): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        AppConfigModule.forRoot(config),
        PersistenceModule.forRoot({ applicationName: 'huigong-api', poolSize: 20 }),
        MessagingModule.forRoot({ relay: true }),
        // Health, metrics, JSON logs and the queue board (admin key); then the rate limit, when on.
        ObservabilityModule.forRoot(config, { service: 'api', logs: options.logs, intake: true }),
        ...(config.rateLimitPerMinute === null ? [] : [rateLimitModule({ ...config, rateLimitPerMinute: config.rateLimitPerMinute })]),
      ],
      controllers: [
        OrganizationsController,
        CaseworkersController,
        WorklistController,
        AuditController,
        CandidatesController,
        StandbyController,
        OpeningsController,
        SlotsController,
        ServicePointsController,
        BenefitMapController,
        HsdsExportController,
        CourseTopicsController,
        CourseDemandsController,
        CourseDemandReportController,
        FairsController,
        MatchesController,
        CandidateListsController,
        InboxController,
        FunnelReportController,
        SlotUptakeReportController,
        DeliveriesController,
        ConsoleController,
      ],
      providers: [
        ...COMMAND_HANDLERS,
        CandidateExplainer,
        SlotAdvisor,
        CandidateStore,
        AuditStore,
        AuditTrail,
        MatchStore,
        ReportStore,
        ServicePointStore,
        CourseMenuStore,
        FairStore,
        FairIntentIntake,
        FairLiveBoard,
        StandbyStore,
        NotificationStore,
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        // The rate limit (RATE_LIMIT_PER_MINUTE; none at 0 or off) after the key guard, since global guards run in
        // the order they are provided: a made-up key is refused 401 before it counts, and a real one counts as itself.
        ...(config.rateLimitPerMinute === null ? [] : [{ provide: APP_GUARD, useClass: IntakeRateLimitGuard }]),
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: APP_PIPE, useClass: ApiValidationPipe },
        { provide: APP_FILTER, useClass: ApiExceptionFilter },
      ],
    };
  }
}
