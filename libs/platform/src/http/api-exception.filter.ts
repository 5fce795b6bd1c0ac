import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { type ApiErrorBody, type FieldError, apiErrorBody } from './api-error';
import { isDatabaseUnavailable } from './database-unavailable';

/** Raised with the bad fields of a request; answered as 400 with `details`. */
export class ValidationFailedException extends HttpException {
  constructor(
    readonly details: FieldError[],
    message = 'The request has invalid fields.',
  ) {
    super(apiErrorBody(400, message, details), 400);
  }
}

/**
 * A 409 that a client tells apart by its `code` (`occurrence_full`: every seat of the occurrence is taken)
 * rather than by parsing the message.
 */
export class NamedConflictException extends HttpException {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(apiErrorBody(409, message, undefined, code), 409);
  }
}

/** Turns an HttpException's response into the API's error shape. */
export function errorBodyOf(exception: HttpException): ApiErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'object' && 'statusCode' in response && 'error' in response && 'message' in response) {
    const { statusCode, error, message, details, code } = response as ApiErrorBody;
    if (typeof message === 'string') {
      const body: ApiErrorBody = { statusCode, error, message };
      if (details !== undefined) body.details = details;
      if (code !== undefined) body.code = code;
      return body;
    }
  }
  // Nest's own exceptions say `message` as text, or as a list (one per problem); anything else says the exception's.
  const said = typeof response === 'string' ? response : (response as { message?: unknown }).message;
  const message = typeof said === 'string' ? said : Array.isArray(said) ? said.join('; ') : exception.message;
  return apiErrorBody(status, message);
}

/** What a log line can say of a thrown value: anything may be thrown (`throw undefined` included), not only an Error. */
function describeThrown(thrown: unknown): { message: string; stack?: string } {
  const { message, stack } = typeof thrown === 'object' && thrown !== null ? (thrown as { message?: unknown; stack?: unknown }) : {};
  return {
    message: typeof message === 'string' ? message : `(a thrown ${thrown === null ? 'null' : typeof thrown} without a message)`,
    stack: typeof stack === 'string' ? stack : undefined,
  };
}

/**
 * Every error leaves the API in one JSON shape. PostgreSQL out of reach is a 503 with Retry-After; any
 * other unexpected error is logged here with its stack and answered as a plain 500, never with the stack or
 * the driver's message.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    let body: ApiErrorBody;
    if (exception instanceof HttpException) {
      body = errorBodyOf(exception);
    } else if (isDatabaseUnavailable(exception)) {
      // PostgreSQL is away (restarting, failing over): nothing was applied, and a retry soon may succeed.
      this.logger.warn(`Database unavailable: ${describeThrown(exception).message}`);
      body = apiErrorBody(503, 'The database is not reachable right now; the request was not applied. Try again in a few seconds.');
      if (!response.headersSent) response.setHeader('Retry-After', '5');
    } else {
      const { message, stack } = describeThrown(exception);
      this.logger.error(`Unhandled error: ${message}`, stack);
      body = apiErrorBody(500, 'Something went wrong on our side; the request was not applied.');
    }
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }
}
