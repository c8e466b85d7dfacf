import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { applyRuleChanges, DEFAULT_RULE_SET, RED_FLAG_VARIANTS, type BatchHeader, type LedgerEvent, type PaymentRequestPayload } from '@yuantrace/domain';
import { PgliteDb, type RecordedEvent } from '@yuantrace/event-store';
import { unitPrefix } from '../queries/regions/region-queries';
import { alertsByIds, listAlerts } from './alert-queries';
import { redFlagsProjection } from './red-flags.projection';

/**
 * The detectors, given events (some of them only possible in records imported from before the
 * ledger's command rules), on an in-memory PGlite: which findings they raise, which clean records
 * they leave alone, and how the rule set in force and the time axes change the list.
 */
const VILLAGE = '990101001001', TOWNSHIP = '990101001000', COUNTY = '990101000000', PROVINCE = '990000000000';
let seq = 0;
const clock = { t: Date.parse('2026-01-01T00:00:00Z') };
const recorded = (stream: string, event: LedgerEvent, actor = 'clerk'): RecordedEvent => {
  seq++;
  clock.t += 1000;
  return { id: randomUUID(), streamId: stream, revision: 0n, type: event.type, data: event.data as unknown as Record<string, unknown>,
    metadata: { actor: { principalId: actor, role: 'finance' } } as RecordedEvent['metadata'], position: { commit: BigInt(seq), prepare: BigInt(seq) },
    recordedAt: new Date(clock.t) };
};
const header = (batchId: string, over: Partial<BatchHeader>): BatchHeader => ({ batchId, parentBatchId: null, allocationId: null, rootBatchId: batchId,
  rootDocumentNo: 'D', documentNo: 'D', title: 't', source: 'PROVINCIAL_POVERTY', issuerLevel: 'PROVINCIAL', recipientUnitCode: PROVINCE, fiscalYear: 2016,
  purpose: 'p', countsTowardHouseholdShare: false, amountFen: '100000', effectiveDate: '2016-02-01', ...over });
const allocation = (batchId: string, allocationId: string, target: { type: 'batch'; batchId: string; recipientUnitCode: string } | { type: 'project'; projectId: string },
  amountFen: string, effectiveDate: string): LedgerEvent => ({ type: 'FundsAllocated', data: { batchId, allocationId, target, amountFen, effectiveDate, documentNo: 'D1',
  rootBatchId: 'R', source: 'PROVINCIAL_POVERTY', fiscalYear: 2016, purpose: 'p' } });
const person = (idRef: string, birthYear: number, relation: 'head' | 'child' = 'head') => ({ name: '某', idRef, idMasked: '***', birthYear, relation });
const household = (householdId: string, members: ReturnType<typeof person>[]): LedgerEvent => ({ type: 'HouseholdRegistered', data: { householdId, unitCode: VILLAGE,
  members, category: 'general', causes: ['ILLNESS'], registeredOn: '2015-12-01' } });
const project = (projectId: string, type: 'ROAD' | 'EDUCATION' | 'INDUSTRY', unitCode = VILLAGE): LedgerEvent => ({ type: 'ProjectProposed', data: { projectId, name: projectId,
  type, unitCode, implementer: 'x', budgetFen: '10000000', plannedStart: '2016-01-01', plannedEnd: '2018-12-31' } });
const milestone = (projectId: string, kind: 'publicized' | 'accepted', date: string, over: { publicUntil?: string; result?: 'passed' } = {}): LedgerEvent => ({
  type: 'ProjectMilestoneRecorded', data: { projectId, milestoneId: `${projectId}-${kind}-${date}`, kind, date, percentComplete: null, result: over.result ?? null,
    publicUntil: over.publicUntil ?? null, documentNo: null, note: null } });
type PaymentSpec = { id: string; project: string; payee: string; payeeType?: string; account?: string; amount: string; date: string; installment?: string;
  channel?: 'bank_transfer' | 'cash' | 'one_card'; bankReference?: string; requestedBy?: string; approvedBy?: string };
const payment = (p: PaymentSpec): RecordedEvent[] => {
  const request: PaymentRequestPayload = { paymentId: p.id, projectId: p.project, allocationId: 'L', batchId: 'C', unitCode: VILLAGE,
    payee: { type: p.payeeType ?? 'household', id: p.payee, name: '某', accountRef: p.account ?? `acct-${p.id}`, accountMasked: '***1' }, amountFen: p.amount,
    purpose: 'x', installment: p.installment ?? 'single', effectiveDate: p.date, requestedBy: p.requestedBy ?? 'clerk' };
  return [
    recorded(`payment-${p.id}`, { type: 'PaymentRequested', data: request }),
    recorded(`payment-${p.id}`, { type: 'PaymentApproved', data: { paymentId: p.id, approvedBy: p.approvedBy ?? 'boss', comment: '', effectiveDate: p.date } }),
    recorded(`payment-${p.id}`, { type: 'PaymentExecuted', data: { paymentId: p.id, channel: p.channel ?? 'bank_transfer', bankReference: p.bankReference ?? `BR-${p.id}`,
      effectiveDate: p.date, amountFen: p.amount } }),
  ];
};

let db: PgliteDb;
const apply = async (events: RecordedEvent[]) => db.transaction((tx) => redFlagsProjection.apply(tx, events));
const ids = async (basis: { asOf?: string; knownAt?: Date } = {}, scope = '000000000000') =>
  (await listAlerts(db, basis, { unitPrefix: unitPrefix(scope), limit: 500, today: '2026-12-01' })).alerts.map((a) => a.alertId).sort();

/**
 * The usual list (no knownAt) reads the alerts the projection judged under the versions known
 * now; a knownAt works them out from the log's facts. Read at an instant after everything, the
 * two must be the same list, alert for alert, field for field, for every asOf and filter.
 */
const AFTER_EVERYTHING = new Date('2999-01-01T00:00:00Z');
async function expectReadyEqualsWorkedOut(d: PgliteDb = db) {
  const filters = [{}, { severity: 'red' }, { ruleId: 'R-24' }, { ruleId: 'R-01' }, { status: 'open' }, { subjectKind: 'batch' }, { variant: 'shared_account' },
    { subjectId: 'PAY-CASH' }, { limit: 3 }];
  for (const asOf of [undefined, '2016-03-31', '2016-05-30', '2017-01-01']) {
    for (const scope of ['000000000000', TOWNSHIP]) {
      for (const f of filters) {
        const read = async (knownAt?: Date) => {
          const { alerts, total, bySeverity, next } = await listAlerts(d, { asOf, knownAt }, { unitPrefix: unitPrefix(scope), limit: 500, today: '2026-12-01', ...f });
          // The second page too, through the cursor the first gave.
          const more = next ? (await listAlerts(d, { asOf, knownAt }, { unitPrefix: unitPrefix(scope), limit: 500, today: '2026-12-01', ...f, after: next })).alerts : [];
          return { asOf, scope, f, alerts, total, bySeverity, next, more };
        };
        expect(await read()).toEqual(await read(AFTER_EVERYTHING));
      }
    }
  }
  const every = (await listAlerts(d, {}, { unitPrefix: '', limit: 500, today: '2026-12-01' })).alerts.map((a) => a.alertId);
  const byId = async (knownAt?: Date) => (await alertsByIds(d, every, { knownAt })).sort((x, y) => x.alertId.localeCompare(y.alertId));
  expect(await byId()).toEqual(await byId(AFTER_EVERYTHING));
}

// Recorded in two batches: the roster arrives after the payments it implicates, and the detectors still find them.
const books: RecordedEvent[] = [
  // the document's lines add up to less than its total. R allocates everything it holds within days.
  recorded('fundbatch-R', { type: 'FundBatchIssued', data: header('R', { amountFen: '1200000', lineItems: [{ label: '甲', amountFen: '1000000' }] }) }),
  recorded('fundbatch-R', allocation('R', 'A-T', { type: 'batch', batchId: 'T', recipientUnitCode: TOWNSHIP }, '400000', '2016-03-01')),
  // T, a township, never passes its money on: R-01 after 30 days, R-24 after 90.
  recorded('fundbatch-T', { type: 'FundBatchIssued', data: header('T', { parentBatchId: 'R', allocationId: 'A-T', rootBatchId: 'R', recipientUnitCode: TOWNSHIP,
    amountFen: '400000', effectiveDate: '2016-03-01' }) }),
  recorded('fundbatch-R', allocation('R', 'A-P', { type: 'project', projectId: 'P' }, '600000', '2016-03-05')),
  // C2 was allocated 200,000 and booked 150,000 (an imported record): R-01 shrinkage. It passes its money on at once.
  recorded('fundbatch-R', allocation('R', 'A-C2', { type: 'batch', batchId: 'C2', recipientUnitCode: COUNTY }, '200000', '2016-03-05')),
  recorded('fundbatch-C2', { type: 'FundBatchIssued', data: header('C2', { parentBatchId: 'R', allocationId: 'A-C2', rootBatchId: 'R', recipientUnitCode: COUNTY,
    amountFen: '150000', effectiveDate: '2016-03-05' }) }),
  recorded('fundbatch-C2', allocation('C2', 'A-E', { type: 'project', projectId: 'EDU' }, '150000', '2016-03-06')),
  // Households: H4 claims H1's child (R-05, one identity in two households); H2 is removed in June.
  recorded('household-H1', household('H1', [person('id-a', 1970), person('id-k', 2006, 'child')])),
  recorded('household-H2', household('H2', [person('id-b', 1968)])),
  recorded('household-H3', household('H3', [person('id-c', 1965), person('id-s', 2000, 'child')])),
  recorded('household-H4', household('H4', [person('id-d', 1972), person('id-k', 2006, 'child')])),
  recorded('household-H2', { type: 'HouseholdStatusChanged', data: { householdId: 'H2', status: 'removed', date: '2016-06-01', reason: 'x', documentNo: null } }),
  // Projects: P's 公示 ran 3 days (R-10 on every payment); the others ran a full week.
  recorded('project-P', project('P', 'ROAD')),
  recorded('project-P', milestone('P', 'publicized', '2016-04-01', { publicUntil: '2016-04-03' })),
  recorded('project-EDU', project('EDU', 'EDUCATION', COUNTY)),
  recorded('project-EDU', milestone('EDU', 'publicized', '2016-03-01', { publicUntil: '2016-03-09' })),
  recorded('project-IND', project('IND', 'INDUSTRY')),
  recorded('project-IND', milestone('IND', 'publicized', '2016-03-01', { publicUntil: '2016-03-09' })),
  // R-14 (and R-10): a final installment with no acceptance.
  ...payment({ id: 'PAY-FINAL', project: 'P', payee: 'K', payeeType: 'contractor', amount: '300000', date: '2016-10-01', installment: 'final' }),
  // R-21: H1 has one pupil aged 10 (1,000 元) and is paid 1,500 元; H3's pupil is 16 and gets the right 2,000 元. H1 and H3 share an account (R-05).
  ...payment({ id: 'PAY-EDU-1', project: 'EDU', payee: 'H1', account: 'acct-shared', amount: '150000', date: '2016-09-15' }),
  ...payment({ id: 'PAY-EDU-3', project: 'EDU', payee: 'H3', amount: '200000', date: '2016-09-15' }),
  // paid after removal; paid to a household never registered.
  ...payment({ id: 'PAY-REMOVED', project: 'EDU', payee: 'H2', amount: '100000', date: '2016-07-01' }),
  ...payment({ id: 'PAY-GHOST', project: 'EDU', payee: 'H-NONE', amount: '100000', date: '2016-07-01' }),
  // industry support to H3 crosses 3,000 元 with the second payment; both carry one bank reference.
  ...payment({ id: 'PAY-IND-1', project: 'IND', payee: 'H3', account: 'acct-shared', amount: '200000', date: '2016-06-10', bankReference: 'BR-DUP' }),
  // The same transfer written another way (lower case, full-width, a space: as a record migrated from the old system may have it).
  ...payment({ id: 'PAY-IND-2', project: 'IND', payee: 'H3', account: 'acct-shared', amount: '150000', date: '2016-07-10', bankReference: 'ｂｒ- dup' }),
  // requested and approved by the same person.
  ...payment({ id: 'PAY-SELF', project: 'IND', payee: 'H1', amount: '50000', date: '2016-05-01', requestedBy: 'wang', approvedBy: 'wang' }),
  // cash to a household over 500 元 in 2018; not in 2017 (before the rule), not 400 元.
  ...payment({ id: 'PAY-CASH', project: 'IND', payee: 'H1', amount: '60000', date: '2018-03-01', channel: 'cash' }),
  ...payment({ id: 'PAY-CASH-2017', project: 'IND', payee: 'H1', amount: '80000', date: '2017-05-01', channel: 'cash' }),
  ...payment({ id: 'PAY-CASH-SMALL', project: 'IND', payee: 'H1', amount: '40000', date: '2018-03-02', channel: 'cash' }),
  // Paid to the work-team member's own account (R-31 once the roster knows the account).
  ...payment({ id: 'PAY-W', project: 'IND', payee: 'P-W', payeeType: 'person', account: 'acct-w', amount: '30000', date: '2016-08-01' }),
];
const roster: RecordedEvent[] = [
  // A village cadre whose declared relative (id-c) heads H3: every payment to H3 while the cadre serves is R-07.
  recorded('roster-Q', { type: 'RosterPersonRecorded', data: { personId: 'Q', name: '村支书', role: 'village_cadre', unitCode: VILLAGE, idRef: 'id-q', idMasked: '***',
    accountRef: null, accountMasked: null, from: '2015-01-01', relatives: [{ name: '亲', idRef: 'id-c', idMasked: '***', relation: 'sibling' }] } }),
  recorded('roster-W', { type: 'RosterPersonRecorded', data: { personId: 'W', name: '队员', role: 'work_team_member', unitCode: VILLAGE, idRef: 'id-w', idMasked: '***',
    accountRef: 'acct-w', accountMasked: '***', from: '2016-01-01', relatives: [] } }),
];
const expected = [
  'R-01.no_onward_movement.batch.T', 'R-01.received_less_than_allocated.batch.C2', 'R-05.duplicate_bank_reference.payment.PAY-IND-2',
  'R-05.identity_in_two_households.household.H4', 'R-05.payee_not_registered.payment.PAY-GHOST', 'R-05.payee_removed.payment.PAY-REMOVED',
  'R-05.shared_account.account.acct-shared', 'R-07.payee_related_to_cadre.payment.PAY-EDU-3', 'R-07.payee_related_to_cadre.payment.PAY-IND-1',
  'R-07.payee_related_to_cadre.payment.PAY-IND-2', 'R-10.paid_without_full_publicity.payment.PAY-FINAL', 'R-14.final_paid_before_acceptance.payment.PAY-FINAL',
  'R-20.declared_total_differs_from_lines.batch.R', 'R-21.education_off_standard.payment.PAY-EDU-1', 'R-21.industry_over_cap.household.H3',
  // H2 has no pupil: whatever it was paid from the education programme is off the standard.
  'R-21.education_off_standard.payment.PAY-REMOVED',
  'R-24.idle_after_receipt.batch.T', 'R-30.approver_is_requester.payment.PAY-SELF', 'R-31.payee_is_work_team.payment.PAY-W', 'R-35.cash_to_individual.payment.PAY-CASH',
].sort();

describe('red-flag detectors', () => {
  beforeAll(async () => {
    db = await PgliteDb.open(undefined);
    await db.transaction((tx) => redFlagsProjection.setup(tx));
    // In batches of seven: a payment's request, decision and execution fall in different batches, as they do when the log is followed live.
    for (let i = 0; i < books.length; i += 7) await apply(books.slice(i, i + 7));
    await apply(roster);
  });
  afterAll(async () => db.close());

  test('every planted finding is raised once, and nothing else', async () => {
    expect(await ids()).toEqual(expected);
    expect(await ids({ knownAt: AFTER_EVERYTHING })).toEqual(expected);
  });

  test('the alerts kept judged for the usual list are those worked out from the log at an instant after it', async () => {
    await expectReadyEqualsWorkedOut();
  });

  test('every rule and variant the detectors store is in the domain catalogue, which the list joins the rule-set versions through', async () => {
    // A variant a detector wrote but the catalogue lacks would have no severity and drop out of every list.
    const stored = (await db.query<{ pair: string }>(`select distinct rule_id || '.' || variant as pair from rm_alerts`)).rows.map((r) => r.pair);
    const catalogue = RED_FLAG_VARIANTS.map((x) => `${x.ruleId}.${x.variant}`);
    expect(stored.length).toBeGreaterThan(10);
    expect(stored.filter((p) => !catalogue.includes(p))).toEqual([]);
  });

  test('an alert names its rule, version, severity, subject, amounts, evidence and when it was raised on both axes', async () => {
    const [cash] = await alertsByIds(db, ['R-35.cash_to_individual.payment.PAY-CASH']);
    const exec = books.find((e) => e.type === 'PaymentExecuted' && e.data.paymentId === 'PAY-CASH')!;
    expect(cash).toMatchObject({ ruleId: 'R-35', ruleVersion: 1, severity: 'yellow', severityLabel: '黄', subject: { kind: 'payment', id: 'PAY-CASH' }, unitCode: VILLAGE,
      amount: '600.00', figures: { limit: '500.00' }, evidence: [exec.id], raisedOn: '2018-03-01', raisedAt: exec.recordedAt.toISOString() });
    const [cap] = await alertsByIds(db, ['R-21.industry_over_cap.household.H3']);
    expect(cap).toMatchObject({ severity: 'red', amount: '3500.00', figures: { cap: '3000.00' }, raisedOn: '2016-07-10', detail: { paymentId: 'PAY-IND-2' } });
    // The R-07 finding is known only once the roster is: its recorded time is the roster's.
    const [kin] = await alertsByIds(db, ['R-07.payee_related_to_cadre.payment.PAY-IND-1']);
    expect(kin.raisedAt).toBe(roster[0].recordedAt.toISOString());
    expect(kin.detail).toMatchObject({ personId: 'Q', role: 'village_cadre', link: 'relative', payeeId: 'H3' });
  });

  test('asOf: the time-judged rules fall due on their day; knownAt: the books before the roster knew no favouritism', async () => {
    const before = await ids({ asOf: '2016-03-30' });
    expect(before).not.toContain('R-01.no_onward_movement.batch.T');
    expect(await ids({ asOf: '2016-03-31' })).toContain('R-01.no_onward_movement.batch.T');
    expect(await ids({ asOf: '2016-05-29' })).not.toContain('R-24.idle_after_receipt.batch.T');
    expect(await ids({ asOf: '2016-05-30' })).toContain('R-24.idle_after_receipt.batch.T');
    const beforeRoster = await ids({ knownAt: new Date(roster[0].recordedAt.getTime() - 1) });
    expect(beforeRoster.filter((id) => id.startsWith('R-07') || id.startsWith('R-31'))).toEqual([]);
    expect(beforeRoster).toContain('R-35.cash_to_individual.payment.PAY-CASH');
  });

  test('scope: a township reader sees its own region only', async () => {
    // The province's batch R and the county's batch C2 lie above the township; everything else happened in it.
    expect(await ids({}, TOWNSHIP)).toEqual(expected.filter((id) => !id.endsWith('.batch.R') && !id.endsWith('.batch.C2')));
    expect(await ids({}, '990101002000')).toEqual([]);
  });

  test('a rule-set version disables R-35 from 2018 and raises the idle bound: judged by the version in force on each day, as known at knownAt', async () => {
    const v2 = applyRuleChanges(DEFAULT_RULE_SET, { type: 'AdoptRuleSet', version: 2, effectiveFrom: '2016-01-01', documentNo: '纪发〔2026〕1号', note: null,
      rules: { 'R-35': { enabled: false }, 'R-24': { params: { idleMinPercent: 100 } }, 'R-30': { severity: 'blue' } } });
    const adoption = recorded('ruleset-redflags', { type: 'RuleSetAdopted', data: v2 });
    await apply([adoption]);
    const now = await ids();
    expect(now).not.toContain('R-35.cash_to_individual.payment.PAY-CASH');
    expect(now).not.toContain('R-24.idle_after_receipt.batch.T');
    const [self] = await alertsByIds(db, ['R-30.approver_is_requester.payment.PAY-SELF']);
    expect(self).toMatchObject({ ruleVersion: 2, severity: 'blue' });
    expect(await ids({ knownAt: new Date(adoption.recordedAt.getTime() - 1) })).toEqual(expected);
    const page = await listAlerts(db, {}, { unitPrefix: '', limit: 500, today: '2026-12-01', severity: 'blue' });
    expect(page.alerts.map((a) => a.alertId)).toEqual(['R-30.approver_is_requester.payment.PAY-SELF']);
    await expectReadyEqualsWorkedOut();
  });

  test('a later version re-judges from its effective date: what it clears is withdrawn, what it finds is raised, both as of its adoption', async () => {
    const v2 = (await db.query<{ body: never }>('select body from rf_rule_sets where version = 2')).rows[0].body;
    const v3 = applyRuleChanges(v2, { type: 'AdoptRuleSet', version: 3, effectiveFrom: '2016-07-01', documentNo: null, note: null,
      rules: { 'R-35': { enabled: true, params: { cashLimitFen: 30000 } }, 'R-21': { params: { industryCapFen: 400000 } } } });
    const adoption = recorded('ruleset-redflags', { type: 'RuleSetAdopted', data: v3 });
    const before = new Date(adoption.recordedAt.getTime() - 1);
    await apply([adoption]);
    const now = await ids();
    // 400 元 in cash is over the new 300 元 limit; H3's 3,500 元 of industry support is under the new 4,000 元 cap.
    expect(now).toEqual(expect.arrayContaining(['R-35.cash_to_individual.payment.PAY-CASH', 'R-35.cash_to_individual.payment.PAY-CASH-SMALL']));
    expect(now).not.toContain('R-21.industry_over_cap.household.H3');
    const [small] = await alertsByIds(db, ['R-35.cash_to_individual.payment.PAY-CASH-SMALL']);
    expect(small).toMatchObject({ ruleVersion: 3, raisedOn: '2018-03-02', raisedAt: adoption.recordedAt.toISOString(), figures: { limit: '300.00' } });
    const then = await ids({ knownAt: before });
    expect(then).toContain('R-21.industry_over_cap.household.H3');
    expect(then).not.toContain('R-35.cash_to_individual.payment.PAY-CASH-SMALL');
    // Findings dated before the version's effective date are not touched: the 2016-06 payments stay as they were.
    expect(now).toContain('R-30.approver_is_requester.payment.PAY-SELF');
    await expectReadyEqualsWorkedOut();
  });

  test('a voided batch and later moves change the time-judged rules the list keeps ready', async () => {
    // T passes half its money on late (after R-01's 30 days, before R-24's 90), then a new child batch V is voided before it falls due.
    const late = recorded('fundbatch-T', allocation('T', 'A-V', { type: 'batch', batchId: 'V', recipientUnitCode: VILLAGE }, '200000', '2016-04-15'));
    const child = recorded('fundbatch-V', { type: 'FundBatchIssued', data: header('V', { parentBatchId: 'T', allocationId: 'A-V', rootBatchId: 'R',
      recipientUnitCode: VILLAGE, amountFen: '200000', effectiveDate: '2016-04-15' }) });
    await apply([late, child]);
    expect(await ids()).toContain('R-01.no_onward_movement.batch.V');
    await expectReadyEqualsWorkedOut();
    await apply([
      recorded('fundbatch-V', { type: 'FundBatchVoided', data: { batchId: 'V', amountFen: '200000', reason: '录入错误', effectiveDate: '2016-04-20', replacedBy: null,
        toBatchId: 'T', allocationId: 'A-V' } }),
      recorded('fundbatch-T', { type: 'AllocationVoided', data: { batchId: 'T', allocationId: 'A-V', childBatchId: 'V', amountFen: '200000', reason: '录入错误',
        effectiveDate: '2016-04-20' } }),
    ]);
    expect(await ids()).not.toContain('R-01.no_onward_movement.batch.V');
    await expectReadyEqualsWorkedOut();
  });

  test('an alert taken up by a case is in_case from the day it opened, and closed (销号) from the day the case closed, on both axes', async () => {
    const id = 'R-30.approver_is_requester.payment.PAY-SELF';
    const opened = recorded('case-K1', { type: 'CaseOpened', data: { caseId: 'K1', title: '核查', source: 'alert', subjectUnitCode: VILLAGE, alertIds: [id],
      crossInspection: false, dueDate: '2019-06-30', openedBy: 'insp', effectiveDate: '2019-01-10' } });
    const closed = recorded('case-K1', { type: 'CaseClosed', data: { caseId: 'K1', proposedBy: 'insp', confirmedBy: 'insp-2', comment: '整改到位',
      effectiveDate: '2019-03-01' } });
    await apply([opened, closed]);
    const statusOf = async (basis: { asOf?: string; knownAt?: Date }) => (await alertsByIds(db, [id], basis, '2026-12-01'))[0];
    expect(await statusOf({ asOf: '2019-01-09' })).toMatchObject({ status: 'open', caseId: null });
    expect(await statusOf({ asOf: '2019-02-01' })).toMatchObject({ status: 'in_case', caseId: 'K1', closedOn: null });
    expect(await statusOf({})).toMatchObject({ status: 'closed', caseId: 'K1', closedOn: '2019-03-01' });
    expect(await statusOf({ knownAt: new Date(closed.recordedAt.getTime() - 1) })).toMatchObject({ status: 'in_case' });
    const open = await listAlerts(db, {}, { unitPrefix: '', limit: 500, today: '2026-12-01', status: 'open' });
    expect(open.alerts.map((a) => a.alertId)).not.toContain(id);
    const done = await listAlerts(db, {}, { unitPrefix: '', limit: 500, today: '2026-12-01', status: 'closed' });
    expect(done.alerts.map((a) => a.alertId)).toEqual([id]);
    await expectReadyEqualsWorkedOut();
  });

  test('paging walks every alert once, newest first', async () => {
    const all = await ids();
    const seen: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await listAlerts(db, {}, { unitPrefix: '', limit: 4, today: '2026-12-01', after });
      expect(page.total).toBe(all.length);
      seen.push(...page.alerts.map((a) => a.alertId));
      const days = page.alerts.map((a) => a.raisedOn);
      expect([...days].sort().reverse()).toEqual(days);
      if (!page.next) break;
      after = page.next;
    }
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.sort()).toEqual(all);
    // A cursor after the oldest alert (as the list would give it) reads an empty page that still counts every match.
    const oldest = (await listAlerts(db, {}, { unitPrefix: '', limit: 500, today: '2026-12-01' })).alerts.at(-1)!;
    const past = await listAlerts(db, {}, { unitPrefix: '', limit: 4, today: '2026-12-01', after: Buffer.from(`${oldest.raisedOn}|${oldest.alertId}`).toString('base64url') });
    expect(past).toMatchObject({ alerts: [], next: null, total: all.length });
    expect(past.bySeverity.red + past.bySeverity.yellow + past.bySeverity.blue).toBe(all.length);
  });

  test('an alert whose day moves into another version\'s days is judged again under that version', async () => {
    const d = await PgliteDb.open(undefined);
    try {
      await d.transaction((tx) => redFlagsProjection.setup(tx));
      const step = (events: RecordedEvent[]) => d.transaction((tx) => redFlagsProjection.apply(tx, events));
      // From 2016-08-01 shared accounts are blue.
      const v2 = applyRuleChanges(DEFAULT_RULE_SET, { type: 'AdoptRuleSet', version: 2, effectiveFrom: '2016-08-01', documentNo: null, note: null,
        rules: { 'R-05': { severity: 'blue' } } });
      await step([recorded('ruleset-redflags', { type: 'RuleSetAdopted', data: v2 })]);
      await step([...payment({ id: 'S-1', project: 'EDU', payee: 'H1', account: 'acct-s', amount: '1000', date: '2016-09-01' }),
        ...payment({ id: 'S-2', project: 'EDU', payee: 'H2', account: 'acct-s', amount: '1000', date: '2016-09-10' })]);
      const id = 'R-05.shared_account.account.acct-s';
      const severityOf = async () => (await listAlerts(d, {}, { unitPrefix: '', limit: 50, today: '2026-12-01', ruleId: 'R-05' })).alerts.find((x) => x.alertId === id);
      expect(await severityOf()).toMatchObject({ raisedOn: '2016-09-10', ruleVersion: 2, severity: 'blue' });
      // Two earlier payments recorded later: the account was shared from 2016-06-01, under version 1.
      await step([...payment({ id: 'S-3', project: 'EDU', payee: 'H3', account: 'acct-s', amount: '1000', date: '2016-05-01' }),
        ...payment({ id: 'S-4', project: 'EDU', payee: 'H4', account: 'acct-s', amount: '1000', date: '2016-06-01' })]);
      expect(await severityOf()).toMatchObject({ raisedOn: '2016-06-01', ruleVersion: 1, severity: DEFAULT_RULE_SET.rules['R-05'].severity });
      await expectReadyEqualsWorkedOut(d);
    } finally {
      await d.close();
    }
  });

  test('however the log is cut into batches, the alerts end the same (a property): live and rebuilt rows agree', async () => {
    // A rule-set version in the same log, so some cuts apply it together with other events: it re-judges and re-reads every alert.
    const v2 = applyRuleChanges(DEFAULT_RULE_SET, { type: 'AdoptRuleSet', version: 2, effectiveFrom: '2016-07-01', documentNo: null, note: null,
      rules: { 'R-21': { severity: 'blue' }, 'R-35': { params: { cashLimitFen: 30000 } } } });
    const log = [...books, recorded('ruleset-redflags', { type: 'RuleSetAdopted', data: v2 }), ...roster];
    const rowsOf = async (d: PgliteDb) => [
      ...(await d.query(`select alert_id, amount_fen::text, measure::text, evidence, detail, raised_on::text, recorded_at, withdrawn_at, version, enabled, severity
        from rm_alerts order by alert_id, recorded_at`)).rows,
      ...(await d.query('select * from rm_due_alerts order by alert_id')).rows];
    const fresh = async (d: PgliteDb) => d.query(`truncate ${redFlagsProjection.tables.join(', ')}`);
    const one = await PgliteDb.open(undefined);
    try {
      await one.transaction((tx) => redFlagsProjection.setup(tx));
      await one.transaction((tx) => redFlagsProjection.apply(tx, log));
      const whole = await rowsOf(one);
      await expectReadyEqualsWorkedOut(one);
      await fc.assert(fc.asyncProperty(fc.uniqueArray(fc.integer({ min: 1, max: log.length - 1 }), { maxLength: 12 }), async (cuts) => {
        await fresh(one);
        const bounds = [0, ...[...cuts].sort((a, b) => a - b), log.length];
        for (let i = 0; i + 1 < bounds.length; i++) await one.transaction((tx) => redFlagsProjection.apply(tx, log.slice(bounds[i], bounds[i + 1])));
        expect(await rowsOf(one)).toEqual(whole);
      }), { numRuns: 25 });
    } finally {
      await one.close();
    }
  });
  test('a payee linked to the roster is found whichever was recorded first, the roster, the household or the payment, however batched (a property)', async () => {
    // Q, a village cadre, is a member of H-SELF; Q's declared relative heads H-KIN; H-NONE has neither. Each payment is requested,
    // approved and executed in that order; everything else is interleaved and cut into batches at random.
    const build = () => {
      const make = (stream: string, events: LedgerEvent[]) => events.map((e) => ({ stream, e }));
      return [
        make('roster-Q', [{ type: 'RosterPersonRecorded', data: { personId: 'Q', name: '村支书', role: 'village_cadre', unitCode: VILLAGE, idRef: 'id-q', idMasked: '***',
          accountRef: null, accountMasked: null, from: '2015-01-01', relatives: [{ name: '亲', idRef: 'id-kin', idMasked: '***', relation: 'sibling' }] } }]),
        make('household-H-SELF', [household('H-SELF', [person('id-q', 1970), person('id-q2', 2008, 'child')])]),
        make('household-H-KIN', [household('H-KIN', [person('id-kin', 1968)])]),
        make('household-H-NONE', [household('H-NONE', [person('id-n', 1969)])]),
        ...['H-SELF', 'H-KIN', 'H-NONE'].map((h) => payment({ id: `PAY-${h}`, project: 'IND', payee: h, amount: '10000', date: '2016-06-01' }).map((r) => ({ stream: r.streamId,
          e: { type: r.type, data: r.data } as unknown as LedgerEvent }))),
      ];
    };
    const d = await PgliteDb.open(undefined);
    try {
      await d.transaction((tx) => redFlagsProjection.setup(tx));
      await fc.assert(fc.asyncProperty(fc.array(fc.nat(), { minLength: 13, maxLength: 13 }), fc.array(fc.boolean(), { minLength: 13, maxLength: 13 }),
        async (picks, cutAfter) => {
          await d.query(`truncate ${redFlagsProjection.tables.join(', ')}`);
          // An interleaving: at each step, the next event of one of the streams not yet exhausted, recorded in that order.
          const queues = build();
          const log: RecordedEvent[] = [];
          for (const pick of picks) {
            const open = queues.filter((q) => q.length);
            const { stream, e } = open[pick % open.length].shift()!;
            log.push(recorded(stream, e));
          }
          let batch: RecordedEvent[] = [];
          for (let i = 0; i < log.length; i++) {
            batch.push(log[i]);
            if (cutAfter[i] || i === log.length - 1) {
              await d.transaction((tx) => redFlagsProjection.apply(tx, batch));
              batch = [];
            }
          }
          const found = (await d.query<{ alert_id: string; link: string; recorded_at: Date }>(`select alert_id, detail->>'link' as link, recorded_at from rm_alerts
            where rule_id in ('R-07', 'R-31') and withdrawn_at is null order by alert_id`)).rows;
          // Known once the last of the payment's execution and the roster was recorded.
          const recordedAt = (pred: (e: RecordedEvent) => boolean) => log.find(pred)!.recordedAt.getTime();
          const knownAt = (payment: string) => new Date(Math.max(recordedAt((e) => e.type === 'RosterPersonRecorded'),
            recordedAt((e) => e.type === 'PaymentExecuted' && e.data.paymentId === payment)));
          expect(found).toEqual([
            { alert_id: 'R-07.payee_related_to_cadre.payment.PAY-H-KIN', link: 'relative', recorded_at: knownAt('PAY-H-KIN') },
            { alert_id: 'R-07.payee_related_to_cadre.payment.PAY-H-SELF', link: 'self', recorded_at: knownAt('PAY-H-SELF') },
          ]);
        }), { numRuns: 40 });
    } finally {
      await d.close();
    }
  });
});
