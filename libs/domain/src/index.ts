export * from './accessibility';
export * from './geo';
export * from './match-status';
export * from './opening-status';
export * from './organization';
export * from './target-group';
export * from './weekly-window';
export * from './time-zone';
