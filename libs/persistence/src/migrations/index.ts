import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { NotificationDeliveries1764100000000 } from './1764100000000-notification-deliveries';
import { MatchStatusHistory1764200000000 } from './1764200000000-match-status-history';
import { DroppedDeliveries1764300000000 } from './1764300000000-dropped-deliveries';
import { ReminderNotifications1764400000000 } from './1764400000000-reminder-notifications';
import { CaseworkerDigests1764500000000 } from './1764500000000-caseworker-digests';
import { EmailAddresses1764600000000 } from './1764600000000-email-addresses';
import { OpenJobMatchIndexes1764700000000 } from './1764700000000-open-job-match-indexes';
import { PartialIndexKeys1764800000000 } from './1764800000000-partial-index-keys';
import { FilledOpenings1764900000000 } from './1764900000000-filled-openings';
import { Employment1765000000000 } from './1765000000000-employment';
import { NoShows1765100000000 } from './1765100000000-no-shows';
import { RetentionChecks1765200000000 } from './1765200000000-retention-checks';
import { NoticePreferences1765300000000 } from './1765300000000-notice-preferences';
import { AuditReads1765400000000 } from './1765400000000-audit-reads';
import { ConsentPurposes1765500000000 } from './1765500000000-consent-purposes';
import { ServicePoints1765600000000 } from './1765600000000-service-points';
import { DatedOccurrences1765700000000 } from './1765700000000-dated-occurrences';
import { CourseMenu1765800000000 } from './1765800000000-course-menu';
import { Fairs1765900000000 } from './1765900000000-fairs';
import { StandbyPool1766000000000 } from './1766000000000-standby-pool';
import { PendingProfiles1766100000000 } from './1766100000000-pending-profiles';
import { BoundedHistory1766200000000 } from './1766200000000-bounded-history';

/** Every migration, oldest first. Listed by hand so that the build needs no file globbing. */
export const MIGRATIONS = [
  InitialSchema1764000000000,
  NotificationDeliveries1764100000000,
  MatchStatusHistory1764200000000,
  DroppedDeliveries1764300000000,
  ReminderNotifications1764400000000,
  CaseworkerDigests1764500000000,
  EmailAddresses1764600000000,
  OpenJobMatchIndexes1764700000000,
  PartialIndexKeys1764800000000,
  FilledOpenings1764900000000,
  Employment1765000000000,
  NoShows1765100000000,
  RetentionChecks1765200000000,
  NoticePreferences1765300000000,
  AuditReads1765400000000,
  ConsentPurposes1765500000000,
  ServicePoints1765600000000,
  DatedOccurrences1765700000000,
  CourseMenu1765800000000,
  Fairs1765900000000,
  StandbyPool1766000000000,
  PendingProfiles1766100000000,
  BoundedHistory1766200000000,
];
