import { Logger } from '@nestjs/common';
import { createOpsApp, listenOps } from '@huigong/observability';
import { runMigrations } from '@huigong/persistence';
import { loadConfig, runProcess } from '@huigong/platform';
import { NotifierModule } from './notifier.module';

/**
 * The notifier: consumes the notifications queue until SIGTERM/SIGINT, then finishes its jobs and stops.
 * It serves /health/live, /health/ready and /metrics on NOTIFIER_OPS_PORT.
 */
runProcess(
  'notifier',
  async () => {
    const config = loadConfig();
    await runMigrations(config.databaseUrl);
    const app = await createOpsApp(NotifierModule.forRoot(config));
    await listenOps(app, config.opsPorts.notifier, 'NOTIFIER_OPS_PORT', 'notifier');
    new Logger('notifier').log(`Notifier consuming queue "notifications" (prefix ${config.queuePrefix}).`);
  },
  () => loadConfig(),
);
