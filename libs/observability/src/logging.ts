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

/** What a redacted value is written as. */
const CENSOR = '[Redacted]';

/**
 * How far below a line's own keys (depth 0) SENSITIVE_KEYS are looked for: three levels, as pino's
 * `*.key`, `*.*.key` and `*.*.*.key` redact paths did, an array's indexes counting as a level as `*` did.
 * A key four levels down is written as it is; looking deeper would cost a walk of whatever payload a
 * line carries, on every line.
 */
const DEEPEST_REDACTED_KEY = 3;

/** Keys censored at one place of a line, besides SENSITIVE_KEYS (censored everywhere), and the places below it by key. */
interface RedactionRule {
  readonly censored: Set<string>;
  readonly below: Map<string, RedactionRule>;
}

/** The places of a line with keys of their own to censor: `name` in records and bodies, the headers with keys in them. */
const LINE_RULE: RedactionRule = ruleOf([
  ...NAME_PATHS.map((path) => path.split('.')),
  ...SENSITIVE_HEADERS.flatMap((header) => [
    ['req', 'headers', header],
    ['res', 'headers', header],
  ]),
]);

const SENSITIVE = new Set<string>(SENSITIVE_KEYS);

function ruleOf(paths: string[][]): RedactionRule {
  const root: RedactionRule = { censored: new Set(), below: new Map() };
  for (const path of paths) {
    let rule = root;
    for (const key of path.slice(0, -1)) {
      let next = rule.below.get(key);
      if (next === undefined) rule.below.set(key, (next = { censored: new Set(), below: new Map() }));
      rule = next;
    }
    rule.censored.add(path[path.length - 1]);
  }
  return root;
}

/**
 * `value` with every sensitive key from `depth` (the depth of its own keys) down to DEEPEST_REDACTED_KEY
 * censored: `value` itself when there is none, else a copy of only the objects on the way to one, so
 * the caller's objects are never changed and a line without personal data copies nothing. Depth
 * bounds the walk, so a circular reference is walked a few times at most (the writer deals with it).
 * Bytes (Buffer, typed arrays) have no keys and are left to their toJSON.
 */
function redacted(value: object, depth: number, rule: RedactionRule | undefined): object {
  if (Array.isArray(value)) {
    const items = value as unknown[];
    return depth < DEEPEST_REDACTED_KEY ? redactedItems(items, depth) : items;
  }
  if (ArrayBuffer.isView(value)) return value;
  const fields = value as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    let replacement: unknown = CENSOR;
    if (!SENSITIVE.has(key) && rule?.censored.has(key) !== true) {
      const field = fields[key];
      if (depth >= DEEPEST_REDACTED_KEY || typeof field !== 'object' || field === null) continue;
      replacement = redacted(field, depth + 1, rule?.below.get(key));
      if (replacement === field) continue;
    }
    copy ??= copyOf(fields);
    setOwn(copy, key, replacement);
  }
  return copy ?? value;
}

/** An array's items redacted (an index is a level, as `*` matched indexes): the same array when none changed. */
function redactedItems(items: unknown[], depth: number): unknown[] {
  let copy: unknown[] | undefined;
  for (let index = 0; index < items.length; index++) {
    const item = items[index];
    if (typeof item !== 'object' || item === null) continue;
    const replacement = redacted(item, depth + 1, undefined);
    if (replacement !== item) (copy ??= items.slice())[index] = replacement;
  }
  return copy ?? items;
}

/**
 * A shallow copy of an object's own enumerable fields, the fields JSON writes. A class instance keeps its
 * prototype, so a toJSON it has still applies; an Error's non-enumerable message and stack are not copied,
 * as JSON does not write them either (the `err` key is serialized before it gets here).
 */
function copyOf(fields: Record<string, unknown>): Record<string, unknown> {
  const prototype: unknown = Object.getPrototypeOf(fields);
  if (prototype === Object.prototype || prototype === null) return { ...fields };
  const copy = Object.create(prototype as object) as Record<string, unknown>;
  for (const key of Object.keys(fields)) setOwn(copy, key, fields[key]);
  return copy;
}

/** Sets a field on a copy; `__proto__` (a key JSON.parse can make) as a field, not as the prototype. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
  else target[key] = value;
}

/** A string as JSON: quoted as it is when nothing in it needs escaping (ids, most messages), else by JSON.stringify. */
function quoted(text: string): string {
  if (text.length > 100) return JSON.stringify(text);
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    // Control characters, `"`, `\` and (possibly lone) surrogates are escaped by JSON.stringify.
    if (code < 32 || code === 34 || code === 92 || (code >= 0xd800 && code <= 0xdfff)) return JSON.stringify(text);
  }
  return `"${text}"`;
}

/** pino's own stringify (JSON, else its depth-limited writer that survives cycles), of the value redacted. */
function redactedJson(value: unknown, depth: number, rule: RedactionRule | undefined, stringifySafe: (value: unknown) => string): string | undefined {
  // Most values are ids, counts and messages: written without JSON.stringify when possible, as pino does.
  if (typeof value === 'string') return quoted(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  const safe = typeof value === 'object' && value !== null ? redacted(value, depth, rule) : value;
  try {
    return JSON.stringify(safe);
  } catch {
    try {
      return stringifySafe(safe);
    } catch {
      return '"[unable to serialize, circular reference is too complex to analyze]"';
    }
  }
}

type JsonWriter = (value: unknown) => string | undefined;

/**
 * Redaction, put where pino's own `redact` option puts it. pino writes each top-level value of a line
 * and of a child's bindings with the writer it keeps for that key (`stringifiers`; a wildcard one for
 * any other key) after the serializers ran, so what is redacted is what is written: the request and
 * response as pino-http's serializers shape them, errors as the error serializer does. Objects put into
 * a message (`%j`, `%o`) go through `formatOpts.stringify`. The public hooks come too early or not at
 * all: `formatters.log` runs before the serializers (it sees the raw IncomingMessage and Error), and
 * `formatters.bindings` only for the root's `base`, never for a child's bindings.
 * The `redact` option fills these slots with @pinojs/redact, which for every value parses its 100 paths
 * again and clones the objects three levels down; here one walk over the same levels copies only what it
 * censors. The slots are pino's (`pino.symbols`, exported for integrations): this throws when the logger
 * is made if they are gone, and the logging specs fail if pino stops writing through them.
 */
function redactLines(logger: PinoInstance): void {
  const { stringifiersSym, stringifySafeSym, formatOptsSym, wildcardFirstSym } = pino.symbols;
  const slots = logger as unknown as Record<symbol, unknown>;
  const pinoStringifySafe = slots[stringifySafeSym];
  if (typeof pinoStringifySafe !== 'function' || typeof slots[stringifiersSym] !== 'object' || typeof slots[formatOptsSym] !== 'object') {
    throw new Error('pino no longer keeps its value writers where redactLines() puts redaction: check pino.symbols');
  }
  const stringifySafe = pinoStringifySafe as (value: unknown) => string;
  const censored = JSON.stringify(CENSOR);
  const writers = Object.create(null) as Record<string | symbol, JsonWriter>;
  for (const key of [...SENSITIVE, ...LINE_RULE.censored]) writers[key] = () => censored;
  for (const [key, rule] of LINE_RULE.below) writers[key] = (value) => redactedJson(value, 1, rule, stringifySafe);
  writers[wildcardFirstSym] = (value) => redactedJson(value, 1, undefined, stringifySafe);
  slots[stringifiersSym] = writers;
  slots[formatOptsSym] = { stringify: (value: unknown) => redactedJson(value, 0, LINE_RULE, stringifySafe) };
}

/** The root JSON logger of one process: ISO times, `service`, and every sensitive key redacted. */
export function createAppLogger(service: ServiceName, level: LogLevel, destination?: DestinationStream): PinoInstance {
  const logger = pino(
    {
      level,
      base: { service, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination ?? pino.destination({ dest: 1, sync: true }),
  );
  redactLines(logger);
  return logger;
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
