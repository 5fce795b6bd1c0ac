import { checkWebhookUrl } from '@huigong/notifications';
import { ValidationFailedException } from '@huigong/platform';

const MESSAGES = {
  invalid_url: 'must be an absolute http or https URL',
  unsupported_scheme: 'must be an absolute http or https URL',
  credentials_in_url: 'must not carry credentials',
  non_public_address:
    'must not point to a non-public address (private, loopback, link-local, shared, documentation, multicast or other special-purpose ranges)',
  unresolvable: 'must name a host that resolves',
} as const;

/**
 * A webhook target must be http(s) and, unless its host is in WEBHOOK_ALLOWED_HOSTS, not an internal
 * name nor a non-public address: the notifier's own rule (`checkWebhookUrl`), which it applies again to
 * the addresses a name resolves to whenever it connects.
 */
export function assertWebhookUrl(url: string | null | undefined, allowedHosts: readonly string[], field = 'webhookUrl'): void {
  if (url === null || url === undefined) return;
  const check = checkWebhookUrl(url, allowedHosts);
  if (!check.ok) throw new ValidationFailedException([{ field, message: MESSAGES[check.reason] }]);
}
