import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { type AppConfig, bodyParserErrorHandler, bodyParsers, requestContextMiddleware, requireContentType } from '@huigong/platform';
import { ApiModule } from './api.module';
import { setupApiDocs } from './docs/api-docs';

/** Routes whose body is a bulk import (NDJSON or CSV, up to 32 MiB). */
const BULK_ROUTES = /^\/v1\/candidates\/bulk\/?$/;

/** The intake API, configured but not listening: `main.ts` listens, tests use it in-process. */
export async function createApiApp(config: AppConfig, options: { logger?: false } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(config), {
    bodyParser: false,
    abortOnError: false,
    ...(options.logger === false ? { logger: false } : {}),
  });
  app.disable('x-powered-by');
  app.use(requestContextMiddleware);
  app.use(requireContentType(BULK_ROUTES));
  app.use(bodyParsers(BULK_ROUTES));
  app.use(bodyParserErrorHandler);
  app.enableShutdownHooks();
  setupApiDocs(app);
  return app;
}
