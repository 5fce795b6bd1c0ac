import { presentedKey } from './admin-board';
import { routeTemplate } from './metrics';
import type { Request } from 'express';

describe('the queue board key', () => {
  it('reads a bearer key, or the password of HTTP Basic (which may contain colons)', () => {
    expect(presentedKey('Bearer hg_admin_key')).toBe('hg_admin_key');
    expect(presentedKey(`Basic ${Buffer.from('admin:hg_a:b').toString('base64')}`)).toBe('hg_a:b');
    expect(presentedKey(`Basic ${Buffer.from('no-colon').toString('base64')}`)).toBeUndefined();
    expect(presentedKey('Token x')).toBeUndefined();
    expect(presentedKey(undefined)).toBeUndefined();
  });
});

describe('the route label of HTTP metrics', () => {
  it('is the route template, the board as one route, or unmatched: never an id', () => {
    expect(routeTemplate({ route: { path: '/v1/openings/:id' }, baseUrl: '', originalUrl: '/v1/openings/123' } as unknown as Request)).toBe('/v1/openings/:id');
    expect(routeTemplate({ originalUrl: '/admin/queues/api/queues?x=1' } as unknown as Request)).toBe('/admin/queues');
    expect(routeTemplate({ originalUrl: '/v1/nothing/123' } as unknown as Request)).toBe('unmatched');
  });
});
