import { AsyncLocalStorage } from 'node:async_hooks';

/** What follows one HTTP request through its handlers and into the events it causes. */
export interface RequestContext {
  /** The request id: sent back as `x-request-id`, stored on every outbox row the request writes. */
  correlationId: string;
  /** Set by the idempotency interceptor on a POST that carries an `Idempotency-Key`. */
  idempotency?: {
    scope: string;
    /** SHA-256 of the client's key. */
    key: string;
    requestHash: string;
    statusCode: number;
  };
}

const storage = new AsyncLocalStorage<RequestContext>();

export function runInRequestContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

export function currentRequestContext(): RequestContext | undefined {
  return storage.getStore();
}
