import type { DeliveryChannel, NotificationRecipientKind, NotificationStore } from '@huigong/persistence';
import type { AppConfig } from '@huigong/platform';
import type { EntityManager } from 'typeorm';

/**
 * Where a notification goes besides the inbox: a worker's offer to the worker gateway when there is one;
 * a caseworker's or organization's notification to their webhook when it is set and on, and by mail when
 * they gave an address and the deployment has an SMTP server. One delivery per channel.
 */
export async function deliveryChannels(
  store: NotificationStore,
  manager: EntityManager,
  config: Pick<AppConfig, 'workerGatewayUrl' | 'email'>,
  recipientKind: NotificationRecipientKind,
  recipientId: string,
): Promise<DeliveryChannel[]> {
  if (recipientKind === 'candidate') return channelsOf(config, recipientKind, { webhook: false, email: false });
  return channelsOf(config, recipientKind, await store.contactsOf(manager, recipientKind, recipientId));
}

/** The same, from contacts already read (contactsOfAll). */
export function channelsOf(
  config: Pick<AppConfig, 'workerGatewayUrl' | 'email'>,
  recipientKind: NotificationRecipientKind,
  contacts: { webhook: boolean; email: boolean },
): DeliveryChannel[] {
  if (recipientKind === 'candidate') return config.workerGatewayUrl === undefined ? [] : ['worker_gateway'];
  const channels: DeliveryChannel[] = [];
  if (contacts.webhook) channels.push('webhook');
  if (contacts.email && config.email !== null) channels.push('email');
  return channels;
}
