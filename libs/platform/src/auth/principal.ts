import type { OrganizationKind } from '@huigong/domain';

export interface AdminPrincipal {
  role: 'admin';
  keyId: 'admin';
}

export interface OrganizationPrincipal<K extends OrganizationKind = OrganizationKind> {
  role: K;
  keyId: string;
  organizationId: string;
}

export interface CaseworkerPrincipal {
  role: 'caseworker';
  keyId: string;
  caseworkerId: string;
}

/** Who is calling: resolved from the bearer key by the API key guard. */
export type Principal = AdminPrincipal | OrganizationPrincipal | CaseworkerPrincipal;

/** The principal of a handler restricted to one role. */
export type PrincipalOf<R extends Principal['role']> = R extends 'admin'
  ? AdminPrincipal
  : R extends 'caseworker'
    ? CaseworkerPrincipal
    : R extends OrganizationKind
      ? OrganizationPrincipal<R>
      : never;
