import type { NextFunction, Request, Response } from 'express';
import { UNDECODABLE_QUERY_VALUE, unsafeJsonFields } from './json-guard';
import { escapeUndecodablePathSegments, markUndecodableQuery } from './path-decoding';

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

describe('query parameters that are not valid percent-encoding', () => {
  const marked = (url: string): string => {
    const req = { url } as Request;
    markUndecodableQuery(req, {} as Response, (() => undefined) as NextFunction);
    return req.url;
  };

  it('are read as a value the query validation refuses by name, and an undecodable name becomes an unknown one', () => {
    const query = new URLSearchParams(marked('/v1/audit?readerId=%&limit=5&x%ED%A0%80=1').split('?')[1]);
    expect(query.get('readerId')).toBe(UNDECODABLE_QUERY_VALUE);
    expect(query.get('limit')).toBe('5');
    expect(query.get('x%ED%A0%80')).toBe('1');
    expect(unsafeJsonFields({ readerId: query.get('readerId') }, '(query)')).toEqual([
      { field: 'readerId', message: 'must be valid percent-encoding of UTF-8 text' },
    ]);
  });

  it('leave every decodable query as it was', () => {
    for (const url of ['/v1/benefits?lat=31.2&lng=121.5', '/v1/audit?readerId=%E4%B8%AD+x', '/v1/slots', '/v1/x?a=%25&b']) expect(marked(url)).toBe(url);
  });
});
