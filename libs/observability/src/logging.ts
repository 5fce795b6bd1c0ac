import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DynamicModule, Inject, Injectable, Optional } from '@nestjs/common';
import type { AppConfig, LogLevel } from '@huigong/platform';
import { currentRequestContext } from '@huigong/platform';
import { LoggerModule, PinoLogger } from 'nestjs-pino';
import pino, { type DestinationStream, type Logger as PinoInstance } from 'pino';
import { type HttpLogger, pinoHttp } from 'pino-http';

/** Which process writes a log line: every line carries it as `service`. */
export type ServiceName = 'api' | 'matcher' | 'notifier';

/** Where and how much a process logs. */
export interface LogSettings {
  /** Overrides LOG_LEVEL (tests pass `silent`). */
  level?: LogLevel;
  /** Where the JSON lines go: stdout unless given (tests capture them). */
  destination?: DestinationStream;
}

/**
 * Keys whose values never reach a log line, wherever they sit (up to three levels down): keys and secrets,
 * and the personal data of candidates and caseworkers. Logs carry ids; these are the fields that would
 * leak if someone logged a row or a request body by mistake.
 */
export const SENSITIVE_KEYS = [
  'authorization',
  'apiKey',
  'api_key',
  'adminApiKey',
  'idempotencyKey',
  'webhookSecret',
  'webhook_secret',
  'workerGatewaySecret',
  'secret',
  'password',
  'phone',
  'email',
  'smtpUrl',
  'displayName',
  'display_name',
  'needs',
  'accessibilityNeeds',
  'accessibility_needs',
  'hardship',
  'disability',
  'groups',
  'note',
  'statusReason',
] as const;

/** Headers with keys in them, as pino-http's request serializer writes them (lower case). */
const SENSITIVE_HEADERS = ['authorization', 'cookie', 'idempotency-key', 'x-api-key', 'proxy-authorization'];

/**
 * `name` is personal for caseworkers and people, but pino-http's error serializer has a `name` too
 * (`err.name`): it is redacted at the top level and where a record or a body would put it.
 */
const NAME_PATHS = ['name', 'body.name', 'candidate.name', 'caseworker.name', 'req.body.name', 'row.name'];

export function redactPaths(): string[] {
  const paths: string[] = [...NAME_PATHS];
  for (const key of SENSITIVE_KEYS) paths.push(key, `*.${key}`, `*.*.${key}`, `*.*.*.${key}`);
  for (const header of SENSITIVE_HEADERS) paths.push(`req.headers["${header}"]`, `res.headers["${header}"]`);
  return paths;
}

/** The root JSON logger of one process: ISO times, `service`, and every sensitive key redacted. */
export function createAppLogger(service: ServiceName, level: LogLevel, destination?: DestinationStream): PinoInstance {
  return pino(
    {
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(), censor: '[Redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
}

export const APP_LOGGER = Symbol('APP_LOGGER');
export const HTTP_LOGGER = Symbol('HTTP_LOGGER');

/** Routes polled every few seconds by probes and scrapers: not worth a line each. */
const QUIET_ROUTES = /^\/(health\/|metrics(\/|\?|$))/;

/**
 * One line per request (method, route, status, time, the request id) on the app's logger. The request id
 * is the correlation id the request context middleware chose (the caller's `X-Request-Id` when sane), so
 * the same id is in the response header, in every line logged while handling the request, and in the
 * events and jobs the request causes. Mount it after that middleware.
 */
export function createHttpLogger(logger: PinoInstance): HttpLogger {
  return pinoHttp({
    logger,
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const fromContext = currentRequestContext()?.correlationId;
      if (fromContext !== undefined) return fromContext;
      const header = res.getHeader('x-request-id');
      if (typeof header === 'string') return header;
      const id = randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    // Lines logged while handling the request carry the id as `correlationId`, as job lines do.
    quietReqLogger: true,
    customAttributeKeys: { reqId: 'correlationId' },
    autoLogging: { ignore: (req: IncomingMessage) => QUIET_ROUTES.test(req.url ?? '') },
    customLogLevel: (_req, res, error) => (error !== undefined || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
  });
}

/**
 * nestjs-pino as the Nest logger, on the app's own pino instance (`useExisting`: the request middleware
 * is the one above, mounted in the order the API needs). nestjs-pino keeps one root logger per process,
 * the first app's: in production each process runs one app, so this only shows in tests.
 */
export function loggerModule(service: ServiceName, config: AppConfig, settings: LogSettings): { module: DynamicModule; logger: PinoInstance } {
  const logger = createAppLogger(service, settings.level ?? config.logLevel, settings.destination);
  return { module: LoggerModule.forRoot({ pinoHttp: { logger }, useExisting: true }), logger };
}

/** What a job carries that a log line may show: ids, never the payload. */
export interface JobLogFields {
  correlationId: string;
  eventId?: string;
  eventName?: string;
}

/**
 * Runs a job's handling in a logging context: every line logged meanwhile, through Nest's Logger, carries
 * the job's correlation id (the request id of the API call that caused it), its event id and name.
 */
@Injectable()
export class JobLogContext {
  constructor(@Optional() @Inject(PinoLogger) private readonly pino?: PinoLogger) {}

  run<T>(job: JobLogFields, work: () => T): T {
    if (this.pino === undefined) return work();
    const bindings = { correlationId: job.correlationId, eventId: job.eventId, eventName: job.eventName };
    return this.pino.runInContext(work, { bindings });
  }
}
