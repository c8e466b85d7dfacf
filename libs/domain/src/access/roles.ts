/**
 * Who may act. Every token names a principal, one role and a region scope (an admin-unit code:
 * the principal sees and acts within that unit and its sub-units). `public` is the role of a
 * request without a token.
 */
export const ROLES = ['finance', 'approver', 'inspector', 'auditor', 'village'] as const;
export type Role = (typeof ROLES)[number];
export type AnyRole = Role | 'public';

/**
 * home: the unit the principal belongs to (a county or higher), from the token; absent, their
 * scope. A cross-inspection case (异地交叉, R-30) refuses an inspector whose home overlaps its subject.
 */
export type Principal = { id: string; role: Role; scope: string; home?: string };

/** The principal's home unit: the token's, else their scope. */
export const homeOf = (p: Principal): string => p.home ?? p.scope;

/** Roles that see identity numbers and bank accounts unmasked; every other reader sees them masked. */
export const SEES_PERSONAL_DATA: ReadonlySet<AnyRole> = new Set<AnyRole>(['finance', 'approver', 'inspector', 'auditor']);
