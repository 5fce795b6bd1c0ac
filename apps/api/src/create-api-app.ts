import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { HTTP_LOGGER, type LogSettings, ObservabilityMetrics } from '@huigong/observability';
import {
  type AppConfig,
  bodyParserErrorHandler,
  bodyParsers,
  escapeUndecodablePathSegments,
  markUndecodableQuery,
  requestContextMiddleware,
  requireContentType,
} from '@huigong/platform';
import { Logger } from 'nestjs-pino';
import type { RequestHandler } from 'express';
import { ApiModule } from './api.module';
import { setupApiDocs } from './docs/api-docs';

/** Routes whose body is a bulk import (NDJSON or CSV, up to 32 MiB). */
const BULK_ROUTES = /^\/v1\/candidates\/bulk\/?$/;

/**
 * The intake API, configured but not listening: `main.ts` listens, tests use it in-process. It logs JSON
 * lines through nestjs-pino (to stdout, or `logs.destination`); `logger: false` silences it.
 */
export async function createApiApp(config: AppConfig, options: { logger?: false; logs?: LogSettings } = {}): Promise<NestExpressApplication> {
  const logs: LogSettings | undefined = options.logger === false ? { level: 'silent' } : options.logs;
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(config, { logs }), {
    bodyParser: false,
    abortOnError: false,
    ...(options.logger === false ? { logger: false } : { bufferLogs: true }),
  });
  if (options.logger !== false) app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  // TRUST_PROXY: req.ip (the rate limit's address without a key, the logs) is the client's behind that many proxies.
  app.set('trust proxy', config.trustProxy);
  // Timed from the first byte; then the request id, then one log line per request that carries it.
  app.use(app.get(ObservabilityMetrics).httpMiddleware);
  app.use(requestContextMiddleware);
  app.use(app.get<RequestHandler>(HTTP_LOGGER));
  app.use(requireContentType(BULK_ROUTES));
  app.use(bodyParsers(BULK_ROUTES));
  app.use(bodyParserErrorHandler);
  // A path parameter that is not valid percent-encoding reaches its route's pipe, which names it.
  app.use(escapeUndecodablePathSegments);
  // A query parameter that is not valid percent-encoding is refused by name where the route reads it.
  app.use(markUndecodableQuery);
  app.enableShutdownHooks();
  setupApiDocs(app);
  return app;
}
