import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiParam, ApiResponse } from '@nestjs/swagger';
import type { Role } from '@huigong/domain';
import { ApiErrorResponse } from './api-error.response';

/** The name of the security scheme in the document: `Authorization: Bearer <apiKey>`. */
export const API_KEY_SCHEME = 'apiKey';

export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 503;
export type ErrorDescriptions = Partial<Record<ErrorStatus, string>>;

/** A JSON body: validated field by field, within the size limit, as JSON. */
export const JSON_BODY: ErrorDescriptions = {
  400:
    'The body is missing or empty, is not well-formed UTF-8, is not valid JSON or not an object, nests objects and lists deeper than 32 levels, ' +
    'has unknown fields (any key named like a member of `Object.prototype`, such as `__proto__`, `constructor` or `toString`, and `prototype` included), ' +
    'or has bad fields (`null` for a field that is not nullable, text that is not well-formed Unicode or that is only white space where text is required, included): ' +
    '`details` names each one.',
  413: 'The body is larger than 1 MiB.',
  415: 'The body is not `application/json`.',
};

/** A route with a body-less POST: a body, if sent anyway, must still be JSON within 1 MiB. */
export const OPTIONAL_JSON_BODY: ErrorDescriptions = {
  400:
    'A body was sent and is not well-formed UTF-8 or not valid JSON, or nests deeper than 32 levels, holds text that is not well-formed Unicode ' +
    'or a key named like a member of `Object.prototype` (`__proto__`, `constructor`, `toString`, ...) or `prototype`: `details` names each one.',
  413: 'A body was sent and is larger than 1 MiB.',
  415: 'A body was sent and is not `application/json`.',
};

/** A path `:id`. */
export const ID_PARAM: ErrorDescriptions = { 400: 'The id in the path is not a UUID (`details`: `id`).' };

/** Every POST: the `Idempotency-Key` header. */
export const IDEMPOTENT: ErrorDescriptions = {
  400: 'The `Idempotency-Key` is not 1 to 255 visible ASCII characters.',
  409: 'This `Idempotency-Key` was already used, within 24 h, with a different request.',
};

/** A query validated against its DTO. */
export const QUERY: ErrorDescriptions = { 400: 'A query parameter is unknown or bad: `details` names it.' };

const GENERIC: Partial<Record<ErrorStatus, string>> = {
  400: 'Bad request.',
  404: 'Not found.',
  409: 'Conflict.',
  413: 'Body too large.',
  415: 'Unsupported content type.',
  422: 'Unprocessable.',
};

/**
 * Error responses, all in the one error shape. Several sets may name the same status: their descriptions are
 * joined, so an endpoint says every reason it may answer with that status.
 */
export function ApiErrors(...sets: ErrorDescriptions[]): MethodDecorator & ClassDecorator {
  const merged = new Map<ErrorStatus, string[]>();
  for (const set of sets) {
    for (const [status, description] of Object.entries(set) as [string, string | undefined][]) {
      const code = Number(status) as ErrorStatus;
      const list = merged.get(code) ?? [];
      list.push(description ?? GENERIC[code] ?? 'Error.');
      merged.set(code, list);
    }
  }
  const decorators = [...merged.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, descriptions]) =>
      ApiResponse({
        status,
        description: [...new Set(descriptions)].join(' '),
        type: ApiErrorResponse,
        ...(status === 429 || status === 503
          ? { headers: { 'Retry-After': { description: 'Seconds until requests are accepted again.', schema: { type: 'integer', minimum: 1 } } } }
          : {}),
      }),
    );
  return applyDecorators(...decorators);
}

/**
 * A controller for API keys of these roles: bearer auth, and the answers every such endpoint may give
 * whatever it does (401, 403, 429 from the rate limiter, 503 while PostgreSQL is away).
 */
export function ApiKeyAuth(...roles: Role[]): ClassDecorator & MethodDecorator {
  return applyDecorators(
    ApiBearerAuth(API_KEY_SCHEME),
    ApiErrors({
      401: 'No API key, or an unknown or revoked one: send `Authorization: Bearer <apiKey>`.',
      403: `The key is valid but this endpoint is for ${roles.join(' or ')} keys.`,
      429: 'Too many requests: slow down and retry later.',
      503: 'PostgreSQL is not reachable right now: nothing was applied; retry after `Retry-After` seconds.',
    }),
  );
}

/** A POST that honours `Idempotency-Key`: the same key and body within 24 h replays the first response. */
export function ApiIdempotencyKey(): MethodDecorator {
  return ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Makes the POST safe to retry: the same key and body within 24 h returns the first response (with `Idempotent-Replayed: true`) ' +
      'and creates nothing new; the same key with another body is 409.',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
  });
}

/** The `:id` of the path: a UUID. */
export function ApiIdParam(description: string): MethodDecorator {
  return ApiParam({ name: 'id', description, schema: { type: 'string', format: 'uuid' } });
}
