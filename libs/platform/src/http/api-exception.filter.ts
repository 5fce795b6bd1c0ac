import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { type ApiErrorBody, type FieldError, apiErrorBody } from './api-error';
import { isDatabaseUnavailable } from './database-unavailable';

/** Raised with the bad fields of a request; answered as 400 with `details`. */
export class ValidationFailedException extends HttpException {
  constructor(readonly details: FieldError[], message = 'The request has invalid fields.') {
    super(apiErrorBody(400, message, details), 400);
  }
}

/** Turns an HttpException's response into the API's error shape. */
export function errorBodyOf(exception: HttpException): ApiErrorBody {
  const status = exception.getStatus();
  const response = exception.getResponse();
  if (typeof response === 'object' && response !== null && 'statusCode' in response && 'error' in response && 'message' in response) {
    const { statusCode, error, message, details } = response as ApiErrorBody;
    if (typeof message === 'string') return details === undefined ? { statusCode, error, message } : { statusCode, error, message, details };
  }
  const message =
    typeof response === 'string'
      ? response
      : Array.isArray((response as { message?: unknown }).message)
        ? ((response as { message: string[] }).message).join('; ')
        : String((response as { message?: unknown }).message ?? exception.message);
  return apiErrorBody(status, message);
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
      this.logger.warn(`Database unavailable: ${(exception as Error)?.message}`);
      body = apiErrorBody(503, 'The database is not reachable right now; the request was not applied. Try again in a few seconds.');
      if (!response.headersSent) response.setHeader('Retry-After', '5');
    } else {
      this.logger.error(`Unhandled error: ${(exception as Error)?.message}`, (exception as Error)?.stack);
      body = apiErrorBody(500, 'Something went wrong on our side; the request was not applied.');
    }
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }
}
