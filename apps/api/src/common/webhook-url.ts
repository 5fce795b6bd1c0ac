import { isIP } from 'node:net';
import { ValidationFailedException } from '@huigong/platform/http/api-exception.filter';

/** Whether an IP literal is loopback, private, link-local, unspecified or otherwise not on the internet. */
export function isNonPublicAddress(address: string): boolean {
  const version = isIP(address);
  if (version === 4) {
    const [a, b] = address.split('.').map(Number);
    return (
      a === 0 || a === 10 || a === 127 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || a >= 224
    );
  }
  if (version === 6) {
    const lower = address.toLowerCase();
    if (lower === '::' || lower === '::1') return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    if (mapped !== null) return isNonPublicAddress(mapped[1]);
    return /^(fc|fd|fe8|fe9|fea|feb|ff)/.test(lower);
  }
  return false;
}

/**
 * A webhook target must be http(s) and, unless its host is in WEBHOOK_ALLOWED_HOSTS, not a loopback,
 * private or link-local address (the notifier checks resolved addresses again before each delivery).
 */
export function assertWebhookUrl(url: string | null | undefined, allowedHosts: readonly string[], field = 'webhookUrl'): void {
  if (url === null || url === undefined) return;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ValidationFailedException([{ field, message: 'must be an absolute http or https URL' }]);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ValidationFailedException([{ field, message: 'must be an absolute http or https URL' }]);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new ValidationFailedException([{ field, message: 'must not carry credentials' }]);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (allowedHosts.includes(host)) return;
  if (host === 'localhost' || host.endsWith('.localhost') || host.endsWith('.local') || host.endsWith('.internal') || isNonPublicAddress(host)) {
    throw new ValidationFailedException([{ field, message: 'must not point to a private, loopback or link-local address' }]);
  }
}
