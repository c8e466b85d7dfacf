import { Inject, Injectable } from '@nestjs/common';
import { KeyedMutex } from '@yuantrace/event-store';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../infrastructure/tokens';
import {
  adminUnitDecider,
  batchFigures,
  checkPaymentAgainstProject,
  eligibilityOn,
  householdDecider,
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
  conflict,
  invalid,
  notFound,
  paymentDecider,
  projectDecider,
  ruleBroken,
  Streams,
  withinScope,
  assertInScope,
  type AdminUnitState,
  type BatchHeader,
  type Channel,
  type Fen,
  type FundSource,
  type IssuerLevel,
  type OpenBatch,
  type PaymentState,
  type Principal,
  type ProjectDefinition,
  type ProjectState,
  type UnitLevel,
} from '@yuantrace/domain';

import { PersonalDataVault } from '../personal-data/personal-data-vault';
import { CommandHandler, type CommandOrigin, type StoredEvent } from './command-handler';
import { followUp } from './ledger-flows';

export type Caller = { principal: Principal; correlationId: string };

const origin = (c: Caller): CommandOrigin => ({ actor: { principalId: c.principal.id, role: c.principal.role }, correlationId: c.correlationId });

/**
 * The write side of the fund ledger behind the HTTP controllers. Each method checks what only
 * other streams can tell (does the parent unit exist, is the project in scope), then runs the
 * command; flows that cross streams run their second leg inline and the process manager
 * completes it if this process dies in between.
 */
@Injectable()
export class LedgerService {
  /** Payment requests for one project queue here: the budget and advance checks read totals across streams. */
  private readonly perProject = new KeyedMutex();

  constructor(
    private readonly commands: CommandHandler,
    private readonly vault: PersonalDataVault,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** A test hook: simulate a crash between the two legs of a flow (YUANTRACE_FAULT=crash-between-legs). */
  private async secondLeg(stored: StoredEvent[]) {
    if (process.env.YUANTRACE_FAULT === 'crash-between-legs') process.kill(process.pid, 'SIGKILL');
    for (const e of stored) await followUp(this.commands, e);
  }

  async unit(code: string): Promise<AdminUnitState> {
    return this.commands.load(adminUnitDecider, Streams.adminUnit(code));
  }

  async registerAdminUnit(caller: Caller, u: { code: string; name: string; level: UnitLevel; parentCode: string | null }) {
    assertInScope(caller.principal, u.code, 'this unit');
    const parent = u.parentCode ? await this.unit(u.parentCode) : undefined;
    const r = await this.commands.handle(adminUnitDecider, Streams.adminUnit(u.code), { ...u, parent }, `adminunit:${u.code}:${u.name}`, origin(caller));
    return r.state;
  }

  private async requireUnit(code: string, field: string, levels?: UnitLevel[]) {
    const unit = await this.unit(code);
    if (unit.status !== 'registered') throw ruleBroken('unit_not_found', `admin unit ${code} is not registered`, field);
    if (levels && !levels.includes(unit.level)) throw ruleBroken('unit_level_not_allowed', `unit ${code} is a ${unit.level}; expected ${levels.join(' or ')}`, field);
    return unit;
  }

  async batch(batchId: string): Promise<OpenBatch> {
    const s = await this.commands.load(fundBatchDecider, Streams.fundBatch(batchId));
    if (s.status === 'none') throw notFound('batch_not_found', `fund batch ${batchId} does not exist`, 'batchId');
    return s;
  }

  async issueBatch(caller: Caller, b: {
    batchId: string; documentNo: string; title: string; source: FundSource; issuerLevel: IssuerLevel; recipientUnitCode: string;
    fiscalYear: number; amount: Fen; effectiveDate: string; purpose: string; countsTowardHouseholdShare: boolean;
  }) {
    assertInScope(caller.principal, b.recipientUnitCode, 'the recipient unit');
    await this.requireUnit(b.recipientUnitCode, 'recipientUnitCode');
    const header: BatchHeader = {
      batchId: b.batchId, parentBatchId: null, allocationId: null, rootBatchId: b.batchId, rootDocumentNo: b.documentNo, documentNo: b.documentNo,
      title: b.title, source: b.source, issuerLevel: b.issuerLevel, recipientUnitCode: b.recipientUnitCode, fiscalYear: b.fiscalYear,
      purpose: b.purpose, countsTowardHouseholdShare: b.countsTowardHouseholdShare, amountFen: fenToJson(b.amount), effectiveDate: b.effectiveDate,
    };
    await this.commands.handle(fundBatchDecider, Streams.fundBatch(b.batchId), { type: 'IssueBatch', header }, `fundbatch:${b.batchId}:issue`, origin(caller));
    return this.batch(b.batchId);
  }

  async allocate(caller: Caller, batchId: string, a: {
    allocationId: string; target: { type: 'batch'; batchId: string; recipientUnitCode: string } | { type: 'project'; projectId: string };
    amount: Fen; effectiveDate: string; documentNo: string;
  }) {
    const batch = await this.batch(batchId);
    assertInScope(caller.principal, batch.header.recipientUnitCode, `fund batch ${batchId}`);
    if (a.target.type === 'batch') {
      const t = a.target;
      await this.requireUnit(t.recipientUnitCode, 'target.recipientUnitCode');
      if (t.recipientUnitCode === batch.header.recipientUnitCode || !withinScope(batch.header.recipientUnitCode, t.recipientUnitCode)) {
        throw ruleBroken('recipient_not_below', `a sub-allocation goes to a unit below ${batch.header.recipientUnitCode}; ${t.recipientUnitCode} is not`, 'target.recipientUnitCode');
      }
      const child = await this.commands.load(fundBatchDecider, Streams.fundBatch(t.batchId));
      const sameAllocation = child.status !== 'none' && child.header.parentBatchId === batchId && child.header.allocationId === a.allocationId;
      if (child.status !== 'none' && !sameAllocation) {
        throw ruleBroken('batch_id_taken', `fund batch ${t.batchId} already exists; choose a new id for the child batch`, 'target.batchId');
      }
    } else {
      const project = await this.project(a.target.projectId, 'target.projectId');
      if (!withinScope(batch.header.recipientUnitCode, project.definition.unitCode)) {
        throw ruleBroken('project_outside_batch_unit', `project ${a.target.projectId} is in ${project.definition.unitCode}, outside ${batch.header.recipientUnitCode} that received batch ${batchId}`, 'target.projectId');
      }
      const used = project.funding[a.allocationId];
      if (used && used.batchId !== batchId) throw ruleBroken('allocation_id_taken', `allocation ${a.allocationId} already funds this project from batch ${used.batchId}`, 'allocationId');
    }
    const r = await this.commands.handle(fundBatchDecider, Streams.fundBatch(batchId), { type: 'Allocate', ...a }, `fundbatch:${batchId}:allocate:${a.allocationId}`, origin(caller));
    await this.secondLeg(r.stored);
    const line = (await this.batch(batchId)).lines.get(a.allocationId)!;
    return { batchId, allocationId: a.allocationId, target: line.target, amount: formatFen(line.amount), effectiveDate: a.effectiveDate, documentNo: a.documentNo };
  }

  async returnFunds(caller: Caller, batchId: string, r: { returnId: string; amount: Fen; reason: string; effectiveDate: string; allocationId?: string }) {
    const batch = await this.batch(batchId);
    assertInScope(caller.principal, batch.header.recipientUnitCode, `fund batch ${batchId}`);
    const res = await this.commands.handle(fundBatchDecider, Streams.fundBatch(batchId), { type: 'ReturnUnspent', ...r }, `fundbatch:${batchId}:return:${r.returnId}`, origin(caller));
    await this.secondLeg(res.stored);
    return { batchId, returnId: r.returnId, amount: formatFen(r.amount), toBatchId: r.allocationId ? batchId : batch.header.parentBatchId,
      fromAllocationId: r.allocationId ?? null, reason: r.reason, effectiveDate: r.effectiveDate };
  }

  async closeBatch(caller: Caller, batchId: string, effectiveDate: string) {
    const batch = await this.batch(batchId);
    assertInScope(caller.principal, batch.header.recipientUnitCode, `fund batch ${batchId}`);
    await this.commands.handle(fundBatchDecider, Streams.fundBatch(batchId), { type: 'CloseBatch', effectiveDate }, `fundbatch:${batchId}:close`, origin(caller));
    return this.batch(batchId);
  }

  async project(projectId: string, field = 'projectId'): Promise<Extract<ProjectState, { status: 'proposed' }>> {
    const s = await this.commands.load(projectDecider, Streams.project(projectId));
    if (s.status === 'none') throw (field === 'projectId' ? notFound : ruleBroken)('project_not_found', `project ${projectId} does not exist`, field);
    return s;
  }

  async proposeProject(caller: Caller, d: ProjectDefinition) {
    assertInScope(caller.principal, d.unitCode, 'the project unit');
    await this.requireUnit(d.unitCode, 'unitCode', ['village', 'county', 'township']);
    await this.commands.handle(projectDecider, Streams.project(d.projectId), { type: 'ProposeProject', definition: d }, `project:${d.projectId}:propose`, origin(caller));
    return this.project(d.projectId);
  }

  async payment(paymentId: string): Promise<Exclude<PaymentState, { status: 'none' }>> {
    const s = await this.commands.load(paymentDecider, Streams.payment(paymentId));
    if (s.status === 'none') throw notFound('payment_not_found', `payment ${paymentId} does not exist`, 'paymentId');
    return s;
  }

  async requestPayment(caller: Caller, p: {
    paymentId: string; projectId: string; allocationId: string; payee: { type: string; id: string; name: string; account: string };
    amount: Fen; purpose: string; installment: string; effectiveDate: string;
  }) {
    return this.perProject.run(p.projectId, () => this.requestPaymentNow(caller, p));
  }

  /** What a project has claimed so far (held or paid), and how much of it as advances: running totals of its funding lines. */
  private async projectTotals(project: Extract<ProjectState, { status: 'proposed' }>) {
    let claimed = 0n;
    let advances = 0n;
    for (const line of Object.values(project.funding)) {
      const l = (await this.batch(line.batchId)).lines.get(line.allocationId);
      if (!l) continue;
      claimed += l.held + l.paid;
      advances += l.advances;
    }
    return { claimed, advances };
  }

  private async requestPaymentNow(caller: Caller, p: Parameters<LedgerService['requestPayment']>[1]) {
    const project = await this.project(p.projectId, 'projectId');
    assertInScope(caller.principal, project.definition.unitCode, `project ${p.projectId}`);
    const line = project.funding[p.allocationId];
    if (!line) throw ruleBroken('allocation_not_for_project', `allocation ${p.allocationId} was not made to project ${p.projectId}`, 'allocationId');
    const existing = await this.commands.load(paymentDecider, Streams.payment(p.paymentId));
    if (existing.status !== 'none') {
      // A repeated request must be the same request; anything else is refused before a hold is written anywhere.
      const r = existing.request;
      const same = r.requestedBy === caller.principal.id && r.projectId === p.projectId && r.allocationId === p.allocationId && r.amountFen === fenToJson(p.amount)
        && r.installment === p.installment && r.effectiveDate === p.effectiveDate && r.purpose === p.purpose && r.payee.type === p.payee.type
        && r.payee.id === p.payee.id && r.payee.name === p.payee.name && r.payee.accountRef === this.vault.refOf('account', p.payee.account);
      if (!same) throw conflict('id_reused_with_different_payload', `payment ${p.paymentId} exists with different details`, 'paymentId');
      return this.payment(p.paymentId);
    }
    const rules = ruleInForce(this.config.paymentRules, p.effectiveDate);
    checkPaymentAgainstProject(project, p, await this.projectTotals(project), rules);
    if (p.payee.type === 'household') {
      const household = await this.commands.load(householdDecider, Streams.household(p.payee.id));
      const eligibility = eligibilityOn(household, p.effectiveDate);
      if (eligibility === 'not_registered') {
        throw ruleBroken('payee_household_not_registered', `household ${p.payee.id} is not a registered household on ${p.effectiveDate}`, 'payee.id');
      }
      if (eligibility === 'removed') throw ruleBroken('payee_household_removed', `household ${p.payee.id} was removed (剔除) before ${p.effectiveDate}`, 'payee.id');
    }
    const account = await this.vault.protect('account', p.payee.account);
    const payee = { type: p.payee.type, id: p.payee.id, name: p.payee.name, accountRef: account.ref, accountMasked: account.masked };
    const undoVault = () => (account.inserted ? this.vault.forget(account.ref) : Promise.resolve());
    const request = {
      paymentId: p.paymentId, projectId: p.projectId, allocationId: p.allocationId, batchId: line.batchId, payee,
      amountFen: fenToJson(p.amount), purpose: p.purpose, installment: p.installment, effectiveDate: p.effectiveDate,
      unitCode: project.definition.unitCode,
      // The requester is part of the request: approval must come from someone else.
      requestedBy: caller.principal.id,
      rules: { effectiveFrom: rules.effectiveFrom, advanceMaxPercent: rules.advanceMaxPercent },
    };
    let r;
    try {
      r = await this.commands.handle(fundBatchDecider, Streams.fundBatch(line.batchId), { type: 'Hold', request }, `payment:${p.paymentId}:hold`, origin(caller));
    } catch (e) {
      await undoVault();
      throw e;
    }
    await this.secondLeg(r.stored);
    return this.payment(p.paymentId);
  }

  async recordMilestone(caller: Caller, projectId: string, m: Omit<MilestoneData, 'projectId'>) {
    const project = await this.project(projectId);
    assertInScope(caller.principal, project.definition.unitCode, `project ${projectId}`);
    await this.commands.handle(projectDecider, Streams.project(projectId), { type: 'RecordMilestone', milestone: m }, `project:${projectId}:milestone:${m.milestoneId}`, origin(caller));
    return this.project(projectId);
  }

  async household(householdId: string): Promise<Exclude<HouseholdState, { status: 'none' }>> {
    const s = await this.commands.load(householdDecider, Streams.household(householdId));
    if (s.status === 'none') throw notFound('household_not_found', `household ${householdId} is not registered`, 'householdId');
    return s;
  }

  async registerHousehold(caller: Caller, h: {
    householdId: string; unitCode: string; head: { name: string; idNumber: string; birthYear?: number };
    members: Array<{ name: string; idNumber: string; relation: PersonRecord['relation']; birthYear?: number }>;
    category: HouseholdRegistered['data']['category']; causes: HouseholdRegistered['data']['causes']; registeredOn: string;
  }) {
    assertInScope(caller.principal, h.unitCode, 'the household village');
    await this.requireUnit(h.unitCode, 'unitCode', ['village']);
    const people = [{ ...h.head, relation: 'head' as const, field: 'head.idNumber' },
      ...h.members.map((m, i) => ({ ...m, field: `members[${i}].idNumber` }))];
    const members: PersonRecord[] = [];
    const refs: Array<{ ref: string; field: string }> = [];
    const newlyStored: string[] = [];
    for (const person of people) {
      const { idNumber, birthDate } = validateIdNumber(person.idNumber, person.field);
      const year = Number(birthDate.slice(0, 4));
      if (person.birthYear !== undefined && person.birthYear !== year) {
        throw invalid('birth_year_mismatch', `${person.field.replace('.idNumber', '.birthYear')} is ${person.birthYear} but the identity number says ${year}`,
          person.field.replace('.idNumber', '.birthYear'));
      }
      if (birthDate > h.registeredOn) throw invalid('born_after_registration', `${person.field} was born after the registration date`, person.field);
      const { ref, masked, inserted } = await this.vault.protect('id_number', idNumber);
      if (inserted) newlyStored.push(ref);
      members.push({ name: person.name, idRef: ref, idMasked: masked, birthYear: year, relation: person.relation });
      refs.push({ ref, field: person.field });
    }
    const registration = { householdId: h.householdId, unitCode: h.unitCode, members, category: h.category, causes: h.causes, registeredOn: h.registeredOn };
    let claimed: string[] = [];
    try {
      claimed = await this.vault.claimIdentities(h.householdId, refs, caller.principal.scope);
      await this.commands.handle(householdDecider, Streams.household(h.householdId), { type: 'RegisterHousehold', registration },
        `household:${h.householdId}:register`, origin(caller));
    } catch (e) {
      await this.vault.releaseIdentities(h.householdId, claimed);
      for (const ref of newlyStored) await this.vault.forget(ref);
      throw e;
    }
    return this.household(h.householdId);
  }

  async changeHouseholdStatus(caller: Caller, householdId: string, c: { status: 'exited' | 'relapsed' | 'removed'; date: string; reason: string; documentNo: string | null }) {
    const h = await this.household(householdId);
    assertInScope(caller.principal, h.registration.unitCode, `household ${householdId}`);
    const r = await this.commands.handle(householdDecider, Streams.household(householdId), { type: 'ChangeStatus', change: { householdId, ...c } },
      `household:${householdId}:status`, origin(caller));
    // 剔除 frees the identity numbers for a lawful registration elsewhere; the money trail keeps its refs.
    if (r.events.some((e) => e.type === 'HouseholdStatusChanged' && e.data.status === 'removed')) await this.vault.releaseIdentities(householdId);
    return this.household(householdId);
  }

  private async paymentInScope(caller: Caller, paymentId: string) {
    const p = await this.payment(paymentId);
    assertInScope(caller.principal, p.request.unitCode, `payment ${paymentId}`);
    return p;
  }

  async decidePayment(caller: Caller, paymentId: string, d: { approved: boolean; comment: string }) {
    await this.paymentInScope(caller, paymentId);
    const r = await this.commands.handle(paymentDecider, Streams.payment(paymentId), { type: 'Decide', approver: caller.principal.id, ...d },
      `payment:${paymentId}:decide`, origin(caller));
    await this.secondLeg(r.stored);
    return this.payment(paymentId);
  }

  async executePayment(caller: Caller, paymentId: string, x: { channel: Channel; bankReference: string; effectiveDate: string }) {
    await this.paymentInScope(caller, paymentId);
    const r = await this.commands.handle(paymentDecider, Streams.payment(paymentId), { type: 'Execute', ...x }, `payment:${paymentId}:settle`, origin(caller));
    await this.secondLeg(r.stored);
    return this.payment(paymentId);
  }

  async failPayment(caller: Caller, paymentId: string, f: { reason: string; effectiveDate: string }) {
    await this.paymentInScope(caller, paymentId);
    const r = await this.commands.handle(paymentDecider, Streams.payment(paymentId), { type: 'Fail', ...f }, `payment:${paymentId}:settle`, origin(caller));
    await this.secondLeg(r.stored);
    return this.payment(paymentId);
  }

  async reversePayment(caller: Caller, paymentId: string, v: { reason: string; effectiveDate: string; documentNo: string }) {
    await this.paymentInScope(caller, paymentId);
    const r = await this.commands.handle(paymentDecider, Streams.payment(paymentId), { type: 'Reverse', ...v }, `payment:${paymentId}:reverse`, origin(caller));
    await this.secondLeg(r.stored);
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
    status: s.status, amount: formatFen(fenFromJson(h.amountFen)), received: formatFen(f.received), allocated: formatFen(f.allocatedToBatches + f.committedToProjects),
    held: formatFen(f.held), paid: formatFen(f.paid), returned: formatFen(f.returnedUp), balance: formatFen(f.balance),
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
