import { Map as IMap } from 'immutable';
import { canonicalKey } from '../canonical';
import type { Decider } from '../decider';
import type { BusinessDate } from '../dates';
import type { FundSource } from '../fund-batch/fund-batch';
import { fenFromJson, type Fen } from '../money';
import { conflict, invalid, ruleBroken } from '../rejection';

/** Project types (DOMAIN.md §1.6). */
export const PROJECT_TYPES = [
  'ROAD', 'WATER', 'HOUSING', 'RELOCATION', 'GRID', 'ENVIRONMENT', 'INDUSTRY', 'PHOTOVOLTAIC', 'TOURISM', 'ECOMMERCE',
  'FINANCE', 'LABOUR', 'EDUCATION', 'HEALTH', 'CULTURE', 'SOCIAL_SECURITY', 'VILLAGE_FACILITY', 'ECOLOGY', 'RELIEF', 'TRAINING_TECH',
] as const;
export type ProjectType = (typeof PROJECT_TYPES)[number];

export type ProjectDefinition = {
  projectId: string;
  name: string;
  type: ProjectType;
  unitCode: string;
  implementer: string;
  budgetFen: string;
  plannedStart: BusinessDate;
  plannedEnd: BusinessDate;
};

export type ProjectProposed = { type: 'ProjectProposed'; data: ProjectDefinition };
/** Mirrors a batch's FundsAllocated to this project: the project knows its funding lines and their origin. */
export type ProjectFundsCommitted = {
  type: 'ProjectFundsCommitted';
  data: { projectId: string; allocationId: string; batchId: string; rootBatchId: string; source: FundSource; amountFen: string; effectiveDate: BusinessDate };
};
export const MILESTONE_KINDS = ['approved', 'publicized', 'tendered', 'contracted', 'started', 'progress', 'completed', 'accepted', 'handed_over'] as const;
export type MilestoneKind = (typeof MILESTONE_KINDS)[number];

export type MilestoneData = {
  projectId: string;
  milestoneId: string;
  kind: MilestoneKind;
  date: BusinessDate;
  percentComplete: number | null;
  result: 'passed' | 'failed' | null;
  publicUntil: BusinessDate | null;
  documentNo: string | null;
  note: string | null;
};
/** One milestone of the project's life (立项, 公示, 招标, 合同, 开工, 进度, 竣工, 验收, 资产移交). */
export type ProjectMilestoneRecorded = { type: 'ProjectMilestoneRecorded'; data: MilestoneData };
/**
 * A payment request against the project, written in the same append as the batch's hold: the
 * project's budget and advance caps are then guarded by the project stream's own revision,
 * whichever of its funding batches the payment draws on.
 */
export type ProjectPaymentClaimed = {
  type: 'ProjectPaymentClaimed';
  data: { projectId: string; paymentId: string; allocationId: string; batchId: string; amountFen: string; installment: string; effectiveDate: BusinessDate };
};
/** A claim no longer counts against the budget: the payment was rejected, failed at the bank, or reversed. */
export type ProjectPaymentClaimReleased = {
  type: 'ProjectPaymentClaimReleased';
  data: { projectId: string; paymentId: string; amountFen: string; installment: string; reason: 'rejected' | 'failed' | 'reversed'; effectiveDate: BusinessDate };
};
export type ProjectEvent = ProjectProposed | ProjectFundsCommitted | ProjectMilestoneRecorded | ProjectPaymentClaimed | ProjectPaymentClaimReleased;

export type FundingLine = { allocationId: string; batchId: string; rootBatchId: string; source: FundSource; amount: Fen };
/** Where the project stands, from its milestones. */
export type Stage = 'proposed' | MilestoneKind;
export type ProjectState =
  | { status: 'none' }
  | {
      status: 'proposed';
      definition: ProjectDefinition;
      definitionKey: string;
      funding: Record<string, FundingLine>;
      milestones: MilestoneData[];
      /** The date each kind was last recorded. */
      reached: Partial<Record<MilestoneKind, BusinessDate>>;
      lastPercent: number;
      /** The result of the latest acceptance, if any. */
      acceptance: 'passed' | 'failed' | null;
      /**
       * Payments claimed against the budget and not released, by payment id. A persistent map:
       * a programme paying thousands of households must not copy all its claims on every event.
       */
      claims: IMap<string, { amount: Fen; installment: string }>;
      /** Running totals of the open claims: all of them, and the advances among them. */
      claimed: Fen;
      advances: Fen;
    };

export type ProjectCommand =
  | { type: 'ProposeProject'; definition: ProjectDefinition }
  | { type: 'RecordMilestone'; milestone: Omit<MilestoneData, 'projectId'> }
  | { type: 'CommitFunds'; allocationId: string; batchId: string; rootBatchId: string; source: FundSource; amount: Fen; effectiveDate: BusinessDate };

/** Idempotency keys compare payloads canonically: stored events come back from jsonb reordered. */
const keyOf = canonicalKey;

function decide(c: ProjectCommand, state: ProjectState): ProjectEvent[] {
  switch (c.type) {
    case 'ProposeProject': {
      const d = c.definition;
      if (d.plannedEnd < d.plannedStart) throw invalid('planned_end_before_start', 'plannedEnd is before plannedStart', 'plannedEnd');
      if (state.status !== 'none') {
        if (state.definitionKey === keyOf(d)) return [];
        throw conflict('id_reused_with_different_payload', `project ${d.projectId} exists with different details`, 'projectId');
      }
      return [{ type: 'ProjectProposed', data: d }];
    }
    case 'RecordMilestone':
      return decideMilestone(c.milestone, state);
    case 'CommitFunds': {
      if (state.status === 'none') throw ruleBroken('project_not_found', 'the project does not exist', 'target.projectId');
      const existing = state.funding[c.allocationId];
      if (existing) {
        if (existing.batchId === c.batchId && existing.amount === c.amount) return [];
        throw conflict('id_reused_with_different_payload', `allocation ${c.allocationId} already funds this project from batch ${existing.batchId}`, 'allocationId');
      }
      return [{ type: 'ProjectFundsCommitted', data: { projectId: state.definition.projectId, allocationId: c.allocationId, batchId: c.batchId,
        rootBatchId: c.rootBatchId, source: c.source, amountFen: c.amount.toString(), effectiveDate: c.effectiveDate } }];
    }
  }
}

function evolve(state: ProjectState, e: ProjectEvent): ProjectState {
  switch (e.type) {
    case 'ProjectProposed':
      return { status: 'proposed', definition: e.data, definitionKey: keyOf(e.data), funding: {}, milestones: [], reached: {}, lastPercent: 0, acceptance: null,
        claims: IMap(), claimed: 0n, advances: 0n };
    case 'ProjectPaymentClaimed': {
      if (state.status === 'none') return state;
      const amount = fenFromJson(e.data.amountFen);
      return { ...state, claims: state.claims.set(e.data.paymentId, { amount, installment: e.data.installment }), claimed: state.claimed + amount,
        advances: state.advances + (e.data.installment === 'advance' ? amount : 0n) };
    }
    case 'ProjectPaymentClaimReleased': {
      if (state.status === 'none') return state;
      const claim = state.claims.get(e.data.paymentId);
      if (!claim) return state;
      return { ...state, claims: state.claims.delete(e.data.paymentId), claimed: state.claimed - claim.amount, advances: state.advances - (claim.installment === 'advance' ? claim.amount : 0n) };
    }
    case 'ProjectMilestoneRecorded': {
      if (state.status === 'none') return state;
      const m = e.data;
      return { ...state, milestones: [...state.milestones, m], reached: { ...state.reached, [m.kind]: m.date },
        lastPercent: m.kind === 'progress' ? (m.percentComplete ?? state.lastPercent) : m.kind === 'completed' ? 100 : state.lastPercent,
        acceptance: m.kind === 'accepted' ? m.result : state.acceptance };
    }
    case 'ProjectFundsCommitted': {
      if (state.status === 'none') return state;
      const d = e.data;
      return { ...state, funding: { ...state.funding, [d.allocationId]: { allocationId: d.allocationId, batchId: d.batchId, rootBatchId: d.rootBatchId,
        source: d.source, amount: fenFromJson(d.amountFen) } } };
    }
  }
}

export type OpenProject = Extract<ProjectState, { status: 'proposed' }>;

/**
 * The project as its milestones stood on a business date: only milestones dated on or before it
 * count (a payment dated before the acceptance is not a payment after acceptance, whenever it was
 * entered).
 */
export function projectOn(project: OpenProject, date: BusinessDate): {
  reached: Partial<Record<MilestoneKind, BusinessDate>>; lastPercent: number; acceptance: 'passed' | 'failed' | null; notices: MilestoneData[];
} {
  const reached: Partial<Record<MilestoneKind, BusinessDate>> = {};
  let lastPercent = 0;
  let acceptance: 'passed' | 'failed' | null = null;
  let acceptedOn = '';
  const notices: MilestoneData[] = [];
  for (const m of project.milestones) {
    if (m.date > date) continue;
    if (!reached[m.kind] || reached[m.kind]! <= m.date) reached[m.kind] = m.date;
    if (m.kind === 'progress') lastPercent = Math.max(lastPercent, m.percentComplete ?? 0);
    if (m.kind === 'completed') lastPercent = 100;
    if (m.kind === 'accepted' && m.date >= acceptedOn) {
      acceptance = m.result;
      acceptedOn = m.date;
    }
    if (m.kind === 'publicized') notices.push(m);
  }
  return { reached, lastPercent, acceptance, notices };
}

/** Where a project stands: the furthest stage of its natural order it has reached (proposed before any milestone). */
export function stageOf(kindsReached: Iterable<string>): Stage {
  const reached = new Set(kindsReached);
  for (let i = MILESTONE_KINDS.length - 1; i >= 0; i--) if (reached.has(MILESTONE_KINDS[i])) return MILESTONE_KINDS[i];
  return 'proposed';
}

export const projectDecider: Decider<ProjectState, ProjectCommand, ProjectEvent> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};

/**
 * The natural order of a project's life. Each kind names what must have happened before it;
 * a milestone out of order is refused with a reason that says which (e.g. accepted_before_completed).
 */
const REQUIRES: Record<MilestoneKind, MilestoneKind[]> = {
  approved: [],
  publicized: ['approved'],
  tendered: ['approved'],
  contracted: ['approved'],
  started: ['approved'],
  progress: ['started'],
  completed: ['started'],
  accepted: ['completed'],
  handed_over: ['accepted'],
};
/** Once a later stage is reached, these can no longer be recorded. */
const CLOSED_BY: Partial<Record<MilestoneKind, MilestoneKind[]>> = {
  approved: ['approved'],
  publicized: ['started'],
  tendered: ['started'],
  contracted: ['started'],
  started: ['started'],
  progress: ['completed'],
  completed: ['completed'],
  handed_over: ['handed_over'],
};

function decideMilestone(m: Omit<MilestoneData, 'projectId'>, state: ProjectState): ProjectEvent[] {
  if (state.status === 'none') throw ruleBroken('project_not_found', 'the project does not exist', 'projectId');
  const existing = state.milestones.find((x) => x.milestoneId === m.milestoneId);
  const data: MilestoneData = { projectId: state.definition.projectId, ...m };
  if (existing) {
    if (keyOf(existing) === keyOf(data)) return [];
    throw conflict('id_reused_with_different_payload', `milestone ${m.milestoneId} exists with different details`, 'milestoneId');
  }
  if (m.kind === 'progress' && (m.percentComplete === null || m.percentComplete < 0 || m.percentComplete > 100)) {
    throw invalid('invalid_percent', 'percentComplete must be from 0 to 100 for a progress milestone', 'percentComplete');
  }
  if (m.kind === 'accepted' && m.result === null) throw invalid('result_required', 'an acceptance needs a result: passed or failed', 'result');
  if (m.kind !== 'accepted' && m.result !== null) throw invalid('unexpected_result', 'only an acceptance has a result', 'result');
  if (m.kind === 'approved' && !m.documentNo) throw invalid('document_required', 'approval (立项) needs its documentNo', 'documentNo');
  if (m.kind === 'publicized') {
    if (!m.publicUntil) throw invalid('public_until_required', '公示 needs publicUntil, the last day of the notice', 'publicUntil');
    if (m.publicUntil < m.date) throw invalid('public_until_before_date', 'publicUntil is before the notice was posted', 'publicUntil');
  }
  for (const needed of REQUIRES[m.kind]) {
    if (!state.reached[needed]) throw ruleBroken(`${m.kind}_before_${needed}`, `a project cannot be ${m.kind.replace('_', ' ')} before it is ${needed}`, 'kind');
    if (m.date < state.reached[needed]!) {
      throw ruleBroken('milestone_before_prerequisite', `${m.kind} on ${m.date} is dated before ${needed} on ${state.reached[needed]}`, 'date');
    }
  }
  if (m.kind !== 'approved' && state.reached.approved && m.date < state.reached.approved) {
    throw ruleBroken('milestone_before_project', `${m.date} is before the project was approved (${state.reached.approved})`, 'date');
  }
  for (const later of CLOSED_BY[m.kind] ?? []) {
    if (state.reached[later]) throw ruleBroken(`${m.kind}_after_${later}`, `a project that is already ${later.replace('_', ' ')} cannot be ${m.kind.replace('_', ' ')} again`, 'kind');
  }
  if (m.kind === 'accepted' && state.acceptance === 'passed') throw ruleBroken('accepted_after_accepted', 'the project already passed acceptance', 'kind');
  if (m.kind === 'handed_over' && state.acceptance !== 'passed') throw ruleBroken('handed_over_before_accepted', 'hand-over needs a passed acceptance', 'kind');
  // Acceptance and progress may be recorded again; each must not be dated before the last of its
  // kind, so the last one entered is also the latest by date and a reading as of any date agrees with it.
  if ((m.kind === 'accepted' || m.kind === 'progress') && state.reached[m.kind] && m.date < state.reached[m.kind]!) {
    throw ruleBroken('milestone_before_previous', `${m.kind} on ${m.date} is dated before the ${m.kind} already recorded on ${state.reached[m.kind]}`, 'date');
  }
  if (m.kind === 'progress' && m.percentComplete! < state.lastPercent) {
    throw ruleBroken('progress_goes_backwards', `progress ${m.percentComplete}% is below the ${state.lastPercent}% already reported`, 'percentComplete');
  }
  return [{ type: 'ProjectMilestoneRecorded', data }];
}
