import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { runMigrations } from '@huigong/persistence';
import { loadConfig, runProcess } from '@huigong/platform';
import { NotifierModule } from './notifier.module';

/** The notifier: consumes the notifications queue until SIGTERM/SIGINT, then finishes its jobs and stops. */
runProcess(
  'notifier',
  async () => {
    const config = loadConfig();
    await runMigrations(config.databaseUrl);
    const app = await NestFactory.createApplicationContext(NotifierModule.forRoot(config), { abortOnError: false });
    app.enableShutdownHooks();
    new Logger('notifier').log(`Notifier consuming queue "notifications" (prefix ${config.queuePrefix}).`);
  },
  () => loadConfig(),
);
