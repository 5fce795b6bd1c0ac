import { type DynamicModule, type INestApplication, Logger as NestLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import type { Server } from 'node:http';
import { ObservabilityMetrics } from './metrics';
import { describeListenAddress } from '@huigong/platform';

/**
 * A worker (matcher, notifier) as an HTTP app that serves only its ops routes (`/health/*`, `/metrics`),
 * logging JSON through nestjs-pino. Not listening yet: `listenOps` does, once the worker has started.
 */
export async function createOpsApp(module: DynamicModule, options: { logger?: false } = {}): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    abortOnError: false,
    ...(options.logger === false ? { logger: false } : { bufferLogs: true }),
  });
  if (options.logger !== false) app.useLogger(app.get(Logger));
  app.disable('x-powered-by');
  app.use(app.get(ObservabilityMetrics).httpMiddleware);
  app.enableShutdownHooks();
  return app;
}

/**
 * Listens on the worker's ops port (null: none). A port already taken does not stop the worker, whose
 * work is the queue: it says so, naming the variable, and runs without its ops routes.
 */
export async function listenOps(app: INestApplication<Server>, port: number | null, variable: string, name: string): Promise<void> {
  const logger = new NestLogger(name);
  if (port === null) {
    await app.init();
    logger.log(`${variable} is off: no health or metrics routes are served.`);
    return;
  }
  try {
    await app.listen(port);
    logger.log(`Health (/health/ready) and metrics (/metrics) listening ${describeListenAddress(app.getHttpServer().address())}.`);
  } catch (error) {
    if ((error as { code?: string }).code !== 'EADDRINUSE') throw error;
    logger.error(`${variable} ${port} is taken by another process: this ${name} runs without its health and metrics routes. Set ${variable} to a free port.`);
  }
}
