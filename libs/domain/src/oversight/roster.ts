import { canonicalKey } from '../canonical';
import type { Decider } from '../decider';
import type { BusinessDate } from '../dates';
import { conflict, ruleBroken } from '../rejection';

/**
 * The people whose relatives must not quietly benefit: village cadres (村两委),
 * helpers (帮扶责任人), work-team members (驻村工作队员) and first secretaries (第一书记), each
 * with their declared relatives. One stream per person, `roster-<personId>`. Identity numbers
 * and accounts are personal data: the events carry vault refs and masked forms only, and the
 * detectors match on the refs.
 */
export const ROSTER_ROLES = ['village_cadre', 'helper', 'work_team_member', 'first_secretary'] as const;
export type RosterRole = (typeof ROSTER_ROLES)[number];
export const ROSTER_ROLE_LABELS: Record<RosterRole, string> = {
  village_cadre: '村干部', helper: '帮扶责任人', work_team_member: '驻村工作队员', first_secretary: '第一书记',
};

export type RosterRelative = { name: string; idRef: string; idMasked: string; relation: string };
export type RosterPersonRecorded = {
  type: 'RosterPersonRecorded';
  data: { personId: string; name: string; role: RosterRole; unitCode: string; idRef: string; idMasked: string; accountRef: string | null; accountMasked: string | null;
    from: BusinessDate; relatives: RosterRelative[] };
};
export type RosterPersonLeft = { type: 'RosterPersonLeft'; data: { personId: string; date: BusinessDate; reason: string } };
export type RosterEvent = RosterPersonRecorded | RosterPersonLeft;

export type RosterState =
  | { status: 'none' }
  | { status: 'serving' | 'left'; person: RosterPersonRecorded['data']; key: string; left?: RosterPersonLeft['data'] };

export type RosterCommand = { type: 'RecordPerson'; person: RosterPersonRecorded['data'] } | { type: 'RecordLeaving'; left: RosterPersonLeft['data'] };

function decide(c: RosterCommand, s: RosterState): RosterEvent[] {
  if (c.type === 'RecordPerson') {
    if (s.status !== 'none') {
      if (s.key === canonicalKey(c.person)) return [];
      throw conflict('id_reused_with_different_payload', `roster person ${c.person.personId} exists with different details`, 'personId');
    }
    return [{ type: 'RosterPersonRecorded', data: c.person }];
  }
  if (s.status === 'none') throw ruleBroken('roster_person_not_found', 'the person is not on the roster', 'personId');
  if (s.status === 'left') {
    if (s.left && canonicalKey(s.left) === canonicalKey(c.left)) return [];
    throw ruleBroken('roster_person_already_left', `the person left on ${s.left?.date}`, 'date');
  }
  if (c.left.date < s.person.from) throw ruleBroken('date_before_roster_start', `${c.left.date} is before ${s.person.from}, when the person started`, 'date');
  return [{ type: 'RosterPersonLeft', data: c.left }];
}

export const rosterDecider: Decider<RosterState, RosterCommand, RosterEvent> = {
  decide,
  evolve: (s, e) => e.type === 'RosterPersonRecorded'
    ? { status: 'serving', person: e.data, key: canonicalKey(e.data) }
    : s.status === 'none' ? s : { ...s, status: 'left', left: e.data },
  initialState: () => ({ status: 'none' }),
};
