import { Logger } from '@nestjs/common';
import { createOpsApp, listenOps } from '@huigong/observability';
import { runMigrations } from '@huigong/persistence';
import { loadConfig, runProcess } from '@huigong/platform';
import { MatcherModule } from './matcher.module';
import { queuePrefix } from '@huigong/messaging';

/**
 * The matcher: consumes the domain-events queue until SIGTERM/SIGINT, then finishes its jobs and stops.
 * It serves /health/live, /health/ready and /metrics on MATCHER_OPS_PORT at once; ready once its index is
 * built and its worker runs.
 */
runProcess(
  'matcher',
  async () => {
    const config = loadConfig();
    await runMigrations(config.databaseUrl);
    const app = await createOpsApp(MatcherModule.forRoot(config));
    await listenOps(app, config.opsPorts.matcher, 'MATCHER_OPS_PORT', 'matcher');
    const region = config.matcherRegions?.mine ?? null;
    new Logger('matcher').log(
      `Matcher started: it consumes queue "domain-events" (prefix ${queuePrefix(config, 'domain-events', region)}) once its index is built${region === null ? '' : `, for region ${region}`}.`,
    );
  },
  () => loadConfig(),
);
