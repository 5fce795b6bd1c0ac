import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { type AttemptOutcome, NON_PUBLIC_TARGET_ERROR_CODE, guardedLookup } from '@huigong/notifications';
import { APP_CONFIG, type AppConfig } from '@huigong/platform';
import { Agent, errors, request } from 'undici';

/** An attempt gets 10 s from the moment it is handed to the client to the end of the answer. */
const TIMEOUT_MS = 10_000;

export type PostOutcome = AttemptOutcome | { refused: string };

/**
 * The notifier's HTTP client: keep-alive connections, up to 32 per receiver, which connect only to
 * addresses `guardedLookup` allowed (public ones, or hosts in WEBHOOK_ALLOWED_HOSTS). Redirects are not
 * followed: a receiver's 3xx is its answer.
 */
@Injectable()
export class WebhookClient implements OnApplicationShutdown {
  private readonly agent: Agent;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.agent = new Agent({
      connections: 32,
      keepAliveTimeout: 30_000,
      connect: { lookup: guardedLookup(config.webhookAllowedHosts), timeout: TIMEOUT_MS },
    });
  }

  async post(url: string, headers: Record<string, string>, body: string): Promise<PostOutcome> {
    try {
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        dispatcher: this.agent,
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await response.body.dump();
      const retryAfter = response.headers['retry-after'];
      return { status: response.statusCode, retryAfter: Array.isArray(retryAfter) ? (retryAfter[0] ?? null) : (retryAfter ?? null) };
    } catch (error) {
      const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
      if (code === NON_PUBLIC_TARGET_ERROR_CODE) return { refused: (error as Error).message };
      const timedOut =
        (error as Error).name === 'TimeoutError' ||
        error instanceof errors.HeadersTimeoutError ||
        error instanceof errors.BodyTimeoutError ||
        error instanceof errors.ConnectTimeoutError;
      return { error: timedOut ? 'timeout' : 'network error' };
    }
  }

  async onApplicationShutdown(): Promise<void> {
    await this.agent.close();
  }
}
