import { canonicalKey } from '../canonical';
import type { Decider } from '../decider';
import type { BusinessDate } from '../dates';
import { conflict, invalid, ruleBroken } from '../rejection';

/** Household categories (识别属性, DOMAIN.md §1.5). */
export const HOUSEHOLD_CATEGORIES = ['general', 'dibao_poor', 'dibao_only', 'wubao', 'social_relief'] as const;
/** Causes of poverty (致贫原因, DOMAIN.md §1.5 / §5.4.2). */
export const POVERTY_CAUSES = [
  'ILLNESS', 'DISABILITY', 'EDUCATION', 'DISASTER', 'LACK_OF_LABOUR', 'LACK_OF_SKILLS', 'LACK_OF_CAPITAL', 'FOOD_SHORTAGE',
  'UNSAFE_HOUSING', 'REMOTENESS', 'MARKET_RISK', 'OTHER',
] as const;
export const RELATIONS = ['spouse', 'child', 'parent', 'grandchild', 'grandparent', 'sibling', 'child_in_law', 'other'] as const;
export const HOUSEHOLD_STATUSES = ['exited', 'relapsed', 'removed'] as const;
export type HouseholdStatus = 'registered' | (typeof HOUSEHOLD_STATUSES)[number];

/**
 * A person as the log knows them: identity numbers are personal data kept in the vault; the
 * event carries the vault reference and the masked form only.
 */
export type PersonRecord = { name: string; idRef: string; idMasked: string; birthYear: number; relation: 'head' | (typeof RELATIONS)[number] };

export type HouseholdRegistered = {
  type: 'HouseholdRegistered';
  data: { householdId: string; unitCode: string; members: PersonRecord[]; category: (typeof HOUSEHOLD_CATEGORIES)[number];
    causes: Array<(typeof POVERTY_CAUSES)[number]>; registeredOn: BusinessDate };
};
export type HouseholdStatusChanged = {
  type: 'HouseholdStatusChanged';
  data: { householdId: string; status: (typeof HOUSEHOLD_STATUSES)[number]; date: BusinessDate; reason: string; documentNo: string | null };
};
export type HouseholdEvent = HouseholdRegistered | HouseholdStatusChanged;

export type HouseholdState =
  | { status: 'none' }
  | { status: HouseholdStatus; registration: HouseholdRegistered['data']; registrationKey: string; history: HouseholdStatusChanged['data'][] };

export type HouseholdCommand =
  | { type: 'RegisterHousehold'; registration: HouseholdRegistered['data'] }
  | { type: 'ChangeStatus'; change: HouseholdStatusChanged['data'] };

/** Which status may follow which (脱贫 → 返贫 → 脱贫 …; 剔除 ends the record). */
const NEXT: Record<HouseholdStatus, HouseholdStatus[]> = {
  registered: ['exited', 'removed'],
  exited: ['relapsed', 'removed'],
  relapsed: ['exited', 'removed'],
  removed: [],
};

function decide(c: HouseholdCommand, state: HouseholdState): HouseholdEvent[] {
  if (c.type === 'RegisterHousehold') {
    const r = c.registration;
    if (r.members.filter((m) => m.relation === 'head').length !== 1) throw invalid('head_required', 'a household has exactly one head (户主)', 'head');
    if (r.causes.length === 0) throw invalid('cause_required', 'name at least one cause of poverty', 'causes');
    const refs = r.members.map((m) => m.idRef);
    if (new Set(refs).size !== refs.length) throw invalid('duplicate_member', 'the same identity number appears twice in this household', 'members');
    if (state.status !== 'none') {
      if (state.registrationKey === canonicalKey(r)) return [];
      throw conflict('id_reused_with_different_payload', `household ${r.householdId} exists with different details`, 'householdId');
    }
    return [{ type: 'HouseholdRegistered', data: r }];
  }
  if (state.status === 'none') throw ruleBroken('household_not_found', 'the household is not registered', 'householdId');
  const ch = c.change;
  const last = state.history[state.history.length - 1];
  if (last && canonicalKey(last) === canonicalKey(ch)) return [];
  if (!NEXT[state.status].includes(ch.status)) {
    throw ruleBroken(`${ch.status}_from_${state.status}`, `a household that is ${state.status} cannot become ${ch.status}`, 'status');
  }
  const since = last?.date ?? state.registration.registeredOn;
  if (ch.date < since) throw ruleBroken('status_date_before_previous', `${ch.date} is before ${since}, the household's last change`, 'date');
  return [{ type: 'HouseholdStatusChanged', data: ch }];
}

function evolve(state: HouseholdState, e: HouseholdEvent): HouseholdState {
  if (e.type === 'HouseholdRegistered') return { status: 'registered', registration: e.data, registrationKey: canonicalKey(e.data), history: [] };
  if (state.status === 'none') return state;
  return { ...state, status: e.data.status, history: [...state.history, e.data] };
}

export const householdDecider: Decider<HouseholdState, HouseholdCommand, HouseholdEvent> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};

/**
 * May the household be paid on this date? It must have been registered by then and
 * not removed on or before it; an exited household stays eligible (四个不摘).
 */
export function eligibilityOn(state: HouseholdState, date: BusinessDate): 'eligible' | 'not_registered' | 'removed' {
  if (state.status === 'none' || state.registration.registeredOn > date) return 'not_registered';
  const removal = state.history.find((h) => h.status === 'removed');
  return removal && removal.date <= date ? 'removed' : 'eligible';
}
