import { InitialSchema1764000000000 } from './1764000000000-initial-schema';
import { NotificationDeliveries1764100000000 } from './1764100000000-notification-deliveries';

/** Every migration, oldest first. Listed by hand so that the build needs no file globbing. */
export const MIGRATIONS = [InitialSchema1764000000000, NotificationDeliveries1764100000000];
