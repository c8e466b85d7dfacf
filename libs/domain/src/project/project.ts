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
export type ProjectEvent = ProjectProposed | ProjectFundsCommitted;

export type FundingLine = { allocationId: string; batchId: string; rootBatchId: string; source: FundSource; amount: Fen };
export type ProjectState =
  | { status: 'none' }
  | { status: 'proposed'; definition: ProjectDefinition; definitionKey: string; funding: Record<string, FundingLine> };

export type ProjectCommand =
  | { type: 'ProposeProject'; definition: ProjectDefinition }
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
      return { status: 'proposed', definition: e.data, definitionKey: keyOf(e.data), funding: {} };
    case 'ProjectFundsCommitted': {
      if (state.status === 'none') return state;
      const d = e.data;
      return { ...state, funding: { ...state.funding, [d.allocationId]: { allocationId: d.allocationId, batchId: d.batchId, rootBatchId: d.rootBatchId,
        source: d.source, amount: fenFromJson(d.amountFen) } } };
    }
  }
}

export const projectDecider: Decider<ProjectState, ProjectCommand, ProjectEvent> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};
