import { randomBytes } from 'node:crypto';
import { type Region, parseRegions } from '@huigong/domain';

/** Everything the processes read from the environment, validated once at start. */
export interface AppConfig {
  environment: 'development' | 'test' | 'production';
  databaseUrl: string;
  /**
   * Statements sent again are prepared once per connection (libs/persistence's PreparingClient). Off for a
   * connection pooler that cannot keep them between transactions (PgBouncer before 1.21 in transaction mode).
   */
  databasePreparedStatements: boolean;
  redisUrl: string;
  /**
   * The nodes a Redis Cluster is first reached at (REDIS_CLUSTER_NODES); null: REDIS_URL names one Redis. With a
   * cluster, REDIS_URL gives only the credentials and TLS (`rediss:`) every node is reached with.
   */
  redisClusterNodes: RedisNode[] | null;
  port: number;
  /**
   * The regions the matchers split the area into (MATCHER_REGIONS), the one this matcher owns (MATCHER_REGION)
   * and the border of copies around each (MATCHER_REGION_BORDER_KM); null: one matcher region, the whole area.
   */
  matcherRegions: { regions: Region[]; mine: string | null; borderKm: number } | null;
  /** The bootstrap admin key; generated (and printed once) in development when unset. */
  adminApiKey: string;
  adminApiKeyGenerated: boolean;
  appTimezone: string;
  queuePrefix: string;
  workerGatewayUrl?: string;
  workerGatewaySecret?: string;
  /** Hosts allowed as webhook targets although private or loopback. */
  webhookAllowedHosts: string[];
  /** Language of texts to workers: zh-CN (default) or en. */
  noticeLocale: 'zh-CN' | 'en';
  /** Ceiling of the first retry of a delivery, in seconds (later ones grow from it). */
  deliveryRetryFirstDelaySeconds: number;
  /** Offers one worker may be sent per local day, and the local hours when none is sent (null: none). */
  offerBudget: { maxOffersPerDay: number; quietHours: { start: string; end: string } | null };
  /**
   * Caseworker digests: once a caseworker's webhook got `afterLists` candidate lists within `windowMinutes`,
   * further lists in that window go out as one digest at its end (the inbox has each list at once); null: never.
   */
  caseworkerDigest: { afterLists: number; windowMinutes: number } | null;
  /** Requests one API key (or, without a key, one address) may make per minute on the intake API; null: no limit. */
  rateLimitPerMinute: number | null;
  /** Requests a minute for a partner's key (a fair's intents come in bursts), when the rate limit is on. */
  partnerRateLimitPerMinute: number;
  /**
   * How many proxies in front of the API to believe about the client's address (express's `trust proxy`: the
   * address that many hops back in X-Forwarded-For); false: none, the connection's own address counts.
   */
  trustProxy: number | false;
  /** The lowest level written to the JSON logs. */
  logLevel: LogLevel;
  /** Ports where the matcher and the notifier serve /health and /metrics; null: not served. */
  opsPorts: { matcher: number | null; notifier: number | null };
  /**
   * Email through SMTP: the server (`smtp://` or `smtps://`, credentials in the URL) and the sender
   * (`惠工 <noreply@union.example>`); null: no email, recipients' addresses are kept but not used.
   */
  email: { smtpUrl: string; from: string } | null;
  /** The benefit map and the open-data export answer without a key (for members' phones and directories). */
  publicBenefitMap: boolean;
  /**
   * The map page's street tiles (`{z}/{x}/{y}`, `{s}` for a subdomain), their attribution, and where it
   * centres when the phone does not say where it is.
   */
  map: { tileUrl: string; attribution: string; center: { lat: number; lng: number } };
  /**
   * How long rows outlive their use before the notifier's PurgeHistory tick deletes them, in days: outbox
   * events once published (the relay never reads them again), and the marks of events handled
   * (processed_events), which must outlive every redelivery of their job: failed jobs stay in Redis 14
   * days and may be retried from the queue board until then.
   */
  retention: { publishedOutboxDays: number; processedEventsDays: number };
}

export interface RedisNode {
  host: string;
  port: number;
}

/** Failed jobs are kept this many days in Redis (DEFAULT_JOB_OPTIONS), and may be retried from the board until then. */
export const FAILED_JOBS_KEPT_DAYS = 14;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** A bad or missing environment variable: the message is one sentence naming it. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration: ${problems.join(' ')}`);
    this.name = 'ConfigError';
  }
}

export const APP_CONFIG = Symbol('APP_CONFIG');

/**
 * Every environment variable loadConfig reads, so that deployment files can be checked against it
 * (docker/k8s/manifests.spec.ts, which also fails when loadConfig reads one that is not listed here).
 */
export const CONFIG_VARIABLES = [
  'NODE_ENV',
  'DATABASE_URL',
  'DATABASE_PREPARED_STATEMENTS',
  'REDIS_URL',
  'REDIS_CLUSTER_NODES',
  'MATCHER_REGIONS',
  'MATCHER_REGION',
  'MATCHER_REGION_BORDER_KM',
  'PORT',
  'APP_TIMEZONE',
  'QUEUE_PREFIX',
  'ADMIN_API_KEY',
  'WORKER_GATEWAY_URL',
  'WORKER_GATEWAY_SECRET',
  'WEBHOOK_ALLOWED_HOSTS',
  'NOTICE_LOCALE',
  'DELIVERY_RETRY_FIRST_DELAY_SECONDS',
  'OFFER_DAILY_CAP',
  'OFFER_QUIET_HOURS',
  'DIGEST_AFTER_LISTS',
  'DIGEST_WINDOW_MINUTES',
  'RATE_LIMIT_PER_MINUTE',
  'PARTNER_RATE_LIMIT_PER_MINUTE',
  'TRUST_PROXY',
  'LOG_LEVEL',
  'MATCHER_OPS_PORT',
  'NOTIFIER_OPS_PORT',
  'SMTP_URL',
  'SMTP_FROM',
  'PUBLIC_BENEFIT_MAP',
  'MAP_TILE_URL',
  'MAP_TILE_ATTRIBUTION',
  'MAP_CENTER',
  'OUTBOX_RETENTION_DAYS',
  'PROCESSED_EVENTS_RETENTION_DAYS',
] as const;

const DEFAULTS = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/huigong',
  REDIS_URL: 'redis://127.0.0.1:6379',
  PORT: '3000',
  APP_TIMEZONE: 'Asia/Shanghai',
  QUEUE_PREFIX: 'huigong',
};

/** The widest radius an offer may have by default in one region's border (a slot's largest; openings default to 10 km). */
const DEFAULT_REGION_BORDER_KM = 50;

function parseMatcherRegions(env: NodeJS.ProcessEnv, problems: string[]): AppConfig['matcherRegions'] {
  const text = env.MATCHER_REGIONS?.trim() ?? '';
  const mine = env.MATCHER_REGION?.trim() || null;
  const borderText = env.MATCHER_REGION_BORDER_KM?.trim() || String(DEFAULT_REGION_BORDER_KM);
  const borderKm = Number(borderText);
  if (!/^\d+(\.\d+)?$/.test(borderText) || borderKm <= 0 || borderKm > 500) {
    problems.push(`MATCHER_REGION_BORDER_KM must be a distance in kilometres above 0, at most 500, got "${borderText}".`);
  }
  if (text === '') {
    if (mine !== null) problems.push(`MATCHER_REGION is "${mine}", but MATCHER_REGIONS names no regions.`);
    return null;
  }
  const regions = parseRegions(text);
  if (typeof regions === 'string') {
    problems.push(`MATCHER_REGIONS must be name:minLng,minLat,maxLng,maxLat separated by semicolons: ${regions}.`);
    return null;
  }
  if (mine !== null && !regions.some((region) => region.name === mine)) {
    problems.push(`MATCHER_REGION must be one of the regions of MATCHER_REGIONS (${regions.map((region) => region.name).join(', ')}), got "${mine}".`);
  }
  return { regions, mine, borderKm };
}

/**
 * REDIS_CLUSTER_NODES: `host:port` of one or more nodes of a Redis Cluster, separated by commas (`[::1]:7000`
 * for an IPv6 address), as ioredis's Cluster takes them; the client finds the other nodes from these.
 */
function parseRedisNodes(value: string | undefined, problems: string[]): RedisNode[] | null {
  const text = value?.trim() ?? '';
  if (text === '') return null;
  const nodes: RedisNode[] = [];
  for (const item of text.split(',').map((part) => part.trim())) {
    const match = /^(?:\[(?<v6>[0-9A-Fa-f:.]+)\]|(?<name>[A-Za-z0-9_.-]+)):(?<port>\d{1,5})$/.exec(item);
    const port = Number(match?.groups?.port);
    if (match === null || port < 1 || port > 65535) {
      problems.push(`REDIS_CLUSTER_NODES must be host:port of Redis Cluster nodes separated by commas, got "${item}".`);
      return null;
    }
    nodes.push({ host: match.groups?.v6 ?? match.groups?.name ?? '', port });
  }
  return nodes;
}

function parseUrl(name: string, value: string, protocols: string[], problems: string[]): string {
  try {
    const url = new URL(value);
    if (!protocols.includes(url.protocol)) {
      problems.push(`${name} must be a ${protocols.map((p) => p.replace(':', '://')).join(' or ')} URL, got "${url.protocol}//...".`);
    }
  } catch {
    problems.push(`${name} is not a valid URL.`);
  }
  return value;
}

/** A sender: `local@domain.tld`, optionally as `Display Name <local@domain.tld>`. */
const SENDER = /^(?:[^<>\r\n]*<[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+)$/;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads and checks the environment. Throws a ConfigError listing every bad variable, so that a
 * process can stop at once with a sentence naming them.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const problems: string[] = [];
  const read = (name: keyof typeof DEFAULTS): string => {
    const value = env[name];
    return value === undefined || value.trim() === '' ? DEFAULTS[name] : value.trim();
  };

  const nodeEnv = (env.NODE_ENV ?? 'development').trim();
  let environment: AppConfig['environment'] = 'development';
  if (nodeEnv === 'production' || nodeEnv === 'test' || nodeEnv === 'development') environment = nodeEnv;
  else problems.push(`NODE_ENV must be development, test or production, got "${nodeEnv}".`);

  const databaseUrl = parseUrl('DATABASE_URL', read('DATABASE_URL'), ['postgres:', 'postgresql:'], problems);
  const preparedText = (env.DATABASE_PREPARED_STATEMENTS?.trim() || 'on').toLowerCase();
  if (!['on', 'off', 'true', 'false'].includes(preparedText)) problems.push(`DATABASE_PREPARED_STATEMENTS must be on or off, got "${preparedText}".`);
  const databasePreparedStatements = preparedText !== 'off' && preparedText !== 'false';
  const redisUrl = parseUrl('REDIS_URL', read('REDIS_URL'), ['redis:', 'rediss:'], problems);

  const portText = read('PORT');
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) {
    problems.push(`PORT must be a whole number from 0 to 65535, got "${portText}".`);
  }

  const appTimezone = read('APP_TIMEZONE');
  if (!isTimeZone(appTimezone)) problems.push(`APP_TIMEZONE must be an IANA time zone such as Asia/Shanghai, got "${appTimezone}".`);

  const redisClusterNodes = parseRedisNodes(env.REDIS_CLUSTER_NODES, problems);
  const matcherRegions = parseMatcherRegions(env, problems);

  const queuePrefix = read('QUEUE_PREFIX');
  if (queuePrefix.length > 64 || !/^[A-Za-z0-9_.-]*(\{[A-Za-z0-9_.:-]+\})?[A-Za-z0-9_.-]*$/.test(queuePrefix)) {
    problems.push(
      `QUEUE_PREFIX must be 1 to 64 letters, digits, dots, dashes or underscores, with at most one Redis Cluster hash tag in braces, got "${queuePrefix}".`,
    );
  }

  let adminApiKey = env.ADMIN_API_KEY?.trim() ?? '';
  let adminApiKeyGenerated = false;
  if (adminApiKey === '') {
    if (environment === 'production') {
      problems.push('ADMIN_API_KEY is required when NODE_ENV is production.');
    } else {
      adminApiKey = `hg_admin_${randomBytes(24).toString('base64url')}`;
      adminApiKeyGenerated = true;
    }
  } else if (adminApiKey.length < 24) {
    problems.push('ADMIN_API_KEY must be at least 24 characters long.');
  }

  const workerGatewayUrl = env.WORKER_GATEWAY_URL?.trim() || undefined;
  const workerGatewaySecret = env.WORKER_GATEWAY_SECRET?.trim() || undefined;
  if (workerGatewayUrl !== undefined) {
    parseUrl('WORKER_GATEWAY_URL', workerGatewayUrl, ['http:', 'https:'], problems);
    if (workerGatewaySecret === undefined) problems.push('WORKER_GATEWAY_SECRET is required when WORKER_GATEWAY_URL is set.');
  }

  const webhookAllowedHosts = (env.WEBHOOK_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((host) => host.trim().toLowerCase())
    .filter((host) => host !== '');

  const localeText = env.NOTICE_LOCALE?.trim() || 'zh-CN';
  const noticeLocale: AppConfig['noticeLocale'] = localeText === 'en' ? 'en' : 'zh-CN';
  if (localeText !== noticeLocale) problems.push(`NOTICE_LOCALE must be zh-CN or en, got "${localeText}".`);
  const retryText = env.DELIVERY_RETRY_FIRST_DELAY_SECONDS?.trim() || '10';
  const deliveryRetryFirstDelaySeconds = Number(retryText);
  if (!Number.isFinite(deliveryRetryFirstDelaySeconds) || deliveryRetryFirstDelaySeconds <= 0) {
    problems.push(`DELIVERY_RETRY_FIRST_DELAY_SECONDS must be a positive number of seconds, got "${retryText}".`);
  }

  const capText = env.OFFER_DAILY_CAP?.trim() || '3';
  const maxOffersPerDay = Number(capText);
  if (!/^\d+$/.test(capText) || maxOffersPerDay < 1) problems.push(`OFFER_DAILY_CAP must be a whole number of at least 1, got "${capText}".`);
  const quietText = env.OFFER_QUIET_HOURS?.trim() || '22:00-07:00';
  const quietMatch = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$/.exec(quietText);
  if (quietText !== 'off' && quietMatch === null) problems.push(`OFFER_QUIET_HOURS must be "HH:MM-HH:MM" or "off", got "${quietText}".`);
  const quietHours = quietText === 'off' || quietMatch === null ? null : { start: quietText.slice(0, 5), end: quietText.slice(6, 11) };

  const digestText = (env.DIGEST_AFTER_LISTS?.trim() || '3').toLowerCase();
  const digestAfter = Number(digestText);
  if (digestText !== 'off' && !/^\d+$/.test(digestText))
    problems.push(`DIGEST_AFTER_LISTS must be a whole number of candidate lists (0 or "off" for no digests), got "${digestText}".`);
  const windowText = env.DIGEST_WINDOW_MINUTES?.trim() || '10';
  const digestWindow = Number(windowText);
  if (!/^\d+$/.test(windowText) || digestWindow < 1 || digestWindow > 1440)
    problems.push(`DIGEST_WINDOW_MINUTES must be a whole number of minutes from 1 to 1440, got "${windowText}".`);
  const caseworkerDigest =
    digestText === 'off' || digestAfter === 0 || !Number.isSafeInteger(digestAfter) ? null : { afterLists: digestAfter, windowMinutes: digestWindow };

  const rateText = (env.RATE_LIMIT_PER_MINUTE?.trim() || '600').toLowerCase();
  const rateLimit = Number(rateText);
  if (rateText !== 'off' && (!/^\d+$/.test(rateText) || !Number.isSafeInteger(rateLimit))) {
    problems.push(`RATE_LIMIT_PER_MINUTE must be a whole number of requests (0 or "off" for no limit), got "${rateText}".`);
  }
  const rateLimitPerMinute = rateText === 'off' || rateLimit === 0 || !Number.isSafeInteger(rateLimit) ? null : rateLimit;
  // A fair's streaming partner sends its viewers' intents, a thousand a second in a burst: a limit of its own.
  const partnerRateText = env.PARTNER_RATE_LIMIT_PER_MINUTE?.trim() || '120000';
  const partnerRateLimitPerMinute = Number(partnerRateText);
  if (!/^\d+$/.test(partnerRateText) || partnerRateLimitPerMinute < 1 || !Number.isSafeInteger(partnerRateLimitPerMinute)) {
    problems.push(`PARTNER_RATE_LIMIT_PER_MINUTE must be a whole number of requests, at least 1, got "${partnerRateText}".`);
  }

  // Trusting more hops than there are proxies would let a client write its own address into X-Forwarded-For
  // (and open itself a fresh allowance of the rate limit with each one): none unless told.
  const trustText = (env.TRUST_PROXY?.trim() || 'false').toLowerCase();
  const trustHops = Number(trustText);
  const trustNone = trustText === 'false' || trustText === 'off' || trustHops === 0;
  if (!trustNone && (!/^\d+$/.test(trustText) || !Number.isSafeInteger(trustHops))) {
    problems.push(
      `TRUST_PROXY must be how many proxies in front of the API to trust for the client's address (a whole number such as 1), or false for none, got "${trustText}".`,
    );
  }
  const trustProxy = trustNone || !/^\d+$/.test(trustText) ? false : trustHops;

  const logLevel = (env.LOG_LEVEL?.trim().toLowerCase() || 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}".`);

  const opsPort = (name: 'MATCHER_OPS_PORT' | 'NOTIFIER_OPS_PORT', fallback: string): number | null => {
    const text = (env[name]?.trim() || fallback).toLowerCase();
    const value = Number(text);
    if (text === 'off' || text === '0') return null;
    if (!/^\d+$/.test(text) || value > 65535) {
      problems.push(`${name} must be a port from 1 to 65535 (0 or "off" to serve no health and metrics), got "${text}".`);
      return null;
    }
    return value;
  };
  const opsPorts = { matcher: opsPort('MATCHER_OPS_PORT', '3001'), notifier: opsPort('NOTIFIER_OPS_PORT', '3002') };
  const taken = new Map<number, string>([[port, 'PORT']]);
  for (const [name, value] of [
    ['MATCHER_OPS_PORT', opsPorts.matcher],
    ['NOTIFIER_OPS_PORT', opsPorts.notifier],
  ] as const) {
    if (value === null || port === 0) continue;
    const other = taken.get(value);
    if (other !== undefined) problems.push(`${name} must differ from ${other}: both are ${value}.`);
    taken.set(value, name);
  }

  const smtpUrl = env.SMTP_URL?.trim() || undefined;
  const smtpFrom = env.SMTP_FROM?.trim() || undefined;
  if (smtpUrl !== undefined) {
    // Never echo the URL: it may carry the mail account's password.
    const before = problems.length;
    parseUrl('SMTP_URL', smtpUrl, ['smtp:', 'smtps:'], problems);
    if (problems.length === before && new URL(smtpUrl).hostname === '')
      problems.push('SMTP_URL must name the mail server, as in smtp://user:password@mail.example.org:587.');
    if (smtpFrom === undefined) problems.push('SMTP_FROM is required when SMTP_URL is set, e.g. "惠工 <noreply@union.example>".');
  } else if (smtpFrom !== undefined) {
    problems.push('SMTP_FROM is set but SMTP_URL is not: set both to send email, or neither.');
  }
  if (smtpFrom !== undefined && !SENDER.test(smtpFrom)) {
    problems.push(`SMTP_FROM must be an address such as "noreply@union.example" or "惠工 <noreply@union.example>", got "${smtpFrom}".`);
  }
  const email = smtpUrl !== undefined && smtpFrom !== undefined ? { smtpUrl, from: smtpFrom } : null;

  const publicText = (env.PUBLIC_BENEFIT_MAP?.trim() || 'false').toLowerCase();
  if (!['true', 'false', 'on', 'off'].includes(publicText)) problems.push(`PUBLIC_BENEFIT_MAP must be true or false, got "${publicText}".`);
  const publicBenefitMap = publicText === 'true' || publicText === 'on';

  const tileUrl = env.MAP_TILE_URL?.trim() || 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';
  if (!/^https?:\/\/[^/\s]+\/\S*$/.test(tileUrl) || !['{z}', '{x}', '{y}'].every((part) => tileUrl.includes(part))) {
    problems.push(`MAP_TILE_URL must be an http(s) URL with {z}, {x} and {y}, such as https://tile.openstreetmap.org/{z}/{x}/{y}.png, got "${tileUrl}".`);
  }
  const attribution = env.MAP_TILE_ATTRIBUTION?.trim() || '© OpenStreetMap contributors';
  const centerText = env.MAP_CENTER?.trim() || '31.2705,121.549';
  const [centerLat, centerLng] = centerText.split(',').map((part) => Number(part.trim()));
  if (!/^-?\d+(\.\d+)?\s*,\s*-?\d+(\.\d+)?$/.test(centerText) || Math.abs(centerLat) > 90 || Math.abs(centerLng) > 180) {
    problems.push(`MAP_CENTER must be "latitude,longitude", such as 31.2705,121.549, got "${centerText}".`);
  }

  const days = (name: string, fallback: number, least: number, why: string): number => {
    const text = env[name]?.trim() || String(fallback);
    const value = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < least) {
      problems.push(`${name} must be a whole number of days, at least ${least}${why}, got "${text}".`);
      return fallback;
    }
    return value;
  };
  const retention = {
    publishedOutboxDays: days('OUTBOX_RETENTION_DAYS', 7, 1, ''),
    processedEventsDays: days(
      'PROCESSED_EVENTS_RETENTION_DAYS',
      30,
      FAILED_JOBS_KEPT_DAYS + 1,
      ` (a failed job is kept ${FAILED_JOBS_KEPT_DAYS} days and may be retried until then: its mark must outlive it)`,
    ),
  };

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    retention,
    publicBenefitMap,
    map: { tileUrl, attribution, center: { lat: centerLat, lng: centerLng } },
    environment,
    databaseUrl,
    databasePreparedStatements,
    redisUrl,
    port,
    adminApiKey,
    adminApiKeyGenerated,
    appTimezone,
    queuePrefix,
    redisClusterNodes,
    matcherRegions,
    workerGatewayUrl,
    workerGatewaySecret,
    webhookAllowedHosts,
    noticeLocale,
    deliveryRetryFirstDelaySeconds,
    offerBudget: { maxOffersPerDay, quietHours },
    caseworkerDigest,
    rateLimitPerMinute,
    partnerRateLimitPerMinute,
    trustProxy,
    logLevel,
    opsPorts,
    email,
  };
}
