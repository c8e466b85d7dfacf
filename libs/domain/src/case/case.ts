import { withinScope } from '../access/region';
import { canonicalKey } from '../canonical';
import type { Decider } from '../decider';
import type { BusinessDate } from '../dates';
import type { FundBatchState } from '../fund-batch/fund-batch';
import { fenFromJson, formatFen, type Fen } from '../money';
import type { PaymentState } from '../payment/payment';
import { conflict, invalid, Rejection, ruleBroken } from '../rejection';

/**
 * A case (问题线索 → 核实 → 整改 → 销号, DOMAIN.md §5.5 `case-{caseId}`, R-30, R-33): an inspector
 * opens it from red-flag alerts (or from a complaint or an inspection of their own), records what
 * verification found, what was rectified — money recovered, which is itself a reversal or a
 * return in the ledger and is linked to it, and accountability imposed — and a second inspector
 * confirms its closure. Every step carries its business date; none is dated before the step
 * before it, so a replay to a date shows the case as it stood that day.
 */
export const CASE_SOURCES = ['alert', 'complaint', 'inspection'] as const;
export type CaseSource = (typeof CASE_SOURCES)[number];
/** 截留, 挤占, 挪用, 虚报, 冒领, 挥霍, 优亲厚友, 形式主义, 数据不实, 失职 (DOMAIN.md §5.5 FindingRecorded). */
export const FINDING_TYPES = [
  'WITHHOLDING', 'CROWDING_OUT', 'DIVERSION', 'FALSE_REPORTING', 'FRAUDULENT_CLAIM', 'SQUANDERING', 'FAVOURITISM', 'FORMALISM', 'DATA_INACCURACY', 'NEGLIGENCE',
] as const;
export type FindingType = (typeof FINDING_TYPES)[number];
/** 诫勉谈话, 通报批评, 警告, 严重警告, 撤职/免职, 移送司法 (DOMAIN.md §5.5 AccountabilityImposed). */
export const ACCOUNTABILITY_MEASURES = ['ADMONISHMENT', 'CIRCULATED_CRITICISM', 'WARNING', 'SERIOUS_WARNING', 'DISMISSAL', 'TRANSFERRED_TO_JUDICIARY'] as const;
export type AccountabilityMeasure = (typeof ACCOUNTABILITY_MEASURES)[number];
export const RECTIFICATION_KINDS = ['funds_recovered', 'accountability', 'other'] as const;
export type RectificationKind = (typeof RECTIFICATION_KINDS)[number];
export const CASE_STATUSES = ['open', 'verifying', 'rectifying', 'closure_proposed', 'closed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];

/** A return is named within its batch: the same return id may exist in two batches. */
export type ReturnRef = { batchId: string; returnId: string };

// ---- events (plain data; their type names never change) ----
export type CaseOpened = {
  type: 'CaseOpened';
  data: { caseId: string; title: string; source: CaseSource; subjectUnitCode: string; alertIds: string[]; crossInspection: boolean; dueDate: BusinessDate;
    openedBy: string; effectiveDate: BusinessDate };
};
export type CaseFindingRecorded = {
  type: 'CaseFindingRecorded';
  data: { caseId: string; findingId: string; findingType: FindingType; description: string; amountFen: string | null; responsiblePersons: string[];
    recordedBy: string; effectiveDate: BusinessDate };
};
type RectificationCommon = { caseId: string; rectificationId: string; findingId: string | null; description: string; recordedBy: string; effectiveDate: BusinessDate };
export type FundsRecovered = RectificationCommon & { kind: 'funds_recovered'; amountFen: string; paymentIds: string[]; returns: ReturnRef[] };
export type AccountabilityImposed = RectificationCommon & { kind: 'accountability'; personName: string; measure: AccountabilityMeasure };
export type OtherRectification = RectificationCommon & { kind: 'other' };
export type Rectification = FundsRecovered | AccountabilityImposed | OtherRectification;
export type CaseRectificationRecorded = { type: 'CaseRectificationRecorded'; data: Rectification };
/** shortfalls: for a finding whose amount was not recovered in full, why not (the explicit note closure needs). */
export type CaseClosureProposed = {
  type: 'CaseClosureProposed';
  data: { caseId: string; proposedBy: string; comment: string; shortfalls: Array<{ findingId: string; note: string }>; effectiveDate: BusinessDate };
};
export type CaseClosureRefused = {
  type: 'CaseClosureRefused';
  data: { caseId: string; proposedBy: string; refusedBy: string; comment: string; effectiveDate: BusinessDate };
};
export type CaseClosed = { type: 'CaseClosed'; data: { caseId: string; proposedBy: string; confirmedBy: string; comment: string; effectiveDate: BusinessDate } };
export type CaseEvent = CaseOpened | CaseFindingRecorded | CaseRectificationRecorded | CaseClosureProposed | CaseClosureRefused | CaseClosed;

// ---- state ----
export type Finding = CaseFindingRecorded['data'];
export type OpenCase = {
  status: CaseStatus;
  opening: CaseOpened['data'];
  openingKey: string;
  findings: Finding[];
  rectifications: Rectification[];
  /** The business date of the latest step: no step may be dated before it. */
  lastDate: BusinessDate;
  /** Where a refused proposal sends the case back to. */
  statusBeforeProposal?: CaseStatus;
  proposal?: CaseClosureProposed['data'];
  /** The last refusal and the closing confirmation, to recognise a repeated command. */
  lastRefusal?: CaseClosureRefused['data'];
  closure?: CaseClosed['data'];
};
export type CaseState = { status: 'none' } | OpenCase;

/** Who acts: the inspector's id and home unit (absent from the token: their scope). */
export type CaseActor = { id: string; home: string };

/** What the ledger says about a referenced reversal or return, read from its own stream. */
export type LedgerFacts = { payments: Record<string, PaymentState>; batches: Record<string, FundBatchState> };
/** An alert as the red-flag detectors raised it (undefined: no such alert). */
export type AlertFact = { alertId: string; ruleId: string; unitCode: string; severity: string };

export type CaseCommand =
  | { type: 'OpenCase'; opening: CaseOpened['data']; actor: CaseActor; alerts: Record<string, AlertFact | undefined> }
  | { type: 'RecordFinding'; finding: Finding; actor: CaseActor }
  | { type: 'RecordRectification'; rectification: Rectification; actor: CaseActor; ledger: LedgerFacts }
  | { type: 'ProposeClosure'; proposal: CaseClosureProposed['data']; actor: CaseActor }
  | { type: 'ConfirmClosure'; confirmed: boolean; comment: string; effectiveDate: BusinessDate; actor: CaseActor };

const forbidden = (code: string, message: string, field?: string) => new Rejection(code, message, 'forbidden', field);

/**
 * 异地交叉: on a cross-inspection case nobody from the subject's own area acts — neither
 * an inspector whose home unit contains the subject, nor one whose home lies inside it.
 */
export const homeOverlaps = (home: string, subject: string) => withinScope(home, subject) || withinScope(subject, home);

function assertCrossInspection(s: { crossInspection: boolean; subjectUnitCode: string; caseId: string }, actor: CaseActor) {
  if (s.crossInspection && homeOverlaps(actor.home, s.subjectUnitCode)) {
    throw forbidden('cross_inspection_own_county',
      `case ${s.caseId} is a cross-inspection (异地交叉) case and its subject lies in ${actor.id}'s own area; an inspector from elsewhere must handle it`);
  }
}

function assertAfter(s: OpenCase, date: BusinessDate) {
  if (date < s.lastDate) {
    throw ruleBroken('date_before_previous_step', `effectiveDate ${date} is before the case's last step (${s.lastDate})`, 'effectiveDate');
  }
}

/** Money recovered per finding, from the case's funds_recovered rectifications. */
export function recoveredByFinding(s: OpenCase): Map<string, Fen> {
  const out = new Map<string, Fen>();
  for (const r of s.rectifications) {
    if (r.kind === 'funds_recovered' && r.findingId) out.set(r.findingId, (out.get(r.findingId) ?? 0n) + fenFromJson(r.amountFen));
  }
  return out;
}

/**
 * A funds_recovered rectification points at the ledger's own record of the money coming back: a
 * reversed payment (红冲 / 追回) or a return of a batch (退回). Each must exist, lie in the
 * case's subject region, have happened by the rectification's date and not be counted twice in
 * the case; the amount claimed must not exceed what those records moved.
 */
function checkRecovery(s: OpenCase, r: FundsRecovered, ledger: LedgerFacts) {
  const subject = s.opening.subjectUnitCode;
  if (r.paymentIds.length + r.returns.length === 0) {
    throw invalid('recovery_reference_required', 'name the reversed payments (paymentIds) or returns (returns) the money came back by', 'paymentIds');
  }
  const counted = new Set(s.rectifications.flatMap((x) => (x.kind === 'funds_recovered' ? [...x.paymentIds.map((p) => `p:${p}`), ...x.returns.map((t) => `r:${t.batchId}/${t.returnId}`)] : [])));
  let moved = 0n;
  r.paymentIds.forEach((paymentId, i) => {
    const field = `paymentIds[${i}]`;
    const p = ledger.payments[paymentId];
    if (!p || p.status === 'none') throw ruleBroken('recovery_payment_not_found', `payment ${paymentId} does not exist`, field);
    if (p.status !== 'reversed') throw ruleBroken('recovery_payment_not_reversed', `payment ${paymentId} is ${p.status}; only a reversed payment is money recovered`, field);
    if (!withinScope(subject, p.request.unitCode)) throw ruleBroken('recovery_outside_subject', `payment ${paymentId} lies outside the case's subject region`, field);
    if (p.reversedOn && p.reversedOn > r.effectiveDate) {
      throw ruleBroken('recovery_after_rectification', `payment ${paymentId} was reversed on ${p.reversedOn}, after this rectification's date ${r.effectiveDate}`, field);
    }
    if (counted.has(`p:${paymentId}`) || r.paymentIds.indexOf(paymentId) !== i) {
      throw ruleBroken('recovery_already_counted', `the reversal of payment ${paymentId} is already counted in case ${s.opening.caseId}`, field);
    }
    moved += fenFromJson(p.request.amountFen);
  });
  r.returns.forEach((ref, i) => {
    const field = `returns[${i}].returnId`;
    const b = ledger.batches[ref.batchId];
    const fact = b && b.status !== 'none' ? returnFact(b, ref.returnId) : undefined;
    if (!b || b.status === 'none' || !fact) throw ruleBroken('recovery_return_not_found', `fund batch ${ref.batchId} has no return ${ref.returnId}`, field);
    if (!withinScope(subject, b.header.recipientUnitCode)) throw ruleBroken('recovery_outside_subject', `fund batch ${ref.batchId} lies outside the case's subject region`, field);
    if (fact.effectiveDate > r.effectiveDate) {
      throw ruleBroken('recovery_after_rectification', `return ${ref.returnId} was made on ${fact.effectiveDate}, after this rectification's date ${r.effectiveDate}`, field);
    }
    const key = `r:${ref.batchId}/${ref.returnId}`;
    if (counted.has(key) || r.returns.findIndex((x) => `r:${x.batchId}/${x.returnId}` === key) !== i) {
      throw ruleBroken('recovery_already_counted', `return ${ref.returnId} of batch ${ref.batchId} is already counted in case ${s.opening.caseId}`, field);
    }
    moved += fact.amount;
  });
  const amount = fenFromJson(r.amountFen);
  if (amount > moved) {
    throw ruleBroken('recovery_exceeds_ledger', `${formatFen(amount)} is more than the ${formatFen(moved)} the named reversals and returns brought back`, 'amount');
  }
}

/**
 * A batch records each return under its id with an idempotency key made from the return's
 * amount, reason, date and allocation (fund-batch.ts evolve): its amount and date, read back.
 */
export function returnFact(b: Exclude<FundBatchState, { status: 'none' }>, returnId: string): { amount: Fen; effectiveDate: BusinessDate } | undefined {
  const key = b.returns.get(returnId);
  if (key === undefined) return undefined;
  const [amountFen, , effectiveDate] = JSON.parse(key) as [string, string, string, string | null];
  return { amount: fenFromJson(amountFen), effectiveDate };
}

function decide(c: CaseCommand, s: CaseState): CaseEvent[] {
  if (c.type === 'OpenCase') {
    const o = c.opening;
    if (o.alertIds.length === 0 && o.source === 'alert') {
      throw invalid('alert_required', 'a case opened from alerts names at least one alert (source complaint or inspection may name none)', 'alertIds');
    }
    const dup = o.alertIds.findIndex((a, i) => o.alertIds.indexOf(a) !== i);
    if (dup >= 0) throw invalid('duplicate_alert', `alert ${o.alertIds[dup]} is named twice`, `alertIds[${dup}]`);
    if (o.dueDate < o.effectiveDate) throw ruleBroken('due_before_opened', `dueDate ${o.dueDate} is before the case was opened (${o.effectiveDate})`, 'dueDate');
    if (s.status !== 'none') {
      if (s.openingKey === canonicalKey(o)) return [];
      throw conflict('id_reused_with_different_payload', `case ${o.caseId} exists with different details`, 'caseId');
    }
    assertCrossInspection(o, c.actor);
    o.alertIds.forEach((id, i) => {
      const a = c.alerts[id];
      if (!a) throw ruleBroken('alert_not_found', `alert ${id} does not exist`, `alertIds[${i}]`);
      if (!withinScope(o.subjectUnitCode, a.unitCode)) throw ruleBroken('alert_outside_subject', `alert ${id} lies outside the case's subject region`, `alertIds[${i}]`);
    });
    return [{ type: 'CaseOpened', data: o }];
  }
  if (s.status === 'none') throw ruleBroken('case_not_found', 'the case does not exist', 'caseId');
  const id = s.opening.caseId;
  switch (c.type) {
    case 'RecordFinding': {
      const f = c.finding;
      const seen = s.findings.find((x) => x.findingId === f.findingId);
      if (seen) {
        if (canonicalKey(seen) === canonicalKey(f)) return [];
        throw conflict('id_reused_with_different_payload', `finding ${f.findingId} exists with different details`, 'findingId');
      }
      assertOpenForSteps(s);
      assertCrossInspection(s.opening, c.actor);
      assertAfter(s, f.effectiveDate);
      return [{ type: 'CaseFindingRecorded', data: f }];
    }
    case 'RecordRectification': {
      const r = c.rectification;
      const seen = s.rectifications.find((x) => x.rectificationId === r.rectificationId);
      if (seen) {
        if (canonicalKey(seen) === canonicalKey(r)) return [];
        throw conflict('id_reused_with_different_payload', `rectification ${r.rectificationId} exists with different details`, 'rectificationId');
      }
      assertOpenForSteps(s);
      assertCrossInspection(s.opening, c.actor);
      if (s.findings.length === 0) throw ruleBroken('no_findings_yet', `case ${id} has no finding yet: record what verification found first`, 'findingId');
      assertAfter(s, r.effectiveDate);
      const finding = r.findingId === null ? undefined : s.findings.find((x) => x.findingId === r.findingId);
      if (r.findingId !== null && !finding) throw ruleBroken('finding_not_found', `case ${id} has no finding ${r.findingId}`, 'findingId');
      if (r.kind === 'funds_recovered') {
        if (!finding) throw invalid('finding_required', 'money recovered is recovered for a finding: name its findingId', 'findingId');
        if (finding.amountFen === null) throw ruleBroken('finding_without_amount', `finding ${finding.findingId} names no amount to recover`, 'findingId');
        checkRecovery(s, r, c.ledger);
        const after = (recoveredByFinding(s).get(finding.findingId) ?? 0n) + fenFromJson(r.amountFen);
        if (after > fenFromJson(finding.amountFen)) {
          throw ruleBroken('recovery_exceeds_finding', `recovered ${formatFen(after)} in all would exceed the ${formatFen(fenFromJson(finding.amountFen))} of finding ${finding.findingId}`, 'amount');
        }
      }
      return [{ type: 'CaseRectificationRecorded', data: r }];
    }
    case 'ProposeClosure': {
      const p = c.proposal;
      if (s.proposal && canonicalKey(s.proposal) === canonicalKey(p) && (s.status === 'closure_proposed' || s.status === 'closed')) return [];
      if (s.status === 'closed') throw ruleBroken('case_closed', `case ${id} is closed`, 'caseId');
      if (s.status === 'closure_proposed') throw ruleBroken('closure_already_proposed', `closure of case ${id} was already proposed by ${s.proposal!.proposedBy}`, 'caseId');
      assertCrossInspection(s.opening, c.actor);
      assertAfter(s, p.effectiveDate);
      if (s.findings.length === 0) throw ruleBroken('no_findings_yet', `case ${id} has no finding: closure needs at least one`, 'caseId');
      // 追回 reconciled: every finding with an amount is recovered in full, or the proposal says why not.
      const recovered = recoveredByFinding(s);
      p.shortfalls.forEach((x, i) => {
        if (!s.findings.some((f) => f.findingId === x.findingId)) throw ruleBroken('finding_not_found', `case ${id} has no finding ${x.findingId}`, `shortfalls[${i}].findingId`);
      });
      for (const f of s.findings) {
        if (f.amountFen === null) continue;
        const missing = fenFromJson(f.amountFen) - (recovered.get(f.findingId) ?? 0n);
        if (missing > 0n && !p.shortfalls.some((x) => x.findingId === f.findingId)) {
          throw ruleBroken('recovery_incomplete', `finding ${f.findingId}: ${formatFen(missing)} of ${formatFen(fenFromJson(f.amountFen))} is not recovered; recover it or say why not in shortfalls`, 'shortfalls');
        }
      }
      return [{ type: 'CaseClosureProposed', data: p }];
    }
    case 'ConfirmClosure': {
      const answer = { comment: c.comment, effectiveDate: c.effectiveDate };
      if (c.confirmed && s.closure && s.closure.confirmedBy === c.actor.id && canonicalKey({ comment: s.closure.comment, effectiveDate: s.closure.effectiveDate }) === canonicalKey(answer)) return [];
      if (!c.confirmed && s.status !== 'closure_proposed' && s.lastRefusal && s.lastRefusal.refusedBy === c.actor.id
        && canonicalKey({ comment: s.lastRefusal.comment, effectiveDate: s.lastRefusal.effectiveDate }) === canonicalKey(answer)) return [];
      if (s.status === 'closed') throw ruleBroken('case_closed', `case ${id} is closed`, 'caseId');
      if (s.status !== 'closure_proposed' || !s.proposal) throw ruleBroken('closure_not_proposed', `closure of case ${id} has not been proposed`, 'caseId');
      // Maker-checker: the inspector who proposed closure neither confirms nor refuses it.
      if (c.actor.id === s.proposal.proposedBy) {
        throw ruleBroken('confirmer_is_proposer', `closure of case ${id} was proposed by ${c.actor.id}, who may not also confirm or refuse it; a second inspector must`, 'confirmed');
      }
      assertCrossInspection(s.opening, c.actor);
      assertAfter(s, c.effectiveDate);
      return c.confirmed
        ? [{ type: 'CaseClosed', data: { caseId: id, proposedBy: s.proposal.proposedBy, confirmedBy: c.actor.id, ...answer } }]
        : [{ type: 'CaseClosureRefused', data: { caseId: id, proposedBy: s.proposal.proposedBy, refusedBy: c.actor.id, ...answer } }];
    }
  }
}

function assertOpenForSteps(s: OpenCase) {
  if (s.status === 'closed') throw ruleBroken('case_closed', `case ${s.opening.caseId} is closed`, 'caseId');
  if (s.status === 'closure_proposed') {
    throw ruleBroken('closure_pending', `closure of case ${s.opening.caseId} is proposed; the second inspector confirms or refuses it before anything else is recorded`, 'caseId');
  }
}

function evolve(s: CaseState, e: CaseEvent): CaseState {
  if (e.type === 'CaseOpened') {
    return { status: 'open', opening: e.data, openingKey: canonicalKey(e.data), findings: [], rectifications: [], lastDate: e.data.effectiveDate };
  }
  if (s.status === 'none') return s;
  const lastDate = e.data.effectiveDate > s.lastDate ? e.data.effectiveDate : s.lastDate;
  switch (e.type) {
    case 'CaseFindingRecorded':
      return { ...s, lastDate, status: s.status === 'open' ? 'verifying' : s.status, findings: [...s.findings, e.data] };
    case 'CaseRectificationRecorded':
      return { ...s, lastDate, status: 'rectifying', rectifications: [...s.rectifications, e.data] };
    case 'CaseClosureProposed':
      return { ...s, lastDate, status: 'closure_proposed', statusBeforeProposal: s.status, proposal: e.data };
    case 'CaseClosureRefused':
      return { ...s, lastDate, status: s.statusBeforeProposal ?? 'open', lastRefusal: e.data };
    case 'CaseClosed':
      return { ...s, lastDate, status: 'closed', closure: e.data };
  }
}

export const caseDecider: Decider<CaseState, CaseCommand, CaseEvent> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};

/** Overdue: not closed, and its 整改 deadline passed before the given day. */
export const isOverdue = (s: OpenCase, on: BusinessDate) => s.status !== 'closed' && s.opening.dueDate < on;
