export * from './budget';
export * from './retry-schedule';
export * from './standard-webhooks';
export * from './texts';
export * from './webhook-target';
export * from './digest';
export * from './email';
