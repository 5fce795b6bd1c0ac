import { type ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { Role } from '@huigong/domain';
import type { Principal } from './principal';

export const ROLES_KEY = 'huigong:roles';
export const PUBLIC_KEY = 'huigong:public';

/** The roles allowed to call a handler; any other known key gets 403. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** A route that needs no key (health, docs). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

export const PUBLIC_WHEN_KEY = 'huigong:public-when';

/**
 * A route that needs no key when the deployment says so (`AppConfig[setting]` is true): a request without
 * an Authorization header is let through with no principal. A key that is sent is checked as anywhere.
 */
export const PublicWhen = (setting: 'publicBenefitMap') => SetMetadata(PUBLIC_WHEN_KEY, setting);

/** The caller, as resolved by the guard. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
