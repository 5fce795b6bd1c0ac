import { Module } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule, type BullBoardModuleOptions } from '@bull-board/nestjs';
import { QueueName } from '@huigong/messaging';
import { apiErrorBody, APP_CONFIG, type AppConfig, hashApiKey, sameKey } from '@huigong/platform';
import type { Application, NextFunction, Request, Response } from 'express';
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
    if (key !== undefined && sameKey(key, config.adminApiKey)) {
      next();
      return;
    }
    try {
      const known =
        key !== undefined &&
        (await dataSource.query<unknown[]>(`SELECT 1 FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [hashApiKey(key)])).length > 0;
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

/** The board's express app, without the `X-Powered-By` header express adds (the API itself sends none). */
class BoardExpressAdapter extends ExpressAdapter {
  constructor() {
    super();
    // getRouter() is typed `any`; the adapter's router is the express app it made in its constructor.
    (this.getRouter() as Application).disable('x-powered-by');
  }
}

/**
 * bull-board at /admin/queues through @bull-board/nestjs, with the express adapter, on the monitor's queues
 * (every queue of queues.ts, with QUEUE_PREFIX), for the admin key only (`adminBoardGuard` runs before the
 * board's router). The intake API registers no BullMQ queues of its own, so the monitor's are offered under
 * the queue tokens that BullBoardModule.forFeature looks up by name.
 */
@Module({
  imports: [
    BullBoardModule.forRootAsync({
      useFactory: (config: AppConfig, dataSource: DataSource): BullBoardModuleOptions => ({
        route: ADMIN_BOARD_ROUTE,
        // @bull-board/express brings its own copy of @bull-board/api's types; the classes are the same.
        adapter: BoardExpressAdapter as unknown as BullBoardModuleOptions['adapter'],
        boardOptions: { uiConfig: { boardTitle: 'huigong queues' } },
        middleware: adminBoardGuard(config, dataSource),
      }),
      inject: [APP_CONFIG, DataSource],
    }),
    BullBoardModule.forFeature(...Object.values(QueueName).map((name) => ({ name, adapter: BullMQAdapter }))),
  ],
  providers: Object.values(QueueName).map((name) => ({
    provide: getQueueToken(name),
    useFactory: (monitor: QueueMonitor) => monitor.queues[name],
    inject: [QueueMonitor],
  })),
})
export class AdminBoardModule {}
