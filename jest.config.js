/**
 * Unit specs sit beside the code (docker/k8s's beside the manifests it checks); end-to-end tests in test/ run
 * against real PostgreSQL and Redis.
 */
const moduleNameMapper = {
  '^@huigong/(domain|matching|messaging|notifications|observability|persistence|platform)$': '<rootDir>/libs/$1/src',
};
// NestJS 12 ships as ES modules only, so jest runs in its native ESM mode (node --experimental-vm-modules)
// and ts-jest emits ESM. Type-checking is done once, by `npm run typecheck`; jest only transpiles.
const transform = { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.spec.json', useESM: true, diagnostics: false }] };
// The preload evaluates @nestjs/common and @nestjs/core first, so that the CommonJS Nest packages
// (@nestjs/throttler, @bull-board/nestjs) can require() them: see test/support/preload-nest.ts.
const setupFiles = ['<rootDir>/test/support/preload-nest.ts'];
const common = { testEnvironment: 'node', rootDir: __dirname, transform, moduleNameMapper, extensionsToTreatAsEsm: ['.ts'], setupFiles };

module.exports = {
  // End-to-end tests wait for queues; a unit test that needs this long is broken anyway.
  testTimeout: 60_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/docker'],
      testMatch: ['**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/test'],
      testMatch: ['**/*.e2e-spec.ts'],
      slowTestThreshold: 30,
    },
  ],
};
