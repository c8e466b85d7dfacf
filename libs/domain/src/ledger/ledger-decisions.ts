import type { BusinessDate } from '../dates';
import {
  fundBatchDecider,
  type BatchHeader,
  type FundBatchEvent,
  type FundBatchState,
  type OpenBatch,
  type PaymentRequestPayload,
} from '../fund-batch/fund-batch';
import { eligibilityOn, type HouseholdState } from '../household/household';
import { fenFromJson, fenToJson, type Fen } from '../money';
import { paymentDecider, type Channel, type PaymentEvent, type PaymentState } from '../payment/payment';
import { checkPaymentAgainstProject, type PaymentRuleSet } from '../project/payment-rules';
import { projectDecider, type ProjectEvent, type ProjectState } from '../project/project';
import { withinScope } from '../access/region';
import { conflict, ruleBroken } from '../rejection';

/**
 * Decisions over several streams (DESIGN.md §3): each takes the states of every stream its
 * rules read and returns the events for each stream it changes, to be appended atomically with
 * every stream's expected revision. They compose the single-stream deciders, so each stream's own
 * rules (balances, idempotency, life cycle) still apply, and add the rules that span streams.
 * Pure: no I/O, no clock; dates and ids come in the command.
 */

// ---- allocations: parent batch + child batch, or batch + project ----

export type AllocateCommand = {
  allocationId: string;
  target: { type: 'batch'; batchId: string; recipientUnitCode: string } | { type: 'project'; projectId: string };
  amount: Fen;
  effectiveDate: BusinessDate;
  documentNo: string;
};

export function decideAllocationToBatch(
  c: AllocateCommand & { target: { type: 'batch' } },
  s: { parent: FundBatchState; child: FundBatchState },
): { parent?: FundBatchEvent[]; child?: FundBatchEvent[] } {
  const parent = requireBatch(s.parent);
  const t = c.target;
  if (t.recipientUnitCode === parent.header.recipientUnitCode || !withinScope(parent.header.recipientUnitCode, t.recipientUnitCode)) {
    throw ruleBroken('recipient_not_below', `a sub-allocation goes to a unit below ${parent.header.recipientUnitCode}; ${t.recipientUnitCode} is not`, 'target.recipientUnitCode');
  }
  if (s.child.status !== 'none' && !(s.child.header.parentBatchId === parent.header.batchId && s.child.header.allocationId === c.allocationId)) {
    throw ruleBroken('batch_id_taken', `fund batch ${t.batchId} already exists; choose a new id for the child batch`, 'target.batchId');
  }
  const parentEvents = fundBatchDecider.decide({ type: 'Allocate', ...c }, s.parent);
  if (parentEvents.length === 0) return {}; // the same allocation again
  const p = parent.header;
  const header: BatchHeader = {
    batchId: t.batchId, parentBatchId: p.batchId, allocationId: c.allocationId, rootBatchId: p.rootBatchId, rootDocumentNo: p.rootDocumentNo,
    documentNo: c.documentNo, title: p.title, source: p.source, issuerLevel: p.issuerLevel, recipientUnitCode: t.recipientUnitCode,
    fiscalYear: p.fiscalYear, purpose: p.purpose, countsTowardHouseholdShare: p.countsTowardHouseholdShare, amountFen: fenToJson(c.amount),
    effectiveDate: c.effectiveDate,
  };
  return { parent: parentEvents, child: fundBatchDecider.decide({ type: 'IssueBatch', header }, s.child) };
}

export function decideAllocationToProject(
  c: AllocateCommand & { target: { type: 'project' } },
  s: { batch: FundBatchState; project: ProjectState },
): { batch?: FundBatchEvent[]; project?: ProjectEvent[] } {
  const batch = requireBatch(s.batch);
  const projectId = c.target.projectId;
  if (s.project.status === 'none') throw ruleBroken('project_not_found', `project ${projectId} does not exist`, 'target.projectId');
  const unit = s.project.definition.unitCode;
  if (!withinScope(batch.header.recipientUnitCode, unit)) {
    throw ruleBroken('project_outside_batch_unit', `project ${projectId} is in ${unit}, outside ${batch.header.recipientUnitCode} that received batch ${batch.header.batchId}`, 'target.projectId');
  }
  const used = s.project.funding[c.allocationId];
  if (used && used.batchId !== batch.header.batchId) {
    throw ruleBroken('allocation_id_taken', `allocation ${c.allocationId} already funds this project from batch ${used.batchId}`, 'allocationId');
  }
  const batchEvents = fundBatchDecider.decide({ type: 'Allocate', ...c }, s.batch);
  if (batchEvents.length === 0) return {};
  const h = batch.header;
  return {
    batch: batchEvents,
    project: projectDecider.decide({ type: 'CommitFunds', allocationId: c.allocationId, batchId: h.batchId, rootBatchId: h.rootBatchId, source: h.source,
      amount: c.amount, effectiveDate: c.effectiveDate }, s.project),
  };
}

// ---- returns: a child batch's unspent money up to its parent ----

export type ReturnCommand = { returnId: string; amount: Fen; reason: string; effectiveDate: BusinessDate; allocationId?: string };

export function decideReturn(c: ReturnCommand, s: { batch: FundBatchState; parent?: FundBatchState }): { batch?: FundBatchEvent[]; parent?: FundBatchEvent[] } {
  const events = fundBatchDecider.decide({ type: 'ReturnUnspent', ...c }, s.batch);
  const up = events.find((e) => e.type === 'FundsReturned');
  if (!up || up.type !== 'FundsReturned' || !up.data.toBatchId || !up.data.allocationId || !s.parent) return { batch: events };
  return {
    batch: events,
    parent: fundBatchDecider.decide({ type: 'CreditReturn', returnId: c.returnId, fromBatchId: up.data.batchId, allocationId: up.data.allocationId,
      amount: c.amount, effectiveDate: c.effectiveDate }, s.parent),
  };
}

// ---- payments: the payment, its funding batch, its project, and a household payee ----

export type PaymentBoundary = { payment: PaymentState; batch: FundBatchState; project: ProjectState; household?: HouseholdState };

export type RequestPaymentCommand = {
  /** The request as it will be recorded (payee account already a vault reference). */
  request: Omit<PaymentRequestPayload, 'batchId' | 'unitCode' | 'rules'>;
  /** The payment rule set in force on the request's date. */
  rules: PaymentRuleSet;
};

/** Which batch a request would draw on: its allocation's line on the project (undefined if none). */
export const fundingBatchOf = (project: ProjectState, allocationId: string): string | undefined =>
  project.status === 'none' ? undefined : project.funding[allocationId]?.batchId;

export function decideRequestPayment(c: RequestPaymentCommand, s: PaymentBoundary): { payment?: PaymentEvent[]; batch?: FundBatchEvent[]; project?: ProjectEvent[] } {
  const r = c.request;
  if (s.project.status === 'none') throw ruleBroken('project_not_found', `project ${r.projectId} does not exist`, 'projectId');
  const project = s.project;
  const line = project.funding[r.allocationId];
  if (!line) throw ruleBroken('allocation_not_for_project', `allocation ${r.allocationId} was not made to project ${r.projectId}`, 'allocationId');
  const request: PaymentRequestPayload = {
    ...r, batchId: line.batchId, unitCode: project.definition.unitCode,
    rules: { effectiveFrom: c.rules.effectiveFrom, advanceMaxPercent: c.rules.advanceMaxPercent, publicityMinDays: c.rules.publicityMinDays ?? 7 },
  };
  if (s.payment.status !== 'none') {
    // A repeated request must be the same request; anything else is refused before anything is written.
    if (paymentDecider.decide({ type: 'RecordRequest', request }, s.payment).length === 0) return {};
    throw conflict('id_reused_with_different_payload', `payment ${r.paymentId} exists with different details`, 'paymentId');
  }
  const amount = fenFromJson(r.amountFen);
  checkPaymentAgainstProject(project, { installment: r.installment, amount, effectiveDate: r.effectiveDate, payeeType: r.payee.type },
    { claimed: project.claimed, advances: project.advances }, c.rules);
  if (r.payee.type === 'household') {
    const household = s.household ?? { status: 'none' as const };
    // A project pays households of its own area: a village's project another village's never.
    if (household.status !== 'none' && !withinScope(project.definition.unitCode, household.registration.unitCode)) {
      throw ruleBroken('payee_household_outside_project', `household ${r.payee.id} is registered in ${household.registration.unitCode}, outside ${project.definition.unitCode} where project ${r.projectId} is`, 'payee.id');
    }
    const eligibility = eligibilityOn(household, r.effectiveDate);
    if (eligibility === 'not_registered') {
      throw ruleBroken('payee_household_not_registered', `household ${r.payee.id} is not a registered household on ${r.effectiveDate}`, 'payee.id');
    }
    if (eligibility === 'removed') throw ruleBroken('payee_household_removed', `household ${r.payee.id} was removed (剔除) on or before ${r.effectiveDate}`, 'payee.id');
  }
  return {
    payment: paymentDecider.decide({ type: 'RecordRequest', request }, s.payment),
    batch: fundBatchDecider.decide({ type: 'Hold', request }, s.batch),
    project: [{ type: 'ProjectPaymentClaimed', data: { projectId: r.projectId, paymentId: r.paymentId, allocationId: r.allocationId, batchId: line.batchId,
      amountFen: r.amountFen, installment: r.installment, effectiveDate: r.effectiveDate } }],
  };
}

type SettleOutcome = { payment?: PaymentEvent[]; batch?: FundBatchEvent[]; project?: ProjectEvent[] };

/** 审核 on a business date: an approval changes the payment only; a rejection also releases the hold and the project's claim. */
export function decidePaymentDecision(
  c: { approved: boolean; comment: string; approver: string; effectiveDate: BusinessDate },
  s: Pick<PaymentBoundary, 'payment'> & Partial<PaymentBoundary>,
): SettleOutcome {
  const events = paymentDecider.decide({ type: 'Decide', ...c }, s.payment);
  if (events.length === 0 || c.approved) return { payment: events };
  return { payment: events, ...release(s, 'rejected', c.effectiveDate) };
}

export function decideExecution(c: { channel: Channel; bankReference: string; effectiveDate: BusinessDate }, s: Pick<PaymentBoundary, 'payment' | 'batch'>): SettleOutcome {
  const events = paymentDecider.decide({ type: 'Execute', ...c }, s.payment);
  if (events.length === 0) return {};
  const paymentId = paymentIdOf(s.payment);
  return { payment: events, batch: fundBatchDecider.decide({ type: 'PostHold', paymentId, effectiveDate: c.effectiveDate }, s.batch) };
}

export function decideFailure(c: { reason: string; effectiveDate: BusinessDate }, s: PaymentBoundary): SettleOutcome {
  const events = paymentDecider.decide({ type: 'Fail', ...c }, s.payment);
  if (events.length === 0) return {};
  return { payment: events, ...release(s, 'failed', c.effectiveDate) };
}

export function decideReversal(c: { reason: string; effectiveDate: BusinessDate; documentNo: string }, s: PaymentBoundary): SettleOutcome {
  const events = paymentDecider.decide({ type: 'Reverse', ...c }, s.payment);
  if (events.length === 0) return {};
  const paymentId = paymentIdOf(s.payment);
  return {
    payment: events,
    batch: fundBatchDecider.decide({ type: 'CreditReversal', paymentId, effectiveDate: c.effectiveDate, documentNo: c.documentNo, reason: c.reason }, requireState(s.batch)),
    project: releaseClaim(s.project, paymentId, 'reversed', c.effectiveDate),
  };
}

function release(s: Partial<PaymentBoundary> & Pick<PaymentBoundary, 'payment'>, reason: 'rejected' | 'failed', effectiveDate: BusinessDate): SettleOutcome {
  const paymentId = paymentIdOf(s.payment);
  return {
    batch: fundBatchDecider.decide({ type: 'ReleaseHold', paymentId, reason, effectiveDate }, requireState(s.batch)),
    project: releaseClaim(s.project, paymentId, reason, effectiveDate),
  };
}

/** A claim recorded before projects kept claims has nothing to release. */
function releaseClaim(project: ProjectState | undefined, paymentId: string, reason: 'rejected' | 'failed' | 'reversed', effectiveDate: BusinessDate): ProjectEvent[] {
  if (!project || project.status === 'none') return [];
  const claim = project.claims.get(paymentId);
  if (!claim) return [];
  return [{ type: 'ProjectPaymentClaimReleased', data: { projectId: project.definition.projectId, paymentId, amountFen: fenToJson(claim.amount),
    installment: claim.installment, reason, effectiveDate } }];
}

const paymentIdOf = (p: PaymentState) => {
  if (p.status === 'none') throw ruleBroken('payment_not_found', 'the payment does not exist', 'paymentId');
  return p.request.paymentId;
};

function requireState(b: FundBatchState | undefined): FundBatchState {
  if (!b) throw new Error('the funding batch must be part of this decision');
  return b;
}

function requireBatch(s: FundBatchState): OpenBatch {
  if (s.status === 'none') throw ruleBroken('batch_not_found', 'the fund batch does not exist', 'batchId');
  return s;
}
