import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Rejection, type AnyRole, type Principal } from '@yuantrace/domain';
import type { Request } from 'express';
import { ACCESS_KEY } from './access.decorator';
import { TokenService } from '@yuantrace/ledger';

export type AuthenticatedRequest = Request & { principal?: Principal };

/** Global guard: authenticates the bearer token and checks the route's roles. Denies by default. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const allowed = this.reflector.getAllAndOverride<AnyRole[] | undefined>(ACCESS_KEY, [context.getHandler(), context.getClass()]);
    const route = `${req.method} ${req.route?.path ?? req.path}`;
    const header = req.headers.authorization;
    if (header !== undefined) {
      const m = /^Bearer ([A-Za-z0-9._-]+)$/.exec(header);
      if (!m) throw new Rejection('invalid_token', 'Authorization must be "Bearer <token>"', 'unauthenticated');
      req.principal = this.tokens.verify(m[1]);
    }
    if (!allowed || allowed.length === 0) {
      throw new Rejection('route_not_open', `${route} is open to no role`, 'forbidden');
    }
    if (!req.principal) {
      if (allowed.includes('public')) return true;
      throw new Rejection('unauthenticated', `${route} needs a bearer token`, 'unauthenticated');
    }
    if (!allowed.includes(req.principal.role)) {
      throw new Rejection('role_not_allowed', `role ${req.principal.role} may not ${route}`, 'forbidden');
    }
    return true;
  }
}
