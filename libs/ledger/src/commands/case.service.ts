import { Inject, Injectable } from '@nestjs/common';
import {
  adminUnitDecider,
  assertInScope,
  assertNotAfterToday,
  caseDecider,
  fenToJson,
  fundBatchDecider,
  homeOf,
  notFound,
  paymentDecider,
  ruleBroken,
  shanghaiToday,
  Streams,
  type AccountabilityMeasure,
  type AlertFact,
  type BusinessDate,
  type CaseActor,
  type CaseSource,
  type CaseState,
  type Fen,
  type FindingType,
  type FundBatchState,
  type OpenCase,
  type PaymentState,
  type Rectification,
  type ReturnRef,
} from '@yuantrace/domain';
import type { Boundary } from '@yuantrace/event-store';
import type { SqlExecutor } from '@yuantrace/event-store';
import { alertsByIds, caseResource } from '@yuantrace/read-models';
import { Clock } from '../infrastructure/clock';
import { READ_DB } from '../infrastructure/tokens';
import { CommandHandler } from './command-handler';
import { commandOrigin, type Caller } from './ledger.service';

/**
 * The red-flag alerts a case is opened from, as the detectors raised them (their read model,
 * libs/read-models/src/alerts). A port, so the case rules do not depend on how alerts are kept.
 */
export abstract class AlertDirectory {
  /** The alerts among `ids` that exist; an id not answered does not exist. */
  abstract alertsByIds(ids: string[]): Promise<AlertFact[]>;
}

/** Alerts from the red-flag detectors' read model (libs/read-models/src/alerts), as they stand now. */
@Injectable()
export class ReadModelAlertDirectory extends AlertDirectory {
  constructor(@Inject(READ_DB) private readonly db: SqlExecutor) {
    super();
  }

  async alertsByIds(ids: string[]): Promise<AlertFact[]> {
    const found = await alertsByIds(this.db, ids);
    return found.map((a) => ({ alertId: a.alertId, ruleId: a.ruleId, unitCode: a.unitCode, severity: a.severity }));
  }
}

const actorOf = (c: Caller): CaseActor => ({ id: c.principal.id, home: homeOf(c.principal) });

export type OpenCaseInput = {
  caseId: string; title: string; source: CaseSource; subjectUnitCode: string; alertIds: string[]; crossInspection: boolean; dueDate: BusinessDate; effectiveDate: BusinessDate;
};
export type FindingInput = { findingId: string; findingType: FindingType; description: string; amount: Fen | null; responsiblePersons: string[]; effectiveDate: BusinessDate };
export type RectificationInput = { rectificationId: string; findingId: string | null; description: string; effectiveDate: BusinessDate } & (
  | { kind: 'funds_recovered'; amount: Fen; paymentIds: string[]; returns: ReturnRef[] }
  | { kind: 'accountability'; personName: string; measure: AccountabilityMeasure }
  | { kind: 'other' });

/**
 * The write side of cases (线上预警 → 线下核实 → 整改 → 销号) behind the HTTP controller. As in
 * LedgerService: access and facts that never change are checked here, every rule in the case
 * decider, through the one command handler. A recovery reads the reversed payments and the
 * batches whose returns it names in the same decision, and their revisions are checked on append.
 */
@Injectable()
export class CaseService {
  constructor(
    private readonly commands: CommandHandler,
    private readonly alerts: AlertDirectory,
    private readonly clock: Clock,
  ) {}

  today(): BusinessDate {
    return shanghaiToday(this.clock.now());
  }

  private notFuture(date: string, field: string) {
    assertNotAfterToday(date, this.today(), field);
  }

  /** The case as the write side knows it (404 when there is none). */
  async case(caseId: string): Promise<OpenCase> {
    const s = await this.commands.peek(caseDecider, Streams.case(caseId));
    if (s.status === 'none') throw notFound('case_not_found', `case ${caseId} does not exist`, 'caseId');
    return s;
  }

  /** A case the caller may act on: it exists and its subject lies in the caller's region. */
  private async caseInScope(caller: Caller, caseId: string) {
    const s = await this.case(caseId);
    assertInScope(caller.principal, s.opening.subjectUnitCode, `case ${caseId}`);
    return s;
  }

  resource(s: OpenCase) {
    return caseResource(s, this.today());
  }

  async openCase(caller: Caller, c: OpenCaseInput) {
    assertInScope(caller.principal, c.subjectUnitCode, 'the subject unit');
    this.notFuture(c.effectiveDate, 'effectiveDate');
    const unit = await this.commands.peek(adminUnitDecider, Streams.adminUnit(c.subjectUnitCode));
    if (unit.status !== 'registered') throw ruleBroken('unit_not_found', `admin unit ${c.subjectUnitCode} is not registered`, 'subjectUnitCode');
    const found = c.alertIds.length ? await this.alerts.alertsByIds(c.alertIds) : [];
    const alerts = Object.fromEntries(found.map((a) => [a.alertId, a]));
    const opening = { ...c, openedBy: caller.principal.id };
    const r = await this.commands.handle(caseDecider, Streams.case(c.caseId), { type: 'OpenCase', opening, actor: actorOf(caller), alerts },
      `case:${c.caseId}:open`, commandOrigin(caller));
    return r.state as OpenCase;
  }

  async recordFinding(caller: Caller, caseId: string, f: FindingInput) {
    await this.caseInScope(caller, caseId);
    this.notFuture(f.effectiveDate, 'effectiveDate');
    const finding = { caseId, findingId: f.findingId, findingType: f.findingType, description: f.description, amountFen: f.amount === null ? null : fenToJson(f.amount),
      responsiblePersons: f.responsiblePersons, recordedBy: caller.principal.id, effectiveDate: f.effectiveDate };
    const r = await this.commands.handle(caseDecider, Streams.case(caseId), { type: 'RecordFinding', finding, actor: actorOf(caller) },
      `case:${caseId}:finding:${f.findingId}`, commandOrigin(caller));
    return r.state as OpenCase;
  }

  async recordRectification(caller: Caller, caseId: string, x: RectificationInput) {
    await this.caseInScope(caller, caseId);
    this.notFuture(x.effectiveDate, 'effectiveDate');
    const common = { caseId, rectificationId: x.rectificationId, findingId: x.findingId, description: x.description, recordedBy: caller.principal.id, effectiveDate: x.effectiveDate };
    const rectification: Rectification = x.kind === 'funds_recovered'
      ? { ...common, kind: x.kind, amountFen: fenToJson(x.amount), paymentIds: x.paymentIds, returns: x.returns }
      : x.kind === 'accountability' ? { ...common, kind: x.kind, personName: x.personName, measure: x.measure } : { ...common, kind: 'other' };
    // The ledger streams the recovery names are read in the same decision (and checked, not written, on append).
    type States = Record<string, unknown>;
    const boundary: Record<string, { stream: string; decider: unknown }> = { case: { stream: Streams.case(caseId), decider: caseDecider } };
    const paymentIds = x.kind === 'funds_recovered' ? [...new Set(x.paymentIds)] : [];
    const batchIds = x.kind === 'funds_recovered' ? [...new Set(x.returns.map((t) => t.batchId))] : [];
    for (const id of paymentIds) boundary[`payment:${id}`] = { stream: Streams.payment(id), decider: paymentDecider };
    for (const id of batchIds) boundary[`batch:${id}`] = { stream: Streams.fundBatch(id), decider: fundBatchDecider };
    const r = await this.commands.decide<States>(boundary as Boundary<States>, (s) => {
      const ledger = {
        payments: Object.fromEntries(paymentIds.map((id) => [id, s[`payment:${id}`] as PaymentState])),
        batches: Object.fromEntries(batchIds.map((id) => [id, s[`batch:${id}`] as FundBatchState])),
      };
      return { case: caseDecider.decide({ type: 'RecordRectification', rectification, actor: actorOf(caller), ledger }, s.case as CaseState) };
    }, `case:${caseId}:rectification:${x.rectificationId}`, commandOrigin(caller));
    return r.states.case as OpenCase;
  }

  async proposeClosure(caller: Caller, caseId: string, p: { comment: string; shortfalls: Array<{ findingId: string; note: string }>; effectiveDate: BusinessDate }) {
    await this.caseInScope(caller, caseId);
    this.notFuture(p.effectiveDate, 'effectiveDate');
    const proposal = { caseId, proposedBy: caller.principal.id, comment: p.comment, shortfalls: p.shortfalls, effectiveDate: p.effectiveDate };
    const r = await this.commands.handle(caseDecider, Streams.case(caseId), { type: 'ProposeClosure', proposal, actor: actorOf(caller) },
      `case:${caseId}:closure:propose`, commandOrigin(caller));
    return r.state as OpenCase;
  }

  /** The second inspector's answer. The command id names the outcome, so a confirmation is never taken for a retried refusal. */
  async confirmClosure(caller: Caller, caseId: string, a: { confirmed: boolean; comment: string; effectiveDate: BusinessDate }) {
    await this.caseInScope(caller, caseId);
    this.notFuture(a.effectiveDate, 'effectiveDate');
    const r = await this.commands.handle(caseDecider, Streams.case(caseId), { type: 'ConfirmClosure', ...a, actor: actorOf(caller) },
      `case:${caseId}:closure:${a.confirmed ? 'confirm' : 'refuse'}`, commandOrigin(caller));
    return r.state as OpenCase;
  }
}
