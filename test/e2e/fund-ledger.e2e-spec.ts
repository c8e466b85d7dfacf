import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { readModelProjections, verifyReadModels } from '@yuantrace/read-models';
import { expectRollupsToMatchScan } from '../support/rollups';
import { READ_DB } from '@yuantrace/ledger';
import { batchFigures, batchIdentityBreaks, FIGURES, formatFen, fundBatchDecider, paymentDecider, type FundBatchEvent, type OpenBatch, type PaymentEvent } from '@yuantrace/domain';
import { EventStore } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { startTestApp, type Backend } from '../support/app';
import { approveAndStart, registerCounty, reportProgress } from '../support/county';
import { client } from '../support/http';

const batch = (id: string, over: object = {}) => ({
  batchId: id, documentNo: `财农〔2016〕${id}号`, title: '关于下达2016年财政专项扶贫资金的通知', source: 'CENTRAL_SPECIAL_POVERTY',
  issuerLevel: 'CENTRAL', recipientUnitCode: '990000000000', fiscalYear: 2016, amount: '5000000.00', effectiveDate: '2016-03-01',
  purpose: '小型公益设施建设', countsTowardHouseholdShare: true, ...over,
});
const project = (id: string, unitCode: string, budget: string, type = 'ROAD') => ({
  projectId: id, name: `${id} 工程`, type, unitCode, implementer: '村民委员会', budget, plannedStart: '2016-05-01', plannedEnd: '2016-10-31',
});
const payment = (id: string, projectId: string, allocationId: string, amount: string, over: object = {}) => ({
  paymentId: id, projectId, allocationId, amount, purpose: '工程款', installment: 'progress', effectiveDate: '2016-06-01',
  payee: { type: 'contractor', id: 'CT-1', name: '某建筑公司', account: '6222020200112233445' }, ...over,
});
const approval = { approved: true, effectiveDate: '2016-06-05' };
const execution = { channel: 'treasury_direct', bankReference: 'BR-1', effectiveDate: '2016-06-10' };
/** A business date that has not happened yet anywhere: the first day of next year. */
const nextYear = `${new Date().getUTCFullYear() + 1}-01-01`;

/** Folds every batch and payment stream from the log itself, to check the books without any read model. */
async function booksFromLog(store: EventStore) {
  const batches = new Map<string, OpenBatch>();
  const payments = new Map<string, ReturnType<typeof paymentDecider.initialState> | any>();
  for (const e of await store.readAll({ maxCount: 100_000 })) {
    if (e.streamId.startsWith('fundbatch-')) {
      const id = e.streamId.slice('fundbatch-'.length);
      batches.set(id, fundBatchDecider.evolve(batches.get(id) ?? fundBatchDecider.initialState(), { type: e.type, data: e.data } as FundBatchEvent) as OpenBatch);
    } else if (e.streamId.startsWith('payment-')) {
      const id = e.streamId.slice('payment-'.length);
      payments.set(id, paymentDecider.evolve(payments.get(id) ?? paymentDecider.initialState(), { type: e.type, data: e.data } as PaymentEvent));
    }
  }
  return { batches, payments };
}

describe.each<Backend>(['postgres', 'embedded', 'kurrentdb'])('the fund ledger end to end on %s', (backend) => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    t = await startTestApp(backend);
    api = client(t.app);
    await registerCounty(t.app);
  });
  afterAll(async () => t?.close());

  test('central appropriation → province → county → two projects from two sources → payments → returns, conserved to the fen', async () => {
    const cen = api.as('centralFinance');
    const prov = api.as('provinceFinance');
    const cty = api.as('countyFinance');
    const appr = api.as('countyApprover');

    // Money enters: a central and a provincial appropriation to the province.
    const issued = await cen.post('/fund-batches', batch('CEN-1')).expect(201);
    expect(issued.body).toMatchObject({ batchId: 'CEN-1', amount: '5000000.00', balance: '5000000.00', rootBatchId: 'CEN-1' });
    await prov.post('/fund-batches', batch('PRV-1', { source: 'PROVINCIAL_POVERTY', issuerLevel: 'PROVINCIAL', amount: '1000000.00', documentNo: '演财农〔2016〕9号' })).expect(201);
    // The same create again answers as the first time; with another body it is refused.
    await cen.post('/fund-batches', batch('CEN-1')).expect(201);
    const reused = await cen.post('/fund-batches', batch('CEN-1', { amount: '1.00' })).expect(409);
    expect(reused.body.error.code).toBe('id_reused_with_different_payload');

    // Down the levels: the province allocates both to the county (child batches keep source and root).
    await prov.post('/fund-batches/CEN-1/allocations', { allocationId: 'AL-CEN-CTY', target: { type: 'batch', batchId: 'CEN-1-CTY', recipientUnitCode: '990101000000' },
      amount: '2000000.00', effectiveDate: '2016-03-15', documentNo: '演财农〔2016〕12号' }).expect(201);
    await prov.post('/fund-batches/PRV-1/allocations', { allocationId: 'AL-PRV-CTY', target: { type: 'batch', batchId: 'PRV-1-CTY', recipientUnitCode: '990101000000' },
      amount: '500000.00', effectiveDate: '2016-03-15', documentNo: '演财农〔2016〕13号' }).expect(201);

    // Two village projects; the road is funded from both sources (资金整合), the water project from one.
    await cty.post('/projects', project('P-ROAD', '990101001001', '380000.00')).expect(201);
    await cty.post('/projects', project('P-WATER', '990101001002', '100000.00', 'WATER')).expect(201);
    await approveAndStart(t.app, 'P-ROAD');
    await approveAndStart(t.app, 'P-WATER');
    // Work reported done before the progress payments of 2016-06-01: what is claimed on a works project never exceeds it.
    // The road: 52% of 380,000 = 197,600 covers PAY-1 and PAY-2 (194,000) and the one fen PAY-X tries on top.
    // The water project: 90% of 100,000 covers PAY-3 (82,000) and the 82,000.01 tried on its allocation later.
    await reportProgress(t.app, 'P-ROAD', 52, '2016-05-20');
    await reportProgress(t.app, 'P-WATER', 90, '2016-05-20');
    const alloc = (batchId: string, allocationId: string, projectId: string, amount: string) =>
      cty.post(`/fund-batches/${batchId}/allocations`, { allocationId, target: { type: 'project', projectId }, amount, effectiveDate: '2016-04-01', documentNo: '县财发〔2016〕7号' });
    await alloc('CEN-1-CTY', 'AL-ROAD-C', 'P-ROAD', '300000.00').expect(201);
    await alloc('PRV-1-CTY', 'AL-ROAD-P', 'P-ROAD', '80000.00').expect(201);
    await alloc('CEN-1-CTY', 'AL-WATER', 'P-WATER', '82000.00').expect(201);

    // PAY-1: requested, approved by a second person, executed.
    const p1 = await cty.post('/payments', payment('PAY-1', 'P-ROAD', 'AL-ROAD-C', '114000.00')).expect(201);
    expect(p1.body).toMatchObject({ status: 'requested', amount: '114000.00', requestedBy: 'cty-fin', batchId: 'CEN-1-CTY' });
    expect(p1.body.payee.account).toBe('6222020200112233445');
    // Segregation of duties: the requester may not approve, even holding an approver token.
    const self = await api.as('countyFinanceAsApprover').post('/payments/PAY-1/approval', approval).expect(422);
    expect(self.body.error.code).toBe('approver_is_requester');
    // Out of order: no execution before approval.
    expect((await cty.post('/payments/PAY-1/execution', execution).expect(422)).body.error.code).toBe('payment_not_approved');
    await appr.post('/payments/PAY-1/approval', { ...approval, comment: '同意' }).expect(200);
    const done = await cty.post('/payments/PAY-1/execution', execution).expect(200);
    expect(done.body.status).toBe('executed');

    // PAY-2 fails at the bank (退票) and is paid again as PAY-2B.
    await cty.post('/payments', payment('PAY-2', 'P-ROAD', 'AL-ROAD-P', '80000.00')).expect(201);
    // While PAY-2 holds the whole line, nothing more can be drawn from it.
    expect((await cty.post('/payments', payment('PAY-X', 'P-ROAD', 'AL-ROAD-P', '0.01')).expect(422)).body.error.code).toBe('insufficient_balance');
    await appr.post('/payments/PAY-2/approval', approval).expect(200);
    await cty.post('/payments/PAY-2/failure', { reason: '账户名与账号不符', effectiveDate: '2016-06-11' }).expect(200);
    await cty.post('/payments', payment('PAY-2B', 'P-ROAD', 'AL-ROAD-P', '80000.00')).expect(201);
    await appr.post('/payments/PAY-2B/approval', approval).expect(200);
    await cty.post('/payments/PAY-2B/execution', { ...execution, bankReference: 'BR-2B' }).expect(200);

    // PAY-3 is paid, then reversed (追回); the money is back on its allocation.
    await cty.post('/payments', payment('PAY-3', 'P-WATER', 'AL-WATER', '82000.00')).expect(201);
    await appr.post('/payments/PAY-3/approval', approval).expect(200);
    await cty.post('/payments/PAY-3/execution', { ...execution, bankReference: 'BR-3' }).expect(200);
    const rev = await cty.post('/payments/PAY-3/reversal', { reason: '重复申报，追回', effectiveDate: '2016-07-01', documentNo: '县纪发〔2016〕3号' }).expect(200);
    expect(rev.body.status).toBe('reversed');

    // A payment from an allocation made to another project is diversion (挪用): refused.
    expect((await cty.post('/payments', payment('PAY-Y', 'P-ROAD', 'AL-WATER', '1.00')).expect(422)).body.error.code).toBe('allocation_not_for_project');
    // A rejected payment releases its hold.
    await cty.post('/payments', payment('PAY-4', 'P-WATER', 'AL-WATER', '1000.00')).expect(201);
    expect((await appr.post('/payments/PAY-4/approval', { approved: false, comment: '资料不全', effectiveDate: '2016-06-05' }).expect(200)).body.status).toBe('rejected');

    // Unspent money goes back up: the road's unused commitment to its batch, then the county batch's balance to the province.
    const back = await cty.post('/fund-batches/CEN-1-CTY/returns', { returnId: 'RT-ROAD', amount: '186000.00', reason: '项目结余退回', effectiveDate: '2016-12-01', allocationId: 'AL-ROAD-C' }).expect(201);
    expect(back.body).toMatchObject({ toBatchId: 'CEN-1-CTY', amount: '186000.00' });
    await cty.post('/fund-batches/CEN-1-CTY/returns', { returnId: 'RT-CTY', amount: '1700000.00', reason: '结余退回', effectiveDate: '2016-12-20' }).expect(201);
    expect((await cty.post('/fund-batches/CEN-1-CTY/returns', { returnId: 'RT-CTY-2', amount: '186000.01', reason: '结余退回', effectiveDate: '2016-12-20' }).expect(422)).body.error.code)
      .toBe('insufficient_balance');

    // The books, from the event log alone: every node's conservation equation, to the fen.
    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
    const { batches, payments } = await booksFromLog(t.app.get(EventStore));
    const f = (id: string) => batchFigures(batches.get(id)!);
    for (const [id, b] of batches) {
      const x = batchFigures(b);
      expect({ id, breaks: batchIdentityBreaks(x) }).toEqual({ id, breaks: [] });
      expect({ id, inflow: x.received + x.returnedFromBatches }).toEqual({ id, inflow: x.allocated + x.returned + x.held + x.paid + x.balance });
    }
    // Received is money from above only; what came back is shown apart, gross movements stay gross.
    expect(f('CEN-1')).toMatchObject({ received: 500000000n, returnedFromBatches: 170000000n, allocated: 200000000n, unallocated: 470000000n, balance: 470000000n });
    expect(f('CEN-1-CTY')).toMatchObject({ received: 200000000n, committed: 30000000n + 8200000n, returnedFromProjects: 18600000n, paid: 11400000n,
      held: 0n, returned: 170000000n, unallocated: 10400000n, available: 8200000n, balance: 18600000n });
    expect(f('PRV-1-CTY')).toMatchObject({ received: 50000000n, paid: 8000000n, held: 0n, unallocated: 42000000n, available: 0n, balance: 42000000n });
    // Child batches keep the root's origin; each hop is traceable to the 文号 of the root.
    expect(batches.get('CEN-1-CTY')!.header).toMatchObject({ parentBatchId: 'CEN-1', rootBatchId: 'CEN-1', source: 'CENTRAL_SPECIAL_POVERTY', rootDocumentNo: '财农〔2016〕CEN-1号' });
    expect(batches.get('PRV-1-CTY')!.header).toMatchObject({ rootBatchId: 'PRV-1', source: 'PROVINCIAL_POVERTY' });
    // What payments say and what batches say agree: executed and not reversed = paid.
    let paidByPayments = 0n;
    for (const p of payments.values()) if (p.status === 'executed') paidByPayments += BigInt(p.request.amountFen);
    let paidByBatches = 0n;
    for (const b of batches.values()) paidByBatches += batchFigures(b).paid;
    expect(paidByPayments).toBe(paidByBatches);
    expect(paidByPayments).toBe(11400000n + 8000000n);
    // The read API agrees with the log at every batch node, to the fen, and verify finds nothing to fix.
    for (const [id, b] of batches) {
      const view = (await api.as('inspector').get(`/fund-batches/${id}`).expect(200)).body;
      const x = batchFigures(b);
      const yuan = (fen: bigint) => formatFen(fen);
      const names = Object.keys(FIGURES) as Array<keyof typeof x>;
      expect({ id, ...Object.fromEntries(names.map((k) => [k, view[k]])) }).toEqual({ id, ...Object.fromEntries(names.map((k) => [k, yuan(x[k])])) });
    }
    const trace = (await api.as('inspector').get('/payments/PAY-1/trace').expect(200)).body;
    expect(trace.chain.map((h: { batchId: string; documentNo: string }) => [h.batchId, h.documentNo])).toEqual([
      ['CEN-1-CTY', '演财农〔2016〕12号'], ['CEN-1', '财农〔2016〕CEN-1号']]);
    const flow = (await api.as('inspector').get('/fund-batches/PRV-1/flow').expect(200)).body.flow;
    expect(flow.children[0]).toMatchObject({ type: 'batch', batchId: 'PRV-1-CTY', status: 'open', received: '500000.00', paid: '80000.00', balance: '420000.00' });
    expect(flow.children[0].children[0].payees).toEqual([{ type: 'contractor', id: 'CT-1', name: '某建筑公司', paid: '80000.00' }]);
    const reversed = (await api.as('auditor').get('/payments/PAY-3').expect(200)).body;
    expect(reversed.history.map((h: { status: string }) => h.status)).toEqual(['requested', 'approved', 'executed', 'reversed']);
    const report = await verifyReadModels(t.app.get(EventStore), t.app.get(READ_DB), readModelProjections());
    expect(report).toMatchObject({ ok: true, differences: [], conservation: [], lagging: [] });
    // Unit summaries come from rollups; they agree with the scan over postings at every date.
    expect(await expectRollupsToMatchScan(t.app.get(READ_DB))).toBeGreaterThan(10);
    // The bank account is not in the log.
    const log = JSON.stringify((await t.app.get(EventStore).readAll({ maxCount: 100_000 })).map((e) => e.data));
    expect(log).not.toContain('6222020200112233445');
  });

  test('every event names its actor, command, correlation and recorded-at; money events carry their effective date', async () => {
    const events = await t.app.get(EventStore).readStream('payment-PAY-1');
    expect(events.map((e) => e.type)).toEqual(['PaymentRequested', 'PaymentApproved', 'PaymentExecuted']);
    for (const e of events) expect(Object.keys(e.metadata).sort()).toEqual(['actor', 'causationId', 'commandId', 'correlationId', 'recordedAt']);
    expect(events[1].metadata.actor).toEqual({ principalId: 'cty-appr', role: 'approver' });
    expect(events[1].data).toMatchObject({ approvedBy: 'cty-appr', comment: '同意', effectiveDate: '2016-06-05' });
    expect(events[2].data.effectiveDate).toBe('2016-06-10');
  });

  describe('bad input gets a named error with its field and writes nothing', () => {
    const cases: Array<[string, string, object, number, string, string?]> = [
      ['amount with three decimals', '/fund-batches', batch('B-X', { amount: '1.001' }), 400, 'invalid_field', 'amount'],
      ['negative amount', '/fund-batches', batch('B-X', { amount: '-5.00' }), 400, 'invalid_field', 'amount'],
      ['zero amount', '/fund-batches', batch('B-X', { amount: '0' }), 400, 'invalid_field', 'amount'],
      ['amount as a number', '/fund-batches', batch('B-X', { amount: 100 }), 400, 'invalid_field', 'amount'],
      ['amount beyond 10^13 yuan', '/fund-batches', batch('B-X', { amount: '10000000000000.01' }), 400, 'invalid_field', 'amount'],
      ['unknown source', '/fund-batches', batch('B-X', { source: 'LOTTERY' }), 400, 'invalid_field', 'source'],
      ['unknown field', '/fund-batches', batch('B-X', { colour: 'red' }), 400, 'unknown_field', 'colour'],
      ['id with illegal characters', '/fund-batches', batch('B X/1'), 400, 'invalid_field', 'batchId'],
      ['a date that does not exist', '/fund-batches', batch('B-X', { effectiveDate: '2016-02-30' }), 400, 'invalid_field', 'effectiveDate'],
      ['a recipient unit that is not registered', '/fund-batches', batch('B-X', { recipientUnitCode: '990101009000' }), 422, 'unit_not_found', 'recipientUnitCode'],
      ['allocation to an unknown project', '/fund-batches/CEN-1-CTY/allocations', { allocationId: 'A-X', target: { type: 'project', projectId: 'NOPE' }, amount: '1.00', effectiveDate: '2016-04-01', documentNo: 'D' }, 422, 'project_not_found', 'target.projectId'],
      ['allocation to a unit not below the batch', '/fund-batches/CEN-1-CTY/allocations', { allocationId: 'A-X', target: { type: 'batch', batchId: 'C-X', recipientUnitCode: '990102000000' }, amount: '1.00', effectiveDate: '2016-04-01', documentNo: 'D' }, 422, 'recipient_not_below', 'target.recipientUnitCode'],
      ['allocation from an unknown batch', '/fund-batches/NOPE/allocations', { allocationId: 'A-X', target: { type: 'project', projectId: 'P-ROAD' }, amount: '1.00', effectiveDate: '2016-04-01', documentNo: 'D' }, 404, 'batch_not_found', 'batchId'],
      ['a payee without an account', '/payments', payment('PAY-Z', 'P-ROAD', 'AL-ROAD-C', '1.00', { payee: { type: 'contractor', id: 'C', name: 'n' } }), 400, 'invalid_field', 'payee.account'],
      ['an unknown payee type', '/payments', payment('PAY-Z', 'P-ROAD', 'AL-ROAD-C', '1.00', { payee: { type: 'friend', id: 'C', name: 'n', account: '1234' } }), 400, 'invalid_field', 'payee.type'],
      ['payment for an unknown project', '/payments', payment('PAY-Z', 'NOPE', 'AL-ROAD-C', '1.00'), 404, 'project_not_found', 'projectId'],
      ['more than the allocation has left', '/payments', payment('PAY-Z', 'P-WATER', 'AL-WATER', '82000.01'), 422, 'insufficient_balance', 'amount'],
      ['more than the project’s budget', '/payments', payment('PAY-Z', 'P-WATER', 'AL-WATER', '100000.01'), 422, 'exceeds_budget', 'amount'],
      ['a batch dated after today', '/fund-batches', batch('B-X', { recipientUnitCode: '990101000000', effectiveDate: nextYear }), 422, 'date_in_future', 'effectiveDate'],
      ['an allocation dated after today', '/fund-batches/CEN-1-CTY/allocations', { allocationId: 'A-X', target: { type: 'project', projectId: 'P-WATER' }, amount: '1.00', effectiveDate: nextYear, documentNo: 'D' }, 422, 'date_in_future', 'effectiveDate'],
      ['a payment dated after today', '/payments', payment('PAY-Z', 'P-WATER', 'AL-WATER', '1.00', { effectiveDate: nextYear }), 422, 'date_in_future', 'effectiveDate'],
      ['a milestone dated after today', '/projects/P-WATER/milestones', { milestoneId: 'M-X', kind: 'progress', date: nextYear, percentComplete: 95 }, 422, 'date_in_future', 'date'],
      // The road has 52% reported (197,600.00) and 194,000.00 claimed: 3,600.00 more is within its progress (but its allocation is spent), one fen more is not.
      ['within the progress but beyond the allocation', '/payments', payment('PAY-Z', 'P-ROAD', 'AL-ROAD-C', '3600.00'), 422, 'insufficient_balance', 'amount'],
      ['a progress payment beyond the progress reported', '/payments', payment('PAY-Z', 'P-ROAD', 'AL-ROAD-C', '3600.01'), 422, 'exceeds_progress', 'amount'],
      ['a progress payment dated before the progress was reported', '/payments', payment('PAY-Z', 'P-WATER', 'AL-WATER', '1000.00', { effectiveDate: '2016-05-19' }), 422, 'exceeds_progress', 'amount'],
      ['a single payment to works never accepted', '/payments', payment('PAY-Z', 'P-WATER', 'AL-WATER', '1000.00', { installment: 'single' }), 422, 'project_not_accepted', 'installment'],
      ['a final payment to works never accepted', '/payments', payment('PAY-Z', 'P-WATER', 'AL-WATER', '1000.00', { installment: 'final' }), 422, 'project_not_accepted', 'installment'],
      ['an advance after the works started', '/payments', payment('PAY-Z', 'P-WATER', 'AL-WATER', '1000.00', { installment: 'advance' }), 422, 'advance_after_start', 'installment'],
    ];
    test.each(cases)('%s', async (_, path, body, status, code, field) => {
      const before = await t.app.get(EventStore).headPosition();
      const res = await api.as('countyFinance').post(path, body);
      expect({ status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({ status, code, field });
      expect(typeof res.body.error.message).toBe('string');
      expect(await t.app.get(EventStore).headPosition()).toEqual(before);
    });

    test('malformed JSON is a 400, not a 500', async () => {
      const res = await api.as('countyFinance').post('/fund-batches', {}).set('content-type', 'application/json').send('{"batchId": ');
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('malformed_request');
    });
  });

  test('a decision carries its own business date: required, not before the request, not in the future; the bank’s date not before it', async () => {
    const cty = api.as('countyFinance');
    const appr = api.as('countyApprover');
    await cty.post('/payments', payment('PAY-5', 'P-WATER', 'AL-WATER', '1000.00')).expect(201);
    const store = t.app.get(EventStore);
    const refused = async (res: { status: number; body: { error?: { code: string; field?: string } } }, status: number, code: string, field: string) => {
      expect({ status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({ status, code, field });
    };
    const before = await store.headPosition();
    await refused(await appr.post('/payments/PAY-5/approval', { approved: true }), 400, 'invalid_field', 'effectiveDate');
    await refused(await appr.post('/payments/PAY-5/approval', { approved: false, comment: '资料不全' }), 400, 'invalid_field', 'effectiveDate');
    await refused(await appr.post('/payments/PAY-5/approval', { approved: true, effectiveDate: '2016-06-31' }), 400, 'invalid_field', 'effectiveDate');
    await refused(await appr.post('/payments/PAY-5/approval', { approved: true, effectiveDate: '2016-05-31' }), 422, 'date_before_request', 'effectiveDate');
    await refused(await appr.post('/payments/PAY-5/approval', { approved: true, effectiveDate: nextYear }), 422, 'date_in_future', 'effectiveDate');
    expect(await store.headPosition()).toEqual(before);
    expect((await appr.post('/payments/PAY-5/approval', approval).expect(200)).body.status).toBe('approved');
    // The bank pays, or returns the payment, on or after the day it was approved.
    const approvedAt = await store.headPosition();
    await refused(await cty.post('/payments/PAY-5/execution', { ...execution, bankReference: 'BR-5', effectiveDate: '2016-06-04' }), 422, 'date_before_approval', 'effectiveDate');
    await refused(await cty.post('/payments/PAY-5/failure', { reason: '账户冻结', effectiveDate: '2016-06-04' }), 422, 'date_before_approval', 'effectiveDate');
    await refused(await cty.post('/payments/PAY-5/execution', { ...execution, bankReference: 'BR-5', effectiveDate: nextYear }), 422, 'date_in_future', 'effectiveDate');
    expect(await store.headPosition()).toEqual(approvedAt);
    await cty.post('/payments/PAY-5/execution', { ...execution, bankReference: 'BR-5', effectiveDate: '2016-06-05' }).expect(200);
    const events = await store.readStream('payment-PAY-5');
    expect(events.map((e) => [e.type, e.data.effectiveDate])).toEqual([
      ['PaymentRequested', '2016-06-01'], ['PaymentApproved', '2016-06-05'], ['PaymentExecuted', '2016-06-05']]);
  });
});
