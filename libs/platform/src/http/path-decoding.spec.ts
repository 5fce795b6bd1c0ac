import type { NextFunction, Request, Response } from 'express';
import { escapeUndecodablePathSegments } from './path-decoding';

function routed(url: string): string {
  const req = { url } as Request;
  let called = false;
  escapeUndecodablePathSegments(
    req,
    {} as Response,
    (() => {
      called = true;
    }) as NextFunction,
  );
  expect(called).toBe(true);
  return req.url;
}

describe('path segments that are not valid percent-encoding', () => {
  it('have their % escaped, so that the router decodes them to the text that was sent', () => {
    expect(routed('/v1/openings/%')).toBe('/v1/openings/%25');
    expect(routed('/v1/candidates/%ED%A0%80')).toBe('/v1/candidates/%25ED%25A0%2580');
    expect(routed('/v1/slots/%zz/withdraw?x=%')).toBe('/v1/slots/%25zz/withdraw?x=%');
    expect(decodeURIComponent(routed('/v1/candidates/%E4%B8/explain').split('/')[3])).toBe('%E4%B8');
  });

  it('are the only ones touched: decodable segments and the query are left as they are', () => {
    for (const url of [
      '/v1/openings/d9428888-122b-11e1-b85c-61cd3cbb3210',
      '/v1/candidates/%E4%B8%AD',
      '/console/..%2F..%2Fpackage.json',
      '/v1/inbox?limit=%',
    ]) {
      expect(routed(url)).toBe(url);
    }
    expect(routed('/v1/%E4%B8%AD/%')).toBe('/v1/%E4%B8%AD/%25');
  });
});
