/**
 * Signing and verifying webhook deliveries by the Standard Webhooks specification, so that any receiver
 * checks our deliveries with a stock library. A recipient's secret is `whsec_` and base64 of random bytes;
 * the signed content is `${webhook-id}.${webhook-timestamp}.${body}`, signed with HMAC-SHA256 and sent as
 * `webhook-signature: v1,<base64>`. A retry sends the same `webhook-id` with a fresh timestamp.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

/** The three headers of a signed delivery (a type, not an interface, so that it passes as plain headers). */
export type StandardWebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/** Headers as a receiver sees them: any case, a value may be missing or repeated. */
export type ReceivedHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

export type VerifyResult =
  { ok: true } | { ok: false; reason: 'missing_headers' | 'invalid_timestamp' | 'timestamp_too_old' | 'timestamp_too_new' | 'no_matching_signature' };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A new secret to hand out when a webhook is set: `whsec_` and 32 random bytes in base64. */
export function newWebhookSecret(bytes = 32): string {
  return SECRET_PREFIX + randomBytes(bytes).toString('base64');
}

/** The key bytes of a secret; `whsec_` is optional, as in the stock libraries. Throws on a malformed secret. */
export function secretKey(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded === '' || !BASE64.test(encoded)) throw new RangeError('a webhook secret is whsec_ followed by base64');
  return Buffer.from(encoded, 'base64');
}

function signature(key: Buffer, id: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

/**
 * The headers of one delivery attempt. `timestampSeconds` is the time of this attempt in whole seconds
 * since the epoch; `body` must be the exact bytes sent.
 */
export function signedHeaders(secret: string, id: string, timestampSeconds: number, body: string | Uint8Array): StandardWebhookHeaders {
  if (!Number.isSafeInteger(timestampSeconds) || timestampSeconds < 0) {
    throw new RangeError(`webhook-timestamp is whole seconds since the epoch, not ${timestampSeconds}`);
  }
  if (id === '') throw new RangeError('webhook-id must not be empty');
  const timestamp = String(timestampSeconds);
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': `v1,${signature(secretKey(secret), id, timestamp, body).toString('base64')}`,
  };
}

function header(headers: ReceivedHeaders, name: string): string | undefined {
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    return typeof value === 'string' ? value : value?.[0];
  }
  return undefined;
}

/**
 * Whether a received delivery is genuine: one of the space-separated `v1,` signatures matches, and the
 * timestamp is within `toleranceSeconds` of `nowSeconds` either way (a replay of an old delivery fails).
 */
export function verify(secret: string, headers: ReceivedHeaders, body: string | Uint8Array, nowSeconds: number, toleranceSeconds = 300): VerifyResult {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) return { ok: false, reason: 'missing_headers' };
  if (!/^\d{1,15}$/.test(timestamp)) return { ok: false, reason: 'invalid_timestamp' };
  const sentAt = Number(timestamp);
  if (nowSeconds - sentAt > toleranceSeconds) return { ok: false, reason: 'timestamp_too_old' };
  if (sentAt - nowSeconds > toleranceSeconds) return { ok: false, reason: 'timestamp_too_new' };

  const expected = signature(secretKey(secret), id, timestamp, body);
  for (const versioned of signatures.split(' ')) {
    const comma = versioned.indexOf(',');
    if (comma < 0 || versioned.slice(0, comma) !== 'v1') continue;
    const encoded = versioned.slice(comma + 1);
    if (!BASE64.test(encoded)) continue;
    const given = Buffer.from(encoded, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: 'no_matching_signature' };
}
