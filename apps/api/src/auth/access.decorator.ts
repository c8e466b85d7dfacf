import { SetMetadata } from '@nestjs/common';
import type { AnyRole } from '@yuantrace/domain';

export const ACCESS_KEY = 'yuantrace:access';

/**
 * The roles a route is open to. The guard is global and denies by default: a route without
 * this decorator answers 403 to everyone. `'public'` opens it to requests without a token.
 */
export const Access = (...roles: AnyRole[]) => SetMetadata(ACCESS_KEY, roles);

export const ALL_ROLES: AnyRole[] = ['finance', 'approver', 'inspector', 'auditor', 'village'];
/** Open to everyone, with or without a token (a token still decides masking). */
export const Public = () => Access('public', ...ALL_ROLES);
