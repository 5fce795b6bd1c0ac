import { Logger } from '@nestjs/common';
import { ConfigError } from '../config/app-config';

const HOW_TO_START = {
  postgres: "start it with `docker compose -f docker/compose.yml up -d postgres` or your system's service manager, or set DATABASE_URL",
  redis: 'start it with `docker compose -f docker/compose.yml up -d redis` or `redis-server --daemonize yes`, or set REDIS_URL',
};

/** One sentence for the errors a newcomer meets first, instead of a stack trace. */
export function describeStartupError(error: unknown, urls: { databaseUrl?: string; redisUrl?: string } = {}): string {
  if (error instanceof ConfigError) return error.message;
  // Anything may be thrown, `undefined` included: only an object has fields to read.
  const err = (typeof error === 'object' && error !== null ? error : {}) as { code?: string; message?: string; errors?: { port?: number }[]; port?: number };
  const text = err.message ?? '';
  const ports = [err.port, ...(err.errors ?? []).map((inner) => inner.port)];
  const refused = err.code === 'ECONNREFUSED' || /ECONNREFUSED/.test(text);
  const redisPort = urls.redisUrl ? Number(new URL(urls.redisUrl).port || 6379) : 6379;
  if (refused && (ports.includes(redisPort) || /redis/i.test(text))) {
    return `Cannot reach Redis at ${safeUrl(urls.redisUrl)}: ${HOW_TO_START.redis}.`;
  }
  if (refused || err.code === '3D000' || err.code === '28P01' || /connect.*5432|password authentication/i.test(text)) {
    return `Cannot reach PostgreSQL at ${safeUrl(urls.databaseUrl)} (${err.code ?? text}): ${HOW_TO_START.postgres}.`;
  }
  return `Could not start: ${text || String(error)}`;
}

function safeUrl(url: string | undefined): string {
  if (url === undefined) return 'the configured address';
  const parsed = new URL(url);
  parsed.password = parsed.password ? '***' : '';
  return parsed.toString();
}

/** Runs a process's start function; a failure is printed as one sentence and the process exits 1. */
export function runProcess(name: string, start: () => Promise<unknown>, urls: () => { databaseUrl?: string; redisUrl?: string }): void {
  start().catch((error: unknown) => {
    const logger = new Logger(name);
    logger.error(describeStartupError(error, safeUrls(urls)));
    process.exit(1);
  });
}

function safeUrls(urls: () => { databaseUrl?: string; redisUrl?: string }): { databaseUrl?: string; redisUrl?: string } {
  try {
    return urls();
  } catch {
    return {};
  }
}
