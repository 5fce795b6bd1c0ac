import { type ExecutionContext, SetMetadata, createParamDecorator } from '@nestjs/common';
import type { Role } from '@huigong/domain';
import type { Principal } from './principal';

export const ROLES_KEY = 'huigong:roles';
export const PUBLIC_KEY = 'huigong:public';

/** The roles allowed to call a handler; any other known key gets 403. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

/** A route that needs no key (health, docs). */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** The caller, as resolved by the guard. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal => {
  return context.switchToHttp().getRequest<{ principal: Principal }>().principal;
});
