import type { BusinessDate } from '../dates';
import {
  batchFigures,
  fundBatchDecider,
  lineAvailable,
  type BatchHeader,
  type FundBatchEvent,
  type FundBatchState,
  type OpenBatch,
  type PaymentRequestPayload,
} from '../fund-batch/fund-batch';
import { eligibilityOn, type HouseholdState } from '../household/household';
import { fenFromJson, fenToJson, type Fen } from '../money';
import {
  decideBankReference, decideReplacement, paymentDecider, type BankReferenceState, type BankReferenceUsed, type Channel, type PaymentEvent, type PaymentState,
} from '../payment/payment';
import { checkPaymentAgainstProject, publicityMinDaysOf, type PaymentRuleSet } from '../project/payment-rules';
import { projectDecider, type ProjectEvent, type ProjectState } from '../project/project';
import { withinScope } from '../access/region';
import { conflict, invalid, ruleBroken } from '../rejection';

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
  // A closed parent takes the money and may pass it up in turn (ReturnUnspent), so money carried over from it (结转) can
  // still go back up. A voided one moved no money, so no child holds an allocation from it: the check only guards the books.
  if (s.parent.status === 'voided') {
    throw ruleBroken('parent_not_open', `the parent batch ${s.parent.header.batchId} was voided; nothing moves into it`, 'batchId');
  }
  return {
    batch: events,
    parent: fundBatchDecider.decide({ type: 'CreditReturn', returnId: c.returnId, fromBatchId: up.data.batchId, allocationId: up.data.allocationId,
      amount: c.amount, effectiveDate: c.effectiveDate }, s.parent),
  };
}

// ---- batch life: closure with its remainder disposed of, and void (撤销) ----

export type ClosureCommand = {
  effectiveDate: BusinessDate;
  /** What happens to what is left: returned up (to the parent, or out to the treasury for a root) or carried over to a new batch. */
  remainder?: 'return' | 'carryOver';
  /** carryOver: the new batch, at the same unit, for the year the money is carried into (结转). */
  carryOver?: { batchId: string; fiscalYear: number; documentNo: string };
};

/**
 * 清算关闭. Nothing may be held; whatever is left (unallocated, and what project lines have not
 * drawn) is returned up or carried over by this same command, so a closed batch strands nothing.
 * Project lines' remainders come back to the batch first (项目结余退回), then the whole goes up or
 * on, then the batch closes. Each step goes through the batch's own decider, state evolved between
 * steps, so every single-stream rule still applies.
 */
export function decideClosure(c: ClosureCommand, s: { batch: FundBatchState; parent?: FundBatchState; successor?: FundBatchState }):
  { batch?: FundBatchEvent[]; parent?: FundBatchEvent[]; successor?: FundBatchEvent[] } {
  const batch = requireBatch(s.batch);
  if (batch.status === 'closed') {
    // The same closure again (a retry) is a no-op; one with another date or disposal is refused: the batch closed once, as recorded.
    const e = batch.ended;
    const disposal = c.remainder === 'return' ? 'returned' : c.remainder === 'carryOver' ? 'carriedOver' : 'none';
    // A carry-over is the same only if the batch it made is the one asked for again: same id, year and 文号.
    const sameSuccessor = () => {
      const next = s.successor;
      return next !== undefined && next.status !== 'none' && next.header.fiscalYear === c.carryOver?.fiscalYear && next.header.documentNo === c.carryOver?.documentNo;
    };
    if (e && e.on === c.effectiveDate && (e.disposal === 'none' || (e.disposal === disposal && (e.carriedOverTo ?? null) === (c.carryOver?.batchId ?? null)
      && (disposal !== 'carriedOver' || sameSuccessor())))) return {};
    const how = e?.disposal === 'returned' ? ', its remainder returned' : e?.disposal === 'carriedOver' ? `, its remainder carried over to ${e.carriedOverTo}` : '';
    throw ruleBroken('batch_closed', `fund batch ${batch.header.batchId} was closed on ${e?.on}${how}; it is not closed again with other details`, 'batchId');
  }
  const id = batch.header.batchId;
  let state: FundBatchState = batch;
  const events: FundBatchEvent[] = [];
  const step = (cmd: Parameters<typeof fundBatchDecider.decide>[0]) => {
    const out = fundBatchDecider.decide(cmd, state);
    for (const e of out) state = fundBatchDecider.evolve(state, e);
    events.push(...out);
  };
  // Held money and an undisposed remainder are refused by the batch's own CloseBatch, the last step below.
  const figures = batchFigures(batch);
  if (c.remainder === 'carryOver' && !c.carryOver) throw invalid('invalid_field', 'carryOver (batchId, fiscalYear, documentNo) is required to carry the remainder over', 'carryOver');
  if (c.remainder !== 'carryOver' && c.carryOver) throw invalid('unknown_field', 'carryOver goes with remainder "carryOver"', 'carryOver');
  const out: { batch?: FundBatchEvent[]; parent?: FundBatchEvent[]; successor?: FundBatchEvent[] } = {};
  if (figures.balance > 0n && c.remainder !== undefined) {
    for (const line of batch.lines.values()) {
      const available = lineAvailable(line);
      if (line.target.type === 'project' && available > 0n) {
        step({ type: 'ReturnUnspent', returnId: `${id}-CLOSE-${line.allocationId}`, amount: available, reason: '批次关闭：项目结余退回', effectiveDate: c.effectiveDate,
          allocationId: line.allocationId });
      }
    }
    const remainder = figures.balance;
    if (c.remainder === 'return') {
      if (s.parent?.status === 'voided') {
        throw ruleBroken('parent_not_open', `the parent batch ${s.parent.header.batchId} was voided; carry the remainder over instead`, 'remainder');
      }
      step({ type: 'ReturnUnspent', returnId: `${id}-CLOSE`, amount: remainder, reason: '批次关闭：结余退回', effectiveDate: c.effectiveDate });
      const up = events.find((e) => e.type === 'FundsReturned');
      if (up?.type === 'FundsReturned' && up.data.toBatchId && up.data.allocationId) {
        if (!s.parent) throw new Error('the parent batch must be part of this decision');
        out.parent = fundBatchDecider.decide({ type: 'CreditReturn', returnId: `${id}-CLOSE`, fromBatchId: id, allocationId: up.data.allocationId, amount: remainder,
          effectiveDate: c.effectiveDate }, s.parent);
      }
    } else {
      const next = c.carryOver!;
      if (next.batchId === id) throw invalid('carry_over_to_itself', 'the remainder is carried over to a new batch', 'carryOver.batchId');
      if (next.fiscalYear <= batch.header.fiscalYear) {
        throw ruleBroken('carry_over_year', `money is carried over into a later year than ${batch.header.fiscalYear}`, 'carryOver.fiscalYear');
      }
      const successor = s.successor ?? { status: 'none' as const };
      if (successor.status !== 'none') throw ruleBroken('batch_id_taken', `fund batch ${next.batchId} already exists; choose a new id for the carried-over batch`, 'carryOver.batchId');
      const allocationId = `${id}-CARRY`;
      step({ type: 'Allocate', allocationId, target: { type: 'batch', batchId: next.batchId, recipientUnitCode: batch.header.recipientUnitCode }, amount: remainder,
        effectiveDate: c.effectiveDate, documentNo: next.documentNo });
      const h = batch.header;
      out.successor = fundBatchDecider.decide({ type: 'IssueBatch', header: { ...h, batchId: next.batchId, parentBatchId: id, allocationId, documentNo: next.documentNo,
        fiscalYear: next.fiscalYear, amountFen: fenToJson(remainder), effectiveDate: c.effectiveDate } }, successor);
    }
  }
  const disposed = figures.balance > 0n ? c.remainder : undefined;
  step({ type: 'CloseBatch', effectiveDate: c.effectiveDate, disposal: disposed === 'return' ? 'returned' : disposed === 'carryOver' ? 'carriedOver' : 'none',
    carriedOverTo: disposed === 'carryOver' ? c.carryOver!.batchId : null });
  out.batch = events;
  return out;
}

export type VoidCommand = { reason: string; effectiveDate: BusinessDate; replacedBy: string | null };

/**
 * 撤销 a batch entered by mistake. Only a batch that has moved no money; its amount goes back
 * where it came from (the parent's allocation is undone, or a root's issue is taken back), and the
 * batch that replaces it, if named, must exist.
 */
export function decideVoid(c: VoidCommand, s: { batch: FundBatchState; parent?: FundBatchState; replacement?: FundBatchState }):
  { batch?: FundBatchEvent[]; parent?: FundBatchEvent[] } {
  const batch = requireBatch(s.batch);
  // The same void again is a no-op, another is refused (the batch's own VoidBatch judges which).
  if (batch.status === 'voided') return { batch: fundBatchDecider.decide({ type: 'VoidBatch', ...c }, s.batch) };
  if (c.replacedBy !== null && c.replacedBy !== batch.header.batchId) {
    const r = s.replacement ?? { status: 'none' as const };
    if (r.status === 'none') throw ruleBroken('replacement_not_found', `fund batch ${c.replacedBy} does not exist; record the corrected batch first`, 'replacedBy');
    if (r.status === 'voided') throw ruleBroken('replacement_voided', `fund batch ${c.replacedBy} was itself voided`, 'replacedBy');
  }
  const events = fundBatchDecider.decide({ type: 'VoidBatch', ...c }, s.batch);
  const h = batch.header;
  if (!h.parentBatchId || !h.allocationId) return { batch: events };
  if (!s.parent) throw new Error('the parent batch must be part of this decision');
  return { batch: events, parent: fundBatchDecider.decide({ type: 'VoidAllocation', allocationId: h.allocationId, childBatchId: h.batchId, reason: c.reason,
    effectiveDate: c.effectiveDate }, s.parent) };
}

// ---- payments: the payment, its funding batch, its project, and a household payee ----

export type PaymentBoundary = {
  payment: PaymentState; batch: FundBatchState; project: ProjectState; household?: HouseholdState;
  /** A re-payment: the failed or reversed payment it pays again for, which records who replaced it. */
  replaced?: PaymentState;
};

export type RequestPaymentCommand = {
  /** The request as it will be recorded (payee account already a vault reference). */
  request: Omit<PaymentRequestPayload, 'batchId' | 'unitCode' | 'rules'>;
  /** The payment rule set in force on the request's date. */
  rules: PaymentRuleSet;
};

/** Which batch a request would draw on: its allocation's line on the project (undefined if none). */
export const fundingBatchOf = (project: ProjectState, allocationId: string): string | undefined =>
  project.status === 'none' ? undefined : project.funding[allocationId]?.batchId;

export function decideRequestPayment(c: RequestPaymentCommand, s: PaymentBoundary):
  { payment?: PaymentEvent[]; batch?: FundBatchEvent[]; project?: ProjectEvent[]; replaced?: PaymentEvent[] } {
  const r = c.request;
  if (s.project.status === 'none') throw ruleBroken('project_not_found', `project ${r.projectId} does not exist`, 'projectId');
  const project = s.project;
  const line = project.funding[r.allocationId];
  if (!line) throw ruleBroken('allocation_not_for_project', `allocation ${r.allocationId} was not made to project ${r.projectId}`, 'allocationId');
  const request: PaymentRequestPayload = {
    ...r, batchId: line.batchId, unitCode: project.definition.unitCode,
    rules: { effectiveFrom: c.rules.effectiveFrom, advanceMaxPercent: c.rules.advanceMaxPercent, publicityMinDays: publicityMinDaysOf(c.rules) },
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
  if (r.replacesPaymentId !== undefined && r.replacesPaymentId === r.paymentId) {
    throw invalid('replaces_itself', 'a payment cannot replace itself', 'replacesPaymentId');
  }
  if (r.replacesPaymentId !== undefined && !s.replaced) throw new Error('the replaced payment must be part of this decision');
  return {
    ...(s.replaced && r.replacesPaymentId !== undefined ? { replaced: decideReplacement(s.replaced, request) } : {}),
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

/** Execution: the payment, its batch's hold posted, and its bank reference taken on its channel (unique: a reuse is 409). */
export function decideExecution(c: { channel: Channel; bankReference: string; effectiveDate: BusinessDate },
  s: Pick<PaymentBoundary, 'payment' | 'batch'> & { bankReference?: BankReferenceState; bankReferenceAsWritten?: BankReferenceState }):
  SettleOutcome & { bankReference?: BankReferenceUsed[] } {
  const events = paymentDecider.decide({ type: 'Execute', ...c }, s.payment);
  if (events.length === 0) return {};
  const paymentId = paymentIdOf(s.payment);
  // A reference recorded before references were keyed as the bank reads them, in the stream of its digest as written: still
  // refused for another payment (that stream is only read; nothing is written there any more).
  if (s.bankReferenceAsWritten) decideBankReference(s.bankReferenceAsWritten, { ...c, paymentId });
  return {
    payment: events,
    batch: fundBatchDecider.decide({ type: 'PostHold', paymentId, effectiveDate: c.effectiveDate }, s.batch),
    ...(s.bankReference ? { bankReference: decideBankReference(s.bankReference, { ...c, paymentId }) } : {}),
  };
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
