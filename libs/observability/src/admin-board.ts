import { Inject, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { hashApiKey, sameKey } from '@huigong/platform/auth/api-key';
import { APP_CONFIG, type AppConfig } from '@huigong/platform/config/app-config';
import { apiErrorBody } from '@huigong/platform/http/api-error';
import type { NextFunction, Request, Response } from 'express';
import { DataSource } from 'typeorm';
import { QueueMonitor } from './queue-monitor';

export const ADMIN_BOARD_ROUTE = '/admin/queues';

/** The key a request to the board presents: a bearer key, or (for a browser) the password of HTTP Basic. */
export function presentedKey(header: string | undefined): string | undefined {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  if (bearer !== null) return bearer[1];
  const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (basic === null) return undefined;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? undefined : decoded.slice(colon + 1);
}

/**
 * Only the admin key opens the board. No key or an unknown one: 401 (with a Basic challenge, so a browser
 * asks for it: any user name, the admin key as password); another role's key: 403. Both in the API's error shape.
 */
export function adminBoardGuard(config: AppConfig, dataSource: DataSource) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const key = presentedKey(req.headers.authorization);
    if (key !== undefined && sameKey(key, config.adminApiKey)) return next();
    try {
      const known =
        key !== undefined &&
        ((await dataSource.query(`SELECT 1 FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [hashApiKey(key)])) as unknown[]).length > 0;
      if (known) {
        res.status(403).json(apiErrorBody(403, 'The queue board is for the admin key only.'));
        return;
      }
      res.setHeader('WWW-Authenticate', 'Basic realm="huigong queues", charset="UTF-8"');
      res.status(401).json(apiErrorBody(401, 'The admin key is required: send it as "Authorization: Bearer <key>", or as the password of HTTP Basic.'));
    } catch (error) {
      next(error);
    }
  };
}

/**
 * bull-board at /admin/queues, on the monitor's queues (every queue of queues.ts, with QUEUE_PREFIX), for
 * the admin key only. Wired as @bull-board/nestjs does it (a guard and the board's router on the route),
 * without that package: it is CommonJS requiring the ES-module-only @nestjs/common, which jest's module
 * loader cannot do on Node 20.
 */
@Module({})
export class AdminBoardModule implements NestModule {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly dataSource: DataSource,
    private readonly monitor: QueueMonitor,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    const server = new ExpressAdapter();
    server.setBasePath(ADMIN_BOARD_ROUTE);
    createBullBoard({
      queues: Object.values(this.monitor.queues).map((queue) => new BullMQAdapter(queue)),
      // @bull-board/express brings its own copy of @bull-board/api's types; the classes are the same.
      serverAdapter: server as unknown as Parameters<typeof createBullBoard>[0]['serverAdapter'],
      options: { uiConfig: { boardTitle: 'huigong queues' } },
    });
    const board = server.getRouter();
    (board as { disable?: (setting: string) => void }).disable?.('x-powered-by'); // the board is an express app of its own
    consumer.apply(adminBoardGuard(this.config, this.dataSource), board).forRoutes(ADMIN_BOARD_ROUTE);
  }
}
