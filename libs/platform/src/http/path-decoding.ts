import type { NextFunction, Request, Response } from 'express';
import { UNDECODABLE_QUERY_VALUE } from './json-guard';

/**
 * Makes every segment of the path decodable, so that a bad path parameter reaches its route's pipe and is
 * refused by name like any other bad value (`/v1/openings/%` -> 400 `id`: "must be a UUID").
 *
 * Express decodes each route parameter with decodeURIComponent, and a segment that is not valid percent-
 * encoding (`%`, `%zz`, `%ED%A0%80`, a UTF-16 surrogate in UTF-8) makes it fail before any route runs: a 400
 * "Failed to decode param" that cannot say which parameter was bad, as the router does not. Such a segment
 * (only such a one) has each `%` escaped as `%25` before routing, so that it decodes to the very text the
 * client sent (`%ED%A0%80`), which no id, file name or other parameter of this API is. `originalUrl` keeps
 * the request line as it came.
 */
export function escapeUndecodablePathSegments(req: Request, _res: Response, next: NextFunction): void {
  const queryAt = req.url.indexOf('?');
  const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
  if (path.includes('%') && !decodes(path)) {
    const escaped = path
      .split('/')
      .map((segment) => (decodes(segment) ? segment : segment.replaceAll('%', '%25')))
      .join('/');
    req.url = queryAt === -1 ? escaped : `${escaped}${req.url.slice(queryAt)}`;
  }
  next();
}

function decodes(text: string): boolean {
  try {
    decodeURIComponent(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * Marks the query parameters whose names or values are not valid percent-encoding of UTF-8 (`?readerId=%`,
 * `%ED%A0%80`): the query parser would hand such text over undecoded, and a plain text parameter would take
 * the raw `%` as its value. Such a value is replaced by UNDECODABLE_QUERY_VALUE, which the validation of a
 * route's query refuses by name ("must be valid percent-encoding"); such a name has its `%` escaped, so it
 * is an unknown parameter. A route that reads no query ignores them, as it ignores any parameter.
 */
export function markUndecodableQuery(req: Request, _res: Response, next: NextFunction): void {
  const queryAt = req.url.indexOf('?');
  if (queryAt === -1 || !req.url.includes('%', queryAt)) {
    next();
    return;
  }
  const pairs = req.url.slice(queryAt + 1).split('&');
  const marked = pairs.map((pair) => {
    const equals = pair.indexOf('=');
    const name = equals === -1 ? pair : pair.slice(0, equals);
    const value = equals === -1 ? undefined : pair.slice(equals + 1);
    const readableName = decodesAsQuery(name) ? name : name.replaceAll('%', '%25');
    if (value === undefined) return readableName;
    return `${readableName}=${decodesAsQuery(value) ? value : encodeURIComponent(UNDECODABLE_QUERY_VALUE)}`;
  });
  req.url = `${req.url.slice(0, queryAt)}?${marked.join('&')}`;
  next();
}

/** Whether query text is valid percent-encoding of UTF-8 (`+` is a space). */
function decodesAsQuery(text: string): boolean {
  return decodes(text.replaceAll('+', ' '));
}
