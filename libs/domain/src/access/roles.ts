/**
 * Who may act. Every token names a principal, one role and a region scope (an admin-unit code:
 * the principal sees and acts within that unit and its sub-units). `public` is the role of a
 * request without a token.
 */
export const ROLES = ['finance', 'approver', 'inspector', 'auditor', 'village'] as const;
export type Role = (typeof ROLES)[number];
export type AnyRole = Role | 'public';

export type Principal = { id: string; role: Role; scope: string };

/** Roles that see identity numbers and bank accounts unmasked; every other reader sees them masked. */
export const SEES_PERSONAL_DATA: ReadonlySet<AnyRole> = new Set<AnyRole>(['finance', 'approver', 'inspector', 'auditor']);
