import { type CallHandler, ConflictException, type ExecutionContext, HttpStatus, Injectable, type NestInterceptor } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { type Observable, catchError, from, mergeMap, of, throwError } from 'rxjs';
import { ValidationFailedException } from '../http/api-exception.filter';
import { currentRequestContext } from '../http/request-context';
import type { Principal } from '../auth/principal';
import { IdempotencyRaceLost, IdempotencyRecords } from './idempotency-records';

const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

/**
 * A text body as hashed: as it is, unless it holds lone surrogates (a bulk import's bytes that are not UTF-8,
 * see decodeUtf8KeepingBadBytes), which the hash would read as U+FFFD, so that two imports differing only in
 * their bad bytes would pass for the same request; then as JSON, which writes each one as its own escape.
 */
function hashableText(text: string): string {
  return text.isWellFormed() ? text : JSON.stringify(text);
}

/**
 * `Idempotency-Key` on a POST: the same key and body within 24 h returns the first response and creates
 * nothing new; the same key with another body is 409. The record is written by the unit of work, in the
 * transaction of the write itself, so a crash can never leave a write without its record or the reverse.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly store: IdempotencyRecords,
    private readonly reflector: Reflector,
  ) {}

  async intercept(context: ExecutionContext, next: CallHandler): Promise<Observable<unknown>> {
    const request = context.switchToHttp().getRequest<Request & { principal?: Principal }>();
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || key === undefined) return next.handle();
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
      throw new ValidationFailedException([{ field: 'Idempotency-Key', message: 'must be 1 to 255 visible ASCII characters' }]);
    }
    const scope = request.principal?.keyId ?? 'anonymous';
    // Clients choose keys, and a key may say who it is about ("register-wang-fang"): only its digest is kept.
    const keyDigest = createHash('sha256').update(key).digest('hex');
    const body = typeof request.body === 'string' ? hashableText(request.body) : JSON.stringify(request.body ?? null);
    const requestHash = createHash('sha256').update(`${request.method} ${request.path}\n${body}`).digest('hex');
    const response = context.switchToHttp().getResponse<Response>();

    const replay = async (): Promise<unknown> => {
      const record = await this.store.find(scope, keyDigest);
      if (record === null) return undefined;
      if (record.requestHash !== requestHash) {
        throw new ConflictException('This Idempotency-Key was already used with a different request.');
      }
      response.setHeader('Idempotent-Replayed', 'true');
      response.status(record.statusCode);
      return record.responseBody;
    };

    const earlier = await replay();
    if (earlier !== undefined) return of(earlier);

    const statusCode = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? HttpStatus.CREATED;
    const requestContext = currentRequestContext();
    if (requestContext !== undefined) requestContext.idempotency = { scope, key: keyDigest, requestHash, statusCode };
    return next
      .handle()
      .pipe(
        catchError((error: unknown) =>
          error instanceof IdempotencyRaceLost
            ? from(replay()).pipe(mergeMap((body) => (body === undefined ? throwError(() => error) : of(body))))
            : throwError(() => error),
        ),
      );
  }
}
