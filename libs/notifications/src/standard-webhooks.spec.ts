import { Webhook } from 'standardwebhooks';
import { newWebhookSecret, secretKey, signedHeaders, verify } from './standard-webhooks';

// The stock package checks the timestamp against the real clock, so these deliveries are stamped now.
const nowSeconds = () => Math.floor(Date.now() / 1000);
const body = JSON.stringify({ type: 'offer', data: { title: '定海社区食堂午餐', distanceKm: 1.2, code: 'K7Q2M9' } });

describe('Standard Webhooks signatures', () => {
  const secret = newWebhookSecret();

  it('hands out whsec_ secrets of 32 random bytes', () => {
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    expect(secretKey(secret)).toHaveLength(32);
    expect(newWebhookSecret()).not.toBe(secret);
  });

  it('signs a delivery that the stock standardwebhooks package accepts', () => {
    const headers = signedHeaders(secret, 'msg_2f1c9a', nowSeconds(), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(new Webhook(secret).verify(body, { ...headers })).toEqual(JSON.parse(body));
  });

  it('signs raw bytes exactly as the same text', () => {
    const at = nowSeconds();
    const bytes = signedHeaders(secret, 'msg_1', at, Buffer.from(body, 'utf8'));
    expect(bytes).toEqual(signedHeaders(secret, 'msg_1', at, body));
  });

  it('gives a delivery the stock package refuses when the body was changed on the way', () => {
    const headers = signedHeaders(secret, 'msg_2f1c9a', nowSeconds(), body);
    expect(() => new Webhook(secret).verify(body.replace('1.2', '0.2'), { ...headers })).toThrow('No matching signature found');
  });

  it("accepts the stock package's signatures", () => {
    const at = nowSeconds();
    const stock = new Webhook(secret).sign('msg_stock', new Date(at * 1000), body);
    const headers = { 'Webhook-Id': 'msg_stock', 'Webhook-Timestamp': String(at), 'Webhook-Signature': stock };
    expect(verify(secret, headers, body, at)).toEqual({ ok: true });
  });

  it('accepts one good signature among several (a secret being rotated)', () => {
    const at = nowSeconds();
    const old = new Webhook(newWebhookSecret()).sign('msg_rot', new Date(at * 1000), body);
    const current = new Webhook(secret).sign('msg_rot', new Date(at * 1000), body);
    const headers = { 'webhook-id': 'msg_rot', 'webhook-timestamp': String(at), 'webhook-signature': `v2,abc ${old} ${current}` };
    expect(verify(secret, headers, body, at)).toEqual({ ok: true });
  });

  it('refuses another secret, another id, a changed body and a missing header', () => {
    const at = 1_790_000_000;
    const headers = signedHeaders(secret, 'msg_a', at, body);
    expect(verify(newWebhookSecret(), headers, body, at)).toEqual({ ok: false, reason: 'no_matching_signature' });
    expect(verify(secret, { ...headers, 'webhook-id': 'msg_b' }, body, at)).toEqual({ ok: false, reason: 'no_matching_signature' });
    expect(verify(secret, headers, `${body} `, at)).toEqual({ ok: false, reason: 'no_matching_signature' });
    expect(verify(secret, { 'webhook-id': 'msg_a', 'webhook-timestamp': String(at) }, body, at)).toEqual({ ok: false, reason: 'missing_headers' });
  });

  it('refuses a replay older than five minutes and a timestamp from the future', () => {
    const at = 1_790_000_000;
    const headers = signedHeaders(secret, 'msg_a', at, body);
    expect(verify(secret, headers, body, at + 300)).toEqual({ ok: true });
    expect(verify(secret, headers, body, at + 301)).toEqual({ ok: false, reason: 'timestamp_too_old' });
    expect(verify(secret, headers, body, at - 301)).toEqual({ ok: false, reason: 'timestamp_too_new' });
    expect(verify(secret, headers, body, at + 3600, 7200)).toEqual({ ok: true });
    expect(verify(secret, { ...headers, 'webhook-timestamp': '17e8' }, body, at)).toEqual({ ok: false, reason: 'invalid_timestamp' });
  });

  it("keeps the same signature for the same id, time and body, and a new one on a retry's new timestamp", () => {
    const first = signedHeaders(secret, 'msg_retry', 1_790_000_000, body);
    const retry = signedHeaders(secret, 'msg_retry', 1_790_000_030, body);
    expect(signedHeaders(secret, 'msg_retry', 1_790_000_000, body)).toEqual(first);
    expect(retry['webhook-id']).toBe(first['webhook-id']);
    expect(retry['webhook-signature']).not.toBe(first['webhook-signature']);
  });

  it('refuses a malformed secret and a fractional timestamp', () => {
    expect(() => signedHeaders('whsec_', 'msg', 1, body)).toThrow(RangeError);
    expect(() => signedHeaders('whsec_not base64!', 'msg', 1, body)).toThrow(RangeError);
    expect(() => signedHeaders(secret, 'msg', 1_790_000_000.5, body)).toThrow(RangeError);
  });
});
