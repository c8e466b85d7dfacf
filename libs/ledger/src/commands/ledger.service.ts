import { Inject, Injectable } from '@nestjs/common';
import type { Boundary } from '@yuantrace/event-store';
import { Clock } from '../infrastructure/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../infrastructure/tokens';
import {
  adminUnitDecider,
  assertNotAfterToday,
  batchFigures,
  checkPlausibleAmount,
  figuresInYuan,
  decideAllocationToBatch,
  bankReferenceFold,
  type BankReferenceState,
  decideClosure,
  decideVoid,
  type ClosureCommand,
  type VoidCommand,
  decideAllocationToProject,
  decideExecution,
  decideFailure,
  decidePaymentDecision,
  decideRequestPayment,
  decideReturn,
  decideReversal,
  fundingBatchOf,
  householdDecider,
  shanghaiToday,
  ruleInForce,
  validateIdNumber,
  type HouseholdRegistered,
  type HouseholdState,
  type MilestoneData,
  type PersonRecord,
  fenFromJson,
  fenToJson,
  formatFen,
  fundBatchDecider,
  invalid,
  notFound,
  paymentDecider,
  projectDecider,
  ruleBroken,
  Streams,
  assertInScope,
  withinScope,
  type AdminUnitState,
  type BatchHeader,
  type Channel,
  type Fen,
  type FundSource,
  type IssuerLevel,
  type OpenBatch,
  type FundBatchState,
  type PaymentBoundary,
  type PaymentState,
  type Principal,
  type ProjectDefinition,
  type ProjectState,
  type UnitLevel,
} from '@yuantrace/domain';

import { PersonalDataVault } from '../personal-data/personal-data-vault';
import { CommandHandler, type CommandOrigin } from './command-handler';

export type Caller = { principal: Principal; correlationId: string };

/** What every command's events carry of the caller: the actor and the correlation id. */
export const commandOrigin = (c: Caller): CommandOrigin => ({ actor: { principalId: c.principal.id, role: c.principal.role }, correlationId: c.correlationId });

/**
 * The write side of the fund ledger behind the HTTP controllers. Each method checks access and
 * facts that never change once true (a registered unit stays registered), names the streams the
 * command's rules read, and hands one pure decision over all of them to the command handler,
 * which appends its events to all of them atomically (DESIGN.md §3).
 */
@Injectable()
export class LedgerService {
  constructor(
    private readonly commands: CommandHandler,
    private readonly vault: PersonalDataVault,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Business dates may not lie after today in Asia/Shanghai, the ledger's calendar. */
  private notFuture(date: string, field: string) {
    assertNotAfterToday(date, shanghaiToday(this.clock.now()), field);
  }

  async unit(code: string): Promise<AdminUnitState> {
    return this.commands.peek(adminUnitDecider, Streams.adminUnit(code));
  }

  async registerAdminUnit(caller: Caller, u: { code: string; name: string; level: UnitLevel; parentCode: string | null }) {
    assertInScope(caller.principal, u.code, 'this unit');
    const parent = u.parentCode ? await this.unit(u.parentCode) : undefined;
    const r = await this.commands.handle(adminUnitDecider, Streams.adminUnit(u.code), { ...u, parent }, `adminunit:${u.code}:${u.name}`, commandOrigin(caller));
    return r.state;
  }

  private async requireUnit(code: string, field: string, levels?: UnitLevel[]) {
    const unit = await this.unit(code);
    if (unit.status !== 'registered') throw ruleBroken('unit_not_found', `admin unit ${code} is not registered`, field);
    if (levels && !levels.includes(unit.level)) throw ruleBroken('unit_level_not_allowed', `unit ${code} is a ${unit.level}; expected ${levels.join(' or ')}`, field);
    return unit;
  }

  async batch(batchId: string): Promise<OpenBatch> {
    const s = await this.commands.peek(fundBatchDecider, Streams.fundBatch(batchId));
    if (s.status === 'none') throw notFound('batch_not_found', `fund batch ${batchId} does not exist`, 'batchId');
    return s;
  }

  async issueBatch(caller: Caller, b: {
    batchId: string; documentNo: string; title: string; source: FundSource; issuerLevel: IssuerLevel; recipientUnitCode: string;
    fiscalYear: number; amount: Fen; effectiveDate: string; purpose: string; countsTowardHouseholdShare: boolean;
    lineItems?: Array<{ label: string; amount: Fen }>;
  }) {
    assertInScope(caller.principal, b.recipientUnitCode, 'the recipient unit');
    this.notFuture(b.effectiveDate, 'effectiveDate');
    await this.requireUnit(b.recipientUnitCode, 'recipientUnitCode');
    checkPlausibleAmount(b.issuerLevel, b.amount, this.config.amountBounds);
    const header: BatchHeader = {
      batchId: b.batchId, parentBatchId: null, allocationId: null, rootBatchId: b.batchId, rootDocumentNo: b.documentNo, documentNo: b.documentNo,
      title: b.title, source: b.source, issuerLevel: b.issuerLevel, recipientUnitCode: b.recipientUnitCode, fiscalYear: b.fiscalYear,
      purpose: b.purpose, countsTowardHouseholdShare: b.countsTowardHouseholdShare, amountFen: fenToJson(b.amount), effectiveDate: b.effectiveDate,
      // Recorded as the document states them, even when they do not add up: the mismatch is a finding, not a typo to refuse.
      ...(b.lineItems?.length ? { lineItems: b.lineItems.map((l) => ({ label: l.label, amountFen: fenToJson(l.amount) })) } : {}),
    };
    await this.commands.handle(fundBatchDecider, Streams.fundBatch(b.batchId), { type: 'IssueBatch', header }, `fundbatch:${b.batchId}:issue`, commandOrigin(caller));
    return this.batch(b.batchId);
  }

  async allocate(caller: Caller, batchId: string, a: {
    allocationId: string; target: { type: 'batch'; batchId: string; recipientUnitCode: string } | { type: 'project'; projectId: string };
    amount: Fen; effectiveDate: string; documentNo: string;
  }) {
    const batch = await this.batch(batchId);
    assertInScope(caller.principal, batch.header.recipientUnitCode, `fund batch ${batchId}`);
    this.notFuture(a.effectiveDate, 'effectiveDate');
    const commandId = `fundbatch:${batchId}:allocate:${a.allocationId}`;
    const t = a.target;
    if (t.type === 'batch') {
      await this.requireUnit(t.recipientUnitCode, 'target.recipientUnitCode');
      // Parent and child in one append: a refused child never leaves money allocated to nobody.
      await this.commands.decide<{ parent: FundBatchState; child: FundBatchState }>(
        { parent: { stream: Streams.fundBatch(batchId), decider: fundBatchDecider }, child: { stream: Streams.fundBatch(t.batchId), decider: fundBatchDecider } },
        (s) => decideAllocationToBatch({ ...a, target: t }, s), commandId, commandOrigin(caller));
    } else {
      await this.project(t.projectId, 'target.projectId');
      await this.commands.decide<{ batch: FundBatchState; project: ProjectState }>(
        { batch: { stream: Streams.fundBatch(batchId), decider: fundBatchDecider }, project: { stream: Streams.project(t.projectId), decider: projectDecider } },
        (s) => decideAllocationToProject({ ...a, target: t }, s), commandId, commandOrigin(caller));
    }
    const line = (await this.batch(batchId)).lines.get(a.allocationId)!;
    return { batchId, allocationId: a.allocationId, target: line.target, amount: formatFen(line.amount), effectiveDate: a.effectiveDate, documentNo: a.documentNo };
  }

  async returnFunds(caller: Caller, batchId: string, r: { returnId: string; amount: Fen; reason: string; effectiveDate: string; allocationId?: string }) {
    const batch = await this.batch(batchId);
    assertInScope(caller.principal, batch.header.recipientUnitCode, `fund batch ${batchId}`);
    this.notFuture(r.effectiveDate, 'effectiveDate');
    const parentId = r.allocationId === undefined ? batch.header.parentBatchId : null;
    const commandId = `fundbatch:${batchId}:return:${r.returnId}`;
    if (parentId) {
      // The child's return and the parent's receipt in one append.
      await this.commands.decide<{ batch: FundBatchState; parent: FundBatchState }>(
        { batch: { stream: Streams.fundBatch(batchId), decider: fundBatchDecider }, parent: { stream: Streams.fundBatch(parentId), decider: fundBatchDecider } },
        (s) => decideReturn(r, s), commandId, commandOrigin(caller));
    } else {
      await this.commands.decide<{ batch: FundBatchState }>({ batch: { stream: Streams.fundBatch(batchId), decider: fundBatchDecider } },
        (s) => decideReturn(r, s), commandId, commandOrigin(caller));
    }
    return { batchId, returnId: r.returnId, amount: formatFen(r.amount), toBatchId: r.allocationId ? batchId : batch.header.parentBatchId,
      fromAllocationId: r.allocationId ?? null, reason: r.reason, effectiveDate: r.effectiveDate };
  }

  /** 清算关闭, with the remainder returned up or carried over in the same append (decideClosure). */
  async closeBatch(caller: Caller, batchId: string, c: ClosureCommand) {
    const batch = await this.batch(batchId);
    assertInScope(caller.principal, batch.header.recipientUnitCode, `fund batch ${batchId}`);
    this.notFuture(c.effectiveDate, 'effectiveDate');
    type S = { batch: FundBatchState; parent: FundBatchState; successor: FundBatchState };
    const boundary: Partial<Boundary<S>> & Pick<Boundary<S>, 'batch'> = {
      batch: { stream: Streams.fundBatch(batchId), decider: fundBatchDecider },
    };
    if (c.remainder === 'return' && batch.header.parentBatchId) boundary.parent = { stream: Streams.fundBatch(batch.header.parentBatchId), decider: fundBatchDecider };
    if (c.remainder === 'carryOver' && c.carryOver) boundary.successor = { stream: Streams.fundBatch(c.carryOver.batchId), decider: fundBatchDecider };
    // Streams left out of the boundary are absent from the states the decision sees.
    await this.commands.decide(boundary as Boundary<S>, (s) => decideClosure(c, s), `fundbatch:${batchId}:close`, commandOrigin(caller));
    return this.batch(batchId);
  }

  /** 撤销 a batch that moved no money; a child's parent gets its allocation back in the same append (decideVoid). */
  async voidBatch(caller: Caller, batchId: string, v: VoidCommand) {
    const batch = await this.batch(batchId);
    assertInScope(caller.principal, batch.header.recipientUnitCode, `fund batch ${batchId}`);
    this.notFuture(v.effectiveDate, 'effectiveDate');
    type S = { batch: FundBatchState; parent: FundBatchState; replacement: FundBatchState };
    const boundary: Partial<Boundary<S>> & Pick<Boundary<S>, 'batch'> = {
      batch: { stream: Streams.fundBatch(batchId), decider: fundBatchDecider },
    };
    if (batch.header.parentBatchId) boundary.parent = { stream: Streams.fundBatch(batch.header.parentBatchId), decider: fundBatchDecider };
    // The replacement is read, not written: its existence is part of the decision.
    if (v.replacedBy && v.replacedBy !== batchId) boundary.replacement = { stream: Streams.fundBatch(v.replacedBy), decider: fundBatchDecider };
    await this.commands.decide(boundary as Boundary<S>, (s) => decideVoid(v, s), `fundbatch:${batchId}:void`, commandOrigin(caller));
    return this.batch(batchId);
  }

  async project(projectId: string, field = 'projectId'): Promise<Extract<ProjectState, { status: 'proposed' }>> {
    const s = await this.commands.peek(projectDecider, Streams.project(projectId));
    if (s.status === 'none') throw (field === 'projectId' ? notFound : ruleBroken)('project_not_found', `project ${projectId} does not exist`, field);
    return s;
  }

  async proposeProject(caller: Caller, d: ProjectDefinition) {
    assertInScope(caller.principal, d.unitCode, 'the project unit');
    await this.requireUnit(d.unitCode, 'unitCode', ['village', 'county', 'township']);
    await this.commands.handle(projectDecider, Streams.project(d.projectId), { type: 'ProposeProject', definition: d }, `project:${d.projectId}:propose`, commandOrigin(caller));
    return this.project(d.projectId);
  }

  async payment(paymentId: string): Promise<Exclude<PaymentState, { status: 'none' }>> {
    const s = await this.commands.peek(paymentDecider, Streams.payment(paymentId));
    if (s.status === 'none') throw notFound('payment_not_found', `payment ${paymentId} does not exist`, 'paymentId');
    return s;
  }

  async requestPayment(caller: Caller, p: {
    paymentId: string; projectId: string; allocationId: string; payee: { type: string; id: string; name: string; account: string };
    amount: Fen; purpose: string; installment: string; effectiveDate: string; replacesPaymentId?: string;
  }) {
    const project = await this.project(p.projectId, 'projectId');
    assertInScope(caller.principal, project.definition.unitCode, `project ${p.projectId}`);
    this.notFuture(p.effectiveDate, 'effectiveDate');
    // The funding lines seen here may lag another process's allocation: look again before refusing.
    const batchId = fundingBatchOf(project, p.allocationId) ?? fundingBatchOf(await this.commands.load(projectDecider, Streams.project(p.projectId)), p.allocationId);
    if (!batchId) throw ruleBroken('allocation_not_for_project', `allocation ${p.allocationId} was not made to project ${p.projectId}`, 'allocationId');
    const rules = ruleInForce(this.config.paymentRules, p.effectiveDate);
    const account = await this.vault.protect('account', p.payee.account);
    const payee = { type: p.payee.type, id: p.payee.id, name: p.payee.name, accountRef: account.ref, accountMasked: account.masked };
    const request = {
      paymentId: p.paymentId, projectId: p.projectId, allocationId: p.allocationId, payee, amountFen: fenToJson(p.amount), purpose: p.purpose,
      installment: p.installment, effectiveDate: p.effectiveDate,
      // The requester is part of the request: approval must come from someone else.
      requestedBy: caller.principal.id,
      ...(p.replacesPaymentId !== undefined ? { replacesPaymentId: p.replacesPaymentId } : {}),
    };
    // A refused request leaves the account it brought in the vault, on purpose: equal values have
    // equal references, so another request may at this moment refer to the same account, and
    // deleting the row would take the value from under that request's event. A value no event
    // refers to is never shown: values are revealed only through the references events carry.
    // The payment, the batch's hold, the project's claim, checked against the payee household: one decision, one append.
    await this.commands.decide<PaymentBoundary>({
        payment: { stream: Streams.payment(p.paymentId), decider: paymentDecider },
        batch: { stream: Streams.fundBatch(batchId), decider: fundBatchDecider },
        project: { stream: Streams.project(p.projectId), decider: projectDecider },
        ...(p.payee.type === 'household' ? { household: { stream: Streams.household(p.payee.id), decider: householdDecider } } : {}),
        // A re-payment records itself on the payment it replaces, in the same append: one replacement per failed payment.
        ...(p.replacesPaymentId !== undefined && p.replacesPaymentId !== p.paymentId
          ? { replaced: { stream: Streams.payment(p.replacesPaymentId), decider: paymentDecider } } : {}),
      // (the optional household makes its fold's state `HouseholdState | undefined` to the compiler)
    } as Boundary<PaymentBoundary>, (s) => decideRequestPayment({ request, rules }, s), `payment:${p.paymentId}:request`, commandOrigin(caller));
    return this.payment(p.paymentId);
  }

  async recordMilestone(caller: Caller, projectId: string, m: Omit<MilestoneData, 'projectId'>) {
    const project = await this.project(projectId);
    assertInScope(caller.principal, project.definition.unitCode, `project ${projectId}`);
    this.notFuture(m.date, 'date');
    await this.commands.handle(projectDecider, Streams.project(projectId), { type: 'RecordMilestone', milestone: m }, `project:${projectId}:milestone:${m.milestoneId}`, commandOrigin(caller));
    return this.project(projectId);
  }

  async household(householdId: string): Promise<Exclude<HouseholdState, { status: 'none' }>> {
    const s = await this.commands.peek(householdDecider, Streams.household(householdId));
    if (s.status === 'none') throw notFound('household_not_found', `household ${householdId} is not registered`, 'householdId');
    return s;
  }

  async registerHousehold(caller: Caller, h: {
    householdId: string; unitCode: string; head: { name: string; idNumber: string; birthYear?: number };
    members: Array<{ name: string; idNumber: string; relation: PersonRecord['relation']; birthYear?: number }>;
    category: HouseholdRegistered['data']['category']; causes: HouseholdRegistered['data']['causes']; registeredOn: string;
  }) {
    assertInScope(caller.principal, h.unitCode, 'the household village');
    this.notFuture(h.registeredOn, 'registeredOn');
    await this.requireUnit(h.unitCode, 'unitCode', ['village']);
    const people = [{ ...h.head, relation: 'head' as const, field: 'head.idNumber' },
      ...h.members.map((m, i) => ({ ...m, field: `members[${i}].idNumber` }))];
    const members: PersonRecord[] = [];
    const refs: Array<{ ref: string; field: string }> = [];
    for (const person of people) {
      const { idNumber, birthDate } = validateIdNumber(person.idNumber, person.field);
      const year = Number(birthDate.slice(0, 4));
      if (person.birthYear !== undefined && person.birthYear !== year) {
        throw invalid('birth_year_mismatch', `${person.field.replace('.idNumber', '.birthYear')} is ${person.birthYear} but the identity number says ${year}`,
          person.field.replace('.idNumber', '.birthYear'));
      }
      if (birthDate > h.registeredOn) throw invalid('born_after_registration', `${person.field} was born after the registration date`, person.field);
      // Stored even if the registration is refused: see requestPayment on why a value is never deleted from under a race.
      const { ref, masked } = await this.vault.protect('id_number', idNumber);
      members.push({ name: person.name, idRef: ref, idMasked: masked, birthYear: year, relation: person.relation });
      refs.push({ ref, field: person.field });
    }
    const registration = { householdId: h.householdId, unitCode: h.unitCode, members, category: h.category, causes: h.causes, registeredOn: h.registeredOn };
    let claimed: string[] = [];
    try {
      // Judged from the other household's own stream, not the read side, which may not have caught up with it yet.
      const mayName = async (other: string) => {
        const o = await this.commands.peek(householdDecider, Streams.household(other));
        return o.status !== 'none' && withinScope(caller.principal.scope, o.registration.unitCode);
      };
      claimed = await this.vault.claimIdentities(h.householdId, refs, mayName);
      await this.commands.handle(householdDecider, Streams.household(h.householdId), { type: 'RegisterHousehold', registration },
        `household:${h.householdId}:register`, commandOrigin(caller));
    } catch (e) {
      await this.vault.releaseIdentities(h.householdId, claimed);
      throw e;
    }
    return this.household(h.householdId);
  }

  async changeHouseholdStatus(caller: Caller, householdId: string, c: { status: 'exited' | 'relapsed' | 'removed'; date: string; reason: string; documentNo: string | null }) {
    const h = await this.household(householdId);
    assertInScope(caller.principal, h.registration.unitCode, `household ${householdId}`);
    this.notFuture(c.date, 'date');
    const r = await this.commands.handle(householdDecider, Streams.household(householdId), { type: 'ChangeStatus', change: { householdId, ...c } },
      `household:${householdId}:status`, commandOrigin(caller));
    // 剔除 frees the identity numbers for a lawful registration elsewhere; the money trail keeps its refs.
    if (r.events.some((e) => e.type === 'HouseholdStatusChanged' && e.data.status === 'removed')) await this.vault.releaseIdentities(householdId);
    return this.household(householdId);
  }

  private async paymentInScope(caller: Caller, paymentId: string) {
    const p = await this.payment(paymentId);
    assertInScope(caller.principal, p.request.unitCode, `payment ${paymentId}`);
    return p;
  }

  /** The streams a payment's later steps touch: the payment, its funding batch and its project. */
  private paymentBoundary(p: Exclude<PaymentState, { status: 'none' }>) {
    const r = p.request;
    return {
      payment: { stream: Streams.payment(r.paymentId), decider: paymentDecider },
      batch: { stream: Streams.fundBatch(r.batchId), decider: fundBatchDecider },
      project: { stream: Streams.project(r.projectId), decider: projectDecider },
    };
  }

  /**
   * 审核 on its business date. The command id names the outcome: an approval and a rejection are
   * different commands, so neither can ever be taken for a retry of the other.
   */
  async decidePayment(caller: Caller, paymentId: string, d: { approved: boolean; comment: string; effectiveDate: string }) {
    const p = await this.paymentInScope(caller, paymentId);
    this.notFuture(d.effectiveDate, 'effectiveDate');
    // An approval changes the payment only; a rejection also releases the hold and the claim.
    const { payment, batch, project } = this.paymentBoundary(p);
    const decide = (s: Pick<PaymentBoundary, 'payment'> & Partial<PaymentBoundary>) => decidePaymentDecision({ ...d, approver: caller.principal.id }, s);
    const commandId = `payment:${paymentId}:${d.approved ? 'approve' : 'reject'}`;
    if (d.approved) await this.commands.decide<Pick<PaymentBoundary, 'payment'>>({ payment }, decide, commandId, commandOrigin(caller));
    else await this.commands.decide<Omit<PaymentBoundary, 'household'>>({ payment, batch, project }, decide, commandId, commandOrigin(caller));
    return this.payment(paymentId);
  }

  async executePayment(caller: Caller, paymentId: string, x: { channel: Channel; bankReference: string; effectiveDate: string }) {
    const p = await this.paymentInScope(caller, paymentId);
    this.notFuture(x.effectiveDate, 'effectiveDate');
    const { payment, batch } = this.paymentBoundary(p);
    // The bank reference's own stream makes it unique per channel across every process; a reference not in its key form
    // also reads the stream such a reference was kept in before (Streams.bankReferenceAsWritten).
    const bankReference = { stream: Streams.bankReference(x.channel, x.bankReference), decider: bankReferenceFold };
    const asWritten = Streams.bankReferenceAsWritten(x.channel, x.bankReference);
    type Boundary = Pick<PaymentBoundary, 'payment' | 'batch'> & { bankReference: BankReferenceState; bankReferenceAsWritten?: BankReferenceState };
    const boundary = asWritten === bankReference.stream ? { payment, batch, bankReference }
      : { payment, batch, bankReference, bankReferenceAsWritten: { stream: asWritten, decider: bankReferenceFold } };
    await this.commands.decide<Boundary>(boundary as Parameters<typeof this.commands.decide<Boundary>>[0],
      (s) => decideExecution(x, s), `payment:${paymentId}:execute`, commandOrigin(caller));
    return this.payment(paymentId);
  }

  async failPayment(caller: Caller, paymentId: string, f: { reason: string; effectiveDate: string }) {
    const p = await this.paymentInScope(caller, paymentId);
    this.notFuture(f.effectiveDate, 'effectiveDate');
    await this.commands.decide<Omit<PaymentBoundary, 'household'>>(this.paymentBoundary(p), (s) => decideFailure(f, s), `payment:${paymentId}:fail`, commandOrigin(caller));
    return this.payment(paymentId);
  }

  async reversePayment(caller: Caller, paymentId: string, v: { reason: string; effectiveDate: string; documentNo: string }) {
    const p = await this.paymentInScope(caller, paymentId);
    this.notFuture(v.effectiveDate, 'effectiveDate');
    await this.commands.decide<Omit<PaymentBoundary, 'household'>>(this.paymentBoundary(p), (s) => decideReversal(v, s), `payment:${paymentId}:reverse`, commandOrigin(caller));
    return this.payment(paymentId);
  }
}

/** The write-side view of a batch returned by its commands. */
export function batchResource(s: OpenBatch) {
  const f = batchFigures(s);
  const h = s.header;
  return {
    batchId: h.batchId, documentNo: h.documentNo, title: h.title, source: h.source, issuerLevel: h.issuerLevel,
    recipientUnitCode: h.recipientUnitCode, fiscalYear: h.fiscalYear, purpose: h.purpose, countsTowardHouseholdShare: h.countsTowardHouseholdShare,
    effectiveDate: h.effectiveDate, parentBatchId: h.parentBatchId, rootBatchId: h.rootBatchId, rootDocumentNo: h.rootDocumentNo,
    status: s.status, amount: formatFen(fenFromJson(h.amountFen)), ...figuresInYuan(f),
  };
}

/** accounts: the accounts the reader may see, by ref (empty for a reader who sees masked data). */
export function paymentResource(p: Exclude<PaymentState, { status: 'none' }>, accounts: Map<string, string>) {
  const r = p.request;
  const { accountRef, accountMasked, ...payee } = r.payee;
  return {
    paymentId: r.paymentId, projectId: r.projectId, allocationId: r.allocationId, batchId: r.batchId, status: p.status,
    payee: { ...payee, account: accounts.get(accountRef) ?? accountMasked },
    amount: formatFen(fenFromJson(r.amountFen)), purpose: r.purpose, installment: r.installment, effectiveDate: r.effectiveDate,
    requestedBy: r.requestedBy, decidedBy: p.decidedBy ?? null,
  };
}
