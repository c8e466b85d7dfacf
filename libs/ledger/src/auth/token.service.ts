import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { assertUnitCode, ID_PATTERN, ROLES, Rejection, significantLength, type Principal, type Role } from '@yuantrace/domain';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../infrastructure/tokens';

/** home: the principal's own unit (a county or higher), for cross-inspection; absent, their scope. */
type Claims = { sub: string; role: Role; scope: string; home?: string };

/** A home unit is a county or higher: its code has at most six significant digits. */
const isHomeUnit = (code: unknown): code is string => typeof code === 'string' && /^[0-9]{12}$/.test(code) && significantLength(code) <= 6;

/** The longest a token may live: JWT_TTL_SECONDS and the cli's --ttl-hours are bounded by it. */
export const MAX_TOKEN_LIFETIME_SECONDS = 30 * 24 * 3600;

/** Signed bearer tokens (HS256 JWT) naming a principal, a role and a region scope. */
@Injectable()
export class TokenService {
  private readonly jwt: JwtService;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.jwt = new JwtService({ secret: config.jwtSecret, signOptions: { algorithm: 'HS256', issuer: 'yuantrace' } });
  }

  issue(principal: Principal, ttlSeconds = this.config.jwtTtlSeconds): string {
    if (!ID_PATTERN.test(principal.id)) throw new Error(`principal id "${principal.id}" must be 1–64 letters, digits, '-', '_' or '.'`);
    if (!ROLES.includes(principal.role)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
    assertUnitCode(principal.scope, 'scope');
    if (principal.home !== undefined && !isHomeUnit(principal.home)) throw new Error('home must be the 12-digit code of a county or a unit above it');
    if (!Number.isInteger(ttlSeconds) || ttlSeconds > MAX_TOKEN_LIFETIME_SECONDS) {
      throw new Error(`a token lives ${MAX_TOKEN_LIFETIME_SECONDS / 86400} days at the most`);
    }
    const claims: Claims = { sub: principal.id, role: principal.role, scope: principal.scope, ...(principal.home !== undefined ? { home: principal.home } : {}) };
    return this.jwt.sign(claims, { expiresIn: ttlSeconds });
  }

  /**
   * Tokens already verified, with their expiry. Verifying a signature costs more than the rest of
   * a small command (the JWT library probes the secret as a public key on every call); a client
   * reuses its token, so the check is done once and the expiry on every use.
   */
  private readonly verified = new Map<string, { principal: Principal; expiresAt: number }>();

  verify(token: string): Principal {
    const hit = this.verified.get(token);
    if (hit) {
      if (Date.now() < hit.expiresAt) return hit.principal;
      this.verified.delete(token);
    }
    const principal = this.verifySignature(token);
    if (this.verified.size >= 10_000) this.verified.delete(this.verified.keys().next().value as string);
    const exp = (this.jwt.decode(token) as { exp?: number } | null)?.exp;
    if (exp) this.verified.set(token, { principal, expiresAt: exp * 1000 });
    return principal;
  }

  private verifySignature(token: string): Principal {
    let claims: Claims;
    try {
      claims = this.jwt.verify<Claims>(token, { algorithms: ['HS256'], issuer: 'yuantrace' });
    } catch (e) {
      const expired = e instanceof Error && e.name === 'TokenExpiredError';
      throw new Rejection(expired ? 'token_expired' : 'invalid_token', expired ? 'the token has expired' : 'the token is not valid', 'unauthenticated');
    }
    // A token without an expiry would never expire, and one minted for longer than the api ever
    // issues is not one of ours: both are refused, whatever their signature.
    const { exp, iat } = claims as Claims & { exp?: unknown; iat?: unknown };
    if (typeof exp !== 'number' || typeof iat !== 'number' || exp - iat > MAX_TOKEN_LIFETIME_SECONDS) {
      throw new Rejection('invalid_token', 'the token must carry an expiry no later than its lifetime allows', 'unauthenticated');
    }
    if (typeof claims.sub !== 'string' || !ROLES.includes(claims.role) || typeof claims.scope !== 'string' || !/^[0-9]{12,15}$/.test(claims.scope)) {
      throw new Rejection('invalid_token', 'the token does not name a principal, role and scope', 'unauthenticated');
    }
    if (claims.home !== undefined && !isHomeUnit(claims.home)) throw new Rejection('invalid_token', 'the token\'s home is not a county or a unit above it', 'unauthenticated');
    return { id: claims.sub, role: claims.role, scope: claims.scope, ...(claims.home !== undefined ? { home: claims.home } : {}) };
  }
}
