import { invalid, Rejection } from '../rejection';
import type { Principal } from './roles';

/**
 * Admin-unit codes (行政区划代码): 2 province + 2 city + 2 county + 3 township + 3 village
 * digits = 12; a 村民小组 adds 3 more (15). A unit's significant prefix is its code without
 * the zero groups of the levels below it.
 */
export const UNIT_LEVELS = ['province', 'city', 'county', 'township', 'village', 'group'] as const;
export type UnitLevel = (typeof UNIT_LEVELS)[number];

const PREFIX_LENGTH: Record<UnitLevel, number> = { province: 2, city: 4, county: 6, township: 9, village: 12, group: 15 };

/** The whole country: a scope that covers every unit. */
export const NATIONAL_SCOPE = '000000000000';

export function assertUnitCode(code: unknown, field = 'code'): string {
  if (typeof code !== 'string' || !/^([0-9]{12}|[0-9]{15})$/.test(code)) {
    throw invalid('invalid_unit_code', `${field} must be a 12-digit 行政区划代码 (15 digits for a 村民小组)`, field);
  }
  return code;
}

/** How many leading digits identify this unit, judged from its code alone. */
export function significantLength(code: string): number {
  if (code.length === 15) return 15;
  if (code === NATIONAL_SCOPE) return 0;
  if (/^[0-9]{2}0{10}$/.test(code)) return 2;
  if (/^[0-9]{4}0{8}$/.test(code)) return 4;
  if (/^[0-9]{6}0{6}$/.test(code)) return 6;
  if (/^[0-9]{9}0{3}$/.test(code)) return 9;
  return 12;
}

/** Whether a code has the shape of its level (a county code ends in six zeros, and so on). */
export function levelFitsCode(level: UnitLevel, code: string): boolean {
  return significantLength(code) === PREFIX_LENGTH[level];
}

/** Is `code` the unit `scope` or one of its sub-units? */
export function withinScope(scope: string, code: string): boolean {
  const n = significantLength(scope);
  return code.length >= n && code.slice(0, n) === scope.slice(0, n) && (n > 0 || scope === NATIONAL_SCOPE);
}

export const levelRank = (level: UnitLevel) => UNIT_LEVELS.indexOf(level);

/**
 * The significant prefixes of a unit and of every unit above it, top down: a village's code
 * yields its province's, city's, county's, township's and its own. A sum kept per prefix then
 * answers "this unit and its sub-units" with one key.
 */
export function enclosingPrefixes(code: string | null | undefined): string[] {
  if (!code) return [];
  const n = significantLength(code);
  return Object.values(PREFIX_LENGTH).filter((l) => l > 0 && l <= n).map((l) => code.slice(0, l));
}

/** Refuses with 403 when a unit lies outside the principal's region scope. */
export function assertInScope(principal: Principal | undefined, unitCode: string, what: string): void {
  if (principal && !withinScope(principal.scope, unitCode)) {
    // The message names what the caller asked about, never the unit it lies in.
    throw new Rejection('out_of_scope', `${what} lies outside the region ${principal.id} may act in`, 'forbidden');
  }
}
