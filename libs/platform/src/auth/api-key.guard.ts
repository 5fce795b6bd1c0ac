import { type CanActivate, type ExecutionContext, ForbiddenException, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Role } from '@huigong/domain';
import { APP_CONFIG, type AppConfig } from '../config/app-config';
import { ApiKeyDirectory } from './api-key-directory';
import { hashApiKey, sameKey } from './api-key';
import type { Principal } from './principal';
import { PUBLIC_KEY, PUBLIC_WHEN_KEY, ROLES_KEY } from './roles.decorator';

/**
 * `Authorization: Bearer <apiKey>`. Missing or unknown key: 401. Known key, wrong role: 403.
 * Ownership (404 for someone else's resource) is checked by each handler.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeyDirectory,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_KEY, targets)) return true;
    const request = context.switchToHttp().getRequest<{ headers: Record<string, string | undefined>; principal?: Principal }>();
    const publicWhen = this.reflector.getAllAndOverride<'publicBenefitMap' | undefined>(PUBLIC_WHEN_KEY, targets);
    if (publicWhen !== undefined && this.config[publicWhen] && request.headers.authorization === undefined) return true;
    const principal = await this.resolve(request.headers.authorization);
    if (principal === undefined) {
      throw new UnauthorizedException('A valid API key is required: send it as "Authorization: Bearer <apiKey>".');
    }
    request.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets);
    if (roles !== undefined && !roles.includes(principal.role)) {
      throw new ForbiddenException(`This endpoint is for ${roles.join(' or ')} keys; yours is a ${principal.role} key.`);
    }
    return true;
  }

  private async resolve(header: string | undefined): Promise<Principal | undefined> {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (match === null) return undefined;
    const key = match[1];
    if (sameKey(key, this.config.adminApiKey)) return { role: 'admin', keyId: 'admin' };
    const row = await this.keys.findByHash(hashApiKey(key));
    if (row === null || row.revokedAt !== null) return undefined;
    if (row.role === 'caseworker' && row.caseworkerId !== null) return { role: 'caseworker', keyId: row.id, caseworkerId: row.caseworkerId };
    if ((row.role === 'employer' || row.role === 'merchant' || row.role === 'partner') && row.organizationId !== null) {
      return { role: row.role, keyId: row.id, organizationId: row.organizationId };
    }
    return undefined;
  }
}
