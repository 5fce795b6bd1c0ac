import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import { apiErrorBody } from './api-error';
import { unsafeJsonFields } from './json-guard';

export const JSON_BODY_LIMIT = '1mb';
export const BULK_BODY_LIMIT = '32mb';
/** Content types a bulk import accepts. */
export const BULK_CONTENT_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'text/csv'];

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * A request with a body must say it is JSON (or, on a bulk route, NDJSON or CSV): anything else is 415.
 * A POST without a body (close, withdraw) is fine.
 */
export function requireContentType(bulkPaths: RegExp) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!['POST', 'PUT', 'PATCH'].includes(req.method) || !hasBody(req)) { next(); return; }
    const allowed = bulkPaths.test(req.path) ? BULK_CONTENT_TYPES : ['application/json'];
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (allowed.includes(type)) { next(); return; }
    res
      .status(415)
      .json(apiErrorBody(415, `Content-Type must be ${allowed.join(' or ')}${type === '' ? '; none was given' : `, not ${type}`}.`));
  };
}

/**
 * Parsers for JSON bodies (1 MiB) and bulk imports (32 MiB of NDJSON or CSV text). A parsed JSON body meets
 * `unsafeJsonFields` at once, before anything that recurses into it (the idempotency hash, class-transformer,
 * class-validator): nesting past 32 levels, text that is not well-formed Unicode, NUL and `__proto__`-like
 * keys are a 400 naming each field. (JSON.parse itself is iterative: 100,000 levels parse in well under a
 * second, and the 1 MiB limit bounds them.) Bulk lines meet the same guard in `validateRecord`.
 */
export function bodyParsers(bulkPaths: RegExp) {
  const json = express.json({ limit: JSON_BODY_LIMIT, strict: false, type: 'application/json' });
  const bulkText = express.text({ limit: BULK_BODY_LIMIT, type: BULK_CONTENT_TYPES });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (bulkPaths.test(req.path)) {
      bulkText(req, res, next);
      return;
    }
    json(req, res, (error?: unknown) => {
      if (error !== undefined && error !== null) { next(error); return; }
      const unsafe = req.body === undefined ? [] : unsafeJsonFields(req.body);
      if (unsafe.length === 0) { next(); return; }
      res.status(400).json(apiErrorBody(400, 'The request has invalid fields.', unsafe));
    });
  };
}

/** Errors raised by the parsers (too large, malformed, bad charset) in the API's error shape. */
export const bodyParserErrorHandler: ErrorRequestHandler = (error, _req, res, next) => {
  const type = (error as { type?: string }).type;
  const status = (error as { status?: number }).status ?? 500;
  if (type === 'entity.too.large') {
    res.status(413).json(apiErrorBody(413, `The body is larger than the limit of ${(error as { limit?: number }).limit ?? ''} bytes.`));
  } else if (type === 'entity.parse.failed') {
    res.status(400).json(apiErrorBody(400, 'The body is not valid JSON.'));
  } else if (type === 'encoding.unsupported' || type === 'charset.unsupported') {
    res.status(415).json(apiErrorBody(415, 'The body must be encoded in UTF-8.'));
  } else if (status >= 400 && status < 500) {
    res.status(status).json(apiErrorBody(status, 'The body could not be read.'));
  } else {
    next(error);
  }
};
