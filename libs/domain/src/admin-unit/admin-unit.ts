import type { Decider } from '../decider';
import { conflict, invalid, notFound } from '../rejection';
import { assertUnitCode, levelFitsCode, levelRank, withinScope, UNIT_LEVELS, type UnitLevel } from '../access/region';

/** A unit of the region tree (行政区划), stream `adminunit-<code>`. */
export type AdminUnitRegistered = {
  type: 'AdminUnitRegistered';
  data: { code: string; name: string; level: UnitLevel; parentCode: string | null };
};
export type AdminUnitRenamed = { type: 'AdminUnitRenamed'; data: { code: string; name: string; previousName: string } };
export type AdminUnitEvent = AdminUnitRegistered | AdminUnitRenamed;

export type AdminUnitState =
  | { status: 'none' }
  | { status: 'registered'; code: string; name: string; level: UnitLevel; parentCode: string | null };

export type RegisterAdminUnit = {
  code: string;
  name: string;
  level: UnitLevel;
  parentCode: string | null;
  /** The parent's state, read by the handler: deciders see only what they are given. */
  parent: AdminUnitState | undefined;
};

export const adminUnitDecider: Decider<AdminUnitState, RegisterAdminUnit, AdminUnitEvent> = {
  initialState: () => ({ status: 'none' }),
  evolve: (state, event) => {
    switch (event.type) {
      case 'AdminUnitRegistered':
        return { status: 'registered', ...event.data };
      case 'AdminUnitRenamed':
        return state.status === 'registered' ? { ...state, name: event.data.name } : state;
    }
  },
  decide: (c, state) => {
    assertUnitCode(c.code, 'code');
    if (!UNIT_LEVELS.includes(c.level)) throw invalid('invalid_level', `level must be one of ${UNIT_LEVELS.join(', ')}`, 'level');
    if (!levelFitsCode(c.level, c.code)) {
      throw invalid('code_does_not_fit_level', `code ${c.code} does not have the shape of a ${c.level} code`, 'code');
    }
    if (state.status === 'registered') {
      if (state.level !== c.level || state.parentCode !== c.parentCode) {
        throw conflict('admin_unit_immutable', `unit ${c.code} is registered as a ${state.level} under ${state.parentCode ?? 'nothing'}; level and parent cannot change`, 'level');
      }
      return state.name === c.name ? [] : [{ type: 'AdminUnitRenamed', data: { code: c.code, name: c.name, previousName: state.name } }];
    }
    if (c.level === 'province') {
      if (c.parentCode !== null) throw invalid('province_has_no_parent', 'a province has no parentCode', 'parentCode');
    } else {
      if (c.parentCode === null) throw invalid('parent_required', `a ${c.level} needs a parentCode`, 'parentCode');
      assertUnitCode(c.parentCode, 'parentCode');
      if (!c.parent || c.parent.status !== 'registered') {
        throw notFound('parent_not_found', `parent unit ${c.parentCode} is not registered`, 'parentCode');
      }
      if (levelRank(c.parent.level) >= levelRank(c.level)) {
        throw invalid('parent_level_not_above', `a ${c.level} cannot sit under a ${c.parent.level}`, 'parentCode');
      }
      if (!withinScope(c.parentCode, c.code)) {
        throw invalid('code_outside_parent', `code ${c.code} does not begin with its parent's code ${c.parentCode}`, 'code');
      }
    }
    return [{ type: 'AdminUnitRegistered', data: { code: c.code, name: c.name, level: c.level, parentCode: c.parentCode } }];
  },
};
