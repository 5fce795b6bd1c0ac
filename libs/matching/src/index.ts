export * from './candidate-index';
export * from './count-hints';
export * from './engine';
export * from './offer-index';
export * from './policy';
export * from './reference';
export * from './rules';
export * from './score';
