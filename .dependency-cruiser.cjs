/**
 * The dependency rules docs/ARCHITECTURE.md promises, checked in CI (`npm run lint:deps`):
 * - domain, matching and notifications are plain TypeScript: no framework, database or queue import;
 * - libraries never import apps, and nothing imports the test, bench, demo or docker code but themselves;
 * - no cycles, between libraries or inside one;
 * - a library is used through its index (`@huigong/<lib>`), never by reaching into its files.
 */
const FRAMEWORK =
  '(^|/)node_modules/(@nestjs|typeorm|bullmq|ioredis|pg|class-validator|class-transformer|express|@bull-board|nestjs-pino|pino|pino-http|prom-client|rxjs|reflect-metadata|undici|nodemailer)($|/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'plain-libs-import-no-framework',
      comment: 'libs/domain, libs/matching and libs/notifications are plain TypeScript: data in, data out, no framework.',
      severity: 'error',
      from: { path: '^libs/(domain|matching|notifications)/' },
      to: { dependencyTypes: ['npm', 'npm-dev', 'npm-optional', 'npm-peer', 'npm-no-pkg', 'npm-unknown'], path: FRAMEWORK },
    },
    {
      name: 'plain-libs-import-plain-libs-only',
      comment: 'The plain libraries may use each other, never the infrastructure libraries.',
      severity: 'error',
      from: { path: '^libs/(domain|matching|notifications)/' },
      to: { path: '^libs/(persistence|messaging|platform|observability)/' },
    },
    {
      name: 'library-layers',
      comment: 'domain; matching, notifications; platform; persistence; messaging; observability: each uses only those below it (docs/ARCHITECTURE.md).',
      severity: 'error',
      from: { path: '^libs/(platform|persistence|messaging)/' },
      to: { path: '^libs/observability/' },
    },
    {
      name: 'library-layers-below-messaging',
      severity: 'error',
      from: { path: '^libs/(platform|persistence)/' },
      to: { path: '^libs/messaging/' },
    },
    {
      name: 'library-layers-below-persistence',
      severity: 'error',
      from: { path: '^libs/platform/' },
      to: { path: '^libs/persistence/' },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^libs/' },
      to: { path: '^apps/' },
    },
    {
      name: 'product-never-imports-tests-bench-demo',
      severity: 'error',
      from: { path: '^(apps|libs)/', pathNot: '\\.spec\\.ts$' },
      to: { path: '^(test|bench|demo|docker)/' },
    },
    {
      name: 'no-cycles',
      comment: 'A cycle between modules (or libraries) means neither can be understood, tested or built alone.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'libs-through-their-index',
      comment: 'Another library is used through its index (@huigong/<lib>), not by reaching into its files.',
      severity: 'error',
      from: { path: '^libs/([^/]+)/' },
      to: { path: '^libs/', pathNot: ['^libs/$1/', '^libs/[^/]+/src/index\\.ts$'] },
    },
    {
      name: 'apps-use-libs-through-their-index',
      comment: "Apps, tests, benchmarks, the demo and the manifests' spec use a library through its index (@huigong/<lib>).",
      severity: 'error',
      from: { path: '^(apps|test|bench|demo|docker)/' },
      to: { path: '^libs/', pathNot: '^libs/[^/]+/src/index\\.ts$' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^dist/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
