import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { runMigrations } from '@huigong/persistence';
import { loadConfig, runProcess } from '@huigong/platform';
import { MatcherModule } from './matcher.module';

/** The matcher: consumes the domain-events queue until SIGTERM/SIGINT, then finishes its jobs and stops. */
runProcess(
  'matcher',
  async () => {
    const config = loadConfig();
    await runMigrations(config.databaseUrl);
    const app = await NestFactory.createApplicationContext(MatcherModule.forRoot(config), { abortOnError: false });
    app.enableShutdownHooks();
    new Logger('matcher').log(`Matcher consuming queue "domain-events" (prefix ${config.queuePrefix}).`);
  },
  () => loadConfig(),
);
