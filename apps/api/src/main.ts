import { Logger } from '@nestjs/common';
import { runMigrations } from '@huigong/persistence';
import { describeListenAddress, loadConfig, runProcess } from '@huigong/platform';
import { createApiApp } from './create-api-app';

/** The intake API: migrates, then serves HTTP and relays the outbox to BullMQ until SIGTERM/SIGINT. */
runProcess(
  'api',
  async () => {
    const config = loadConfig();
    await runMigrations(config.databaseUrl);
    const app = await createApiApp(config);
    await app.listen(config.port);
    const logger = new Logger('api');
    logger.log(`Intake API listening ${describeListenAddress(app.getHttpServer().address())}`);
    if (config.adminApiKeyGenerated) {
      logger.warn(`No ADMIN_API_KEY was set; this development run uses the admin key ${config.adminApiKey}`);
    }
  },
  () => loadConfig(),
);
