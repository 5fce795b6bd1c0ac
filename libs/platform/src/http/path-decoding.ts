import type { NextFunction, Request, Response } from 'express';

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
