import express, { type ErrorRequestHandler, type NextFunction, type Request, type Response } from 'express';
import type { IncomingMessage } from 'node:http';
import { apiErrorBody } from './api-error';
import { MESSAGES, unsafeJsonFields } from './json-guard';
import { decodeUtf8KeepingBadBytes, isWellFormedUtf8 } from './utf8';

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
    if (!['POST', 'PUT', 'PATCH'].includes(req.method) || !hasBody(req)) {
      next();
      return;
    }
    const allowed = bulkPaths.test(req.path) ? BULK_CONTENT_TYPES : ['application/json'];
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (allowed.includes(type)) {
      next();
      return;
    }
    res.status(415).json(apiErrorBody(415, `Content-Type must be ${allowed.join(' or ')}${type === '' ? '; none was given' : `, not ${type}`}.`));
  };
}

/** Raised by a parser's `verify` hook: the body's bytes are not well-formed UTF-8 (its charset says they are). */
class BodyNotUtf8 extends Error {
  readonly status = 400;
  readonly type = 'entity.not.utf8';

  constructor(readonly bytes: Buffer) {
    super('The body is not well-formed UTF-8.');
  }
}

/** The charset a parser decodes with (the body's, else UTF-8): only UTF-8 is held to UTF-8's rules. */
const isUtf8Charset = (encoding: string): boolean => ['utf-8', 'utf8'].includes(encoding.toLowerCase());

/**
 * Parsers for JSON bodies (1 MiB) and bulk imports (32 MiB of NDJSON or CSV text). A parsed JSON body meets
 * `unsafeJsonFields` at once, before anything that recurses into it (the idempotency hash, class-transformer,
 * class-validator): nesting past 32 levels, text that is not well-formed Unicode, NUL and `__proto__`-like
 * keys are a 400 naming each field. (JSON.parse itself is iterative: 100,000 levels parse in well under a
 * second, and the 1 MiB limit bounds them.) Bulk lines meet the same guard in `validateRecord`.
 *
 * The bytes are checked before they are decoded: a decoder replaces what is not UTF-8 with U+FFFD, which
 * would be stored as if it had been sent. A JSON body that is not well-formed UTF-8 is a 400 naming the
 * fields that hold the bad bytes; in a bulk import the bad bytes become lone surrogates in the text
 * (`decodeUtf8KeepingBadBytes`), so that exactly the lines (and fields) holding them are rejected and the
 * others kept. A JSON body of no bytes at all (`Content-Length: 0`, which express.json reads as `{}`) is no
 * body: a route that needs one says "(body) is required", and a PATCH is never applied as `{}`.
 */
export function bodyParsers(bulkPaths: RegExp) {
  const emptyBodies = new WeakSet<IncomingMessage>();
  const json = express.json({
    limit: JSON_BODY_LIMIT,
    strict: false,
    type: 'application/json',
    verify: (req, _res, bytes, encoding) => {
      if (bytes.length === 0) emptyBodies.add(req);
      else if (isUtf8Charset(encoding) && !isWellFormedUtf8(bytes)) throw new BodyNotUtf8(bytes);
    },
  });
  const notUtf8Bulks = new WeakMap<IncomingMessage, Buffer>();
  const bulkText = express.text({
    limit: BULK_BODY_LIMIT,
    type: BULK_CONTENT_TYPES,
    verify: (req, _res, bytes, encoding) => {
      if (isUtf8Charset(encoding) && !isWellFormedUtf8(bytes)) notUtf8Bulks.set(req, bytes);
    },
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (bulkPaths.test(req.path)) {
      bulkText(req, res, (error?: unknown) => {
        const bytes = notUtf8Bulks.get(req);
        if (bytes !== undefined && (error === undefined || error === null)) req.body = decodeUtf8KeepingBadBytes(bytes);
        next(error);
      });
      return;
    }
    json(req, res, (error?: unknown) => {
      if (error instanceof BodyNotUtf8) {
        res.status(400).json(apiErrorBody(400, error.message, notUtf8Fields(error.bytes)));
        return;
      }
      if (error !== undefined && error !== null) {
        next(error);
        return;
      }
      if (emptyBodies.has(req)) req.body = undefined;
      const unsafe = req.body === undefined ? [] : unsafeJsonFields(req.body);
      if (unsafe.length === 0) {
        next();
        return;
      }
      res.status(400).json(apiErrorBody(400, 'The request has invalid fields.', unsafe));
    });
  };
}

/**
 * The fields of a JSON body that is not well-formed UTF-8: its bad bytes become lone surrogates where they
 * stand, and the JSON guard names the strings and keys that hold them (with anything else it finds). Bytes
 * outside any string leave no JSON to read: then the body as a whole.
 */
function notUtf8Fields(bytes: Buffer): { field: string; message: string }[] {
  let value: unknown;
  try {
    value = JSON.parse(decodeUtf8KeepingBadBytes(bytes));
  } catch {
    return [{ field: '(body)', message: MESSAGES.notUtf8 }];
  }
  const fields = unsafeJsonFields(value);
  return fields.length > 0 ? fields : [{ field: '(body)', message: MESSAGES.notUtf8 }];
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
