export * from './data-source-options';
export * from './entities';
export * from './migrate';
export * from './persistence.module';
export * from './match-store';
export * from './notification-store';
export * from './matching-profiles';
