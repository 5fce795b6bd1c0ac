import type { Role } from '@huigong/domain';

/** A stored API key as the guard needs it: never the key itself, only what it may do and for whom. */
export interface StoredApiKey {
  id: string;
  role: Exclude<Role, 'admin'>;
  organizationId: string | null;
  caseworkerId: string | null;
  revokedAt: Date | null;
}

/**
 * Where the guard looks keys up by their SHA-256. An abstract class so Nest can inject it; the table lives in
 * libs/persistence (ApiKeyStore), which provides it: the platform does not depend on the persistence layer.
 */
export abstract class ApiKeyDirectory {
  abstract findByHash(keyHash: string): Promise<StoredApiKey | null>;
}
