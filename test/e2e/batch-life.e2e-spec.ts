import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { EventStore } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { READ_DB } from '@yuantrace/ledger';
import { readModelProjections, verifyReadModels } from '@yuantrace/read-models';
import { startTestApp } from '../support/app';
import { approveAndStart, registerCounty, reportProgress } from '../support/county';
import { client } from '../support/http';

/**
 * A batch's life through the API, as a county finance clerk lives it: status in every view,
 * closure that disposes of its remainder, a void for a batch entered by mistake, and bounds on what
 * an issuing level plausibly sends; the books verify afterwards.
 */
describe('batch life: open, closed with its remainder returned or carried over, voided', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  const prov = () => api.as('centralFinance');
  const fin = () => api.as('countyFinance');
  const read = async (path: string) => {
    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
    return (await api.as('auditor').get(path).expect(200)).body;
  };
  const batch = (batchId: string, amount: string, over: object = {}) => ({ batchId, documentNo: `省财〔2016〕${batchId}号`, title: '省级扶贫资金', source: 'PROVINCIAL_POVERTY',
    issuerLevel: 'PROVINCIAL', recipientUnitCode: '990000000000', fiscalYear: 2016, amount, effectiveDate: '2016-02-01', purpose: '产业', ...over });

  beforeAll(async () => {
    t = await startTestApp('postgres');
    api = client(t.app);
    await registerCounty(t.app);
    // The province's batch P sends 600,000.00 to the county (C); C funds a road with 200,000.00 of which 50,000.00 is paid.
    await prov().post('/fund-batches', batch('BL-P', '1000000.00')).expect(201);
    await prov().post('/fund-batches/BL-P/allocations', { allocationId: 'BL-A-C', target: { type: 'batch', batchId: 'BL-C', recipientUnitCode: '990101000000' },
      amount: '600000.00', effectiveDate: '2016-02-10', documentNo: '省财〔2016〕下达1号' }).expect(201);
    await fin().post('/projects', { projectId: 'BL-ROAD', name: '村道', type: 'ROAD', unitCode: '990101001001', implementer: '村委', budget: '200000.00',
      plannedStart: '2016-04-01', plannedEnd: '2016-10-31' }).expect(201);
    await approveAndStart(t.app, 'BL-ROAD');
    await reportProgress(t.app, 'BL-ROAD', 50, '2016-05-20');
    await fin().post('/fund-batches/BL-C/allocations', { allocationId: 'BL-L1', target: { type: 'project', projectId: 'BL-ROAD' }, amount: '200000.00',
      effectiveDate: '2016-04-20', documentNo: '县财〔2016〕安排1号' }).expect(201);
    await fin().post('/payments', { paymentId: 'BL-PAY', projectId: 'BL-ROAD', allocationId: 'BL-L1', amount: '50000.00', purpose: '进度款', installment: 'progress',
      effectiveDate: '2016-06-01', payee: { type: 'contractor', id: 'K1', name: '某公司', account: '6222000011112222' } }).expect(201);
    await api.as('countyApprover').post('/payments/BL-PAY/approval', { approved: true, effectiveDate: '2016-06-02' }).expect(200);
    await fin().post('/payments/BL-PAY/execution', { channel: 'bank_transfer', bankReference: 'BL-BR-1', effectiveDate: '2016-06-03' }).expect(200);
  });
  afterAll(async () => t?.close());

  test('a project is found as of its approval (立项), before it was due to start or funded; not the day before', async () => {
    await fin().post('/projects', { projectId: 'BL-SCHOOL', name: '村小学修缮', type: 'EDUCATION', unitCode: '990101001001', implementer: '村委', budget: '80000.00',
      plannedStart: '2016-09-01', plannedEnd: '2016-12-31' }).expect(201);
    await new Promise((r) => setTimeout(r, 5));
    const beforeApproval = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 5));
    const approved = await fin().post('/projects/BL-SCHOOL/milestones', { milestoneId: 'BL-SCHOOL-approved', kind: 'approved', date: '2016-03-10',
      documentNo: '县扶贫办〔2016〕9号' }).expect(201);
    // stage means in the command's answer what it means in the view: the furthest milestone; the kinds reached are listed apart.
    expect(approved.body).toMatchObject({ stage: 'approved', reached: ['approved'] });
    expect(await read('/projects/BL-SCHOOL?asOf=2016-03-10')).toMatchObject({ projectId: 'BL-SCHOOL', stage: 'approved' });
    const listed = await read('/projects?unitCode=990101001001&asOf=2016-03-10');
    expect(listed.items.map((p: { projectId: string }) => p.projectId)).toContain('BL-SCHOOL');
    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
    const before = await api.as('auditor').get('/projects/BL-SCHOOL?asOf=2016-03-09').expect(404);
    expect(before.body.error).toMatchObject({ code: 'not_found_as_of', field: 'asOf' });
    expect((await read('/projects?unitCode=990101001001&asOf=2016-03-09')).items.map((p: { projectId: string }) => p.projectId)).not.toContain('BL-SCHOOL');
    // As the books stood before the approval was recorded, the project was not yet there as of that date, in the view or the list.
    const unknown = await api.as('auditor').get(`/projects/BL-SCHOOL?asOf=2016-03-10&knownAt=${beforeApproval}`).expect(404);
    expect(unknown.body.error).toMatchObject({ code: 'not_found_as_of' });
    expect((await read(`/projects?unitCode=990101001001&asOf=2016-03-10&knownAt=${beforeApproval}`)).items.map((p: { projectId: string }) => p.projectId))
      .not.toContain('BL-SCHOOL');
  });

  test('a view refuses a parameter it does not know, as the lists do, rather than answer today’s figures for a misspelt asOf', async () => {
    for (const path of ['/payments/BL-PAY?asof=2016-01-01', '/fund-batches/BL-C?foo=1', '/households/NONE?knownat=2016-01-01T00:00:00Z']) {
      const r = await api.as('auditor').get(path).expect(400);
      expect(r.body.error).toMatchObject({ code: 'unknown_parameter' });
      expect(r.body.error.message).toContain('asOf, knownAt, format');
    }
    expect((await api.as('auditor').get('/payments/BL-PAY?asof=2016-01-01').expect(400)).body.error.field).toBe('asof');
    await api.as('auditor').get('/payments/BL-PAY?asOf=2016-06-30&format=json').expect(200);
    // So do the cases, an alert, the rule sets and the roster (the payment rules are configuration: knownAt does not apply to them).
    for (const [path, field] of [['/cases?foo=1', 'foo'], ['/cases/C-NONE?asof=2016-01-01', 'asof'], ['/rule-sets/payments?knownAt=2016-01-01T00:00:00Z', 'knownAt'],
      ['/rule-sets/red-flags?asof=2016-01-01', 'asof'], ['/alerts/R-35.cash_to_individual.payment.BL-PAY?foo=1', 'foo'], ['/roster/P-NONE?asof=2016-01-01', 'asof']]) {
      const r = await api.as('auditor').get(path).expect(400);
      expect({ path, error: r.body.error }).toMatchObject({ path, error: { code: 'unknown_parameter', field } });
    }
    await api.as('auditor').get('/rule-sets/payments?asOf=2016-06-30').expect(200);
    await api.as('auditor').get('/cases?status=open&limit=5').expect(200);
  });

  test('closing with money left and no disposal is refused, naming the remainder; nothing is written', async () => {
    const before = await t.app.get(EventStore).headPosition();
    const r = await fin().post('/fund-batches/BL-C/closure', { effectiveDate: '2016-12-31' }).expect(422);
    expect(r.body.error).toMatchObject({ code: 'remainder_not_disposed', field: 'remainder' });
    expect(r.body.error.message).toContain('550000.00');
    expect(await t.app.get(EventStore).headPosition()).toEqual(before);
    expect(await read('/fund-batches/BL-C')).toMatchObject({ status: 'open', closedOn: null, balance: '550000.00' });
  });

  test('a closure dated before the batch’s last movement, or with a null remainder, is refused with its field; a missing field is named as missing; nothing is written', async () => {
    const before = await t.app.get(EventStore).headPosition();
    // BL-C last moved on 2016-06-03 (the payment out of it): closed on 2016-06-01 it would show closed, holding money, while money moved.
    const early = await fin().post('/fund-batches/BL-C/closure', { effectiveDate: '2016-06-01', remainder: 'return' }).expect(422);
    expect(early.body.error).toMatchObject({ code: 'date_before_last_movement', field: 'effectiveDate' });
    expect(early.body.error.message).toContain('2016-06-03');
    const nullRemainder = await fin().post('/fund-batches/BL-C/closure', { effectiveDate: '2016-12-31', remainder: null }).expect(400);
    expect(nullRemainder.body.error).toMatchObject({ code: 'invalid_field', field: 'remainder' });
    const nullCarry = await fin().post('/fund-batches/BL-C/closure', { effectiveDate: '2016-12-31', remainder: 'carryOver', carryOver: null }).expect(400);
    expect(nullCarry.body.error).toMatchObject({ code: 'invalid_field', field: 'carryOver' });
    const missing = await fin().post('/fund-batches/BL-C/closure', { remainder: 'return' }).expect(400);
    expect(missing.body.error).toMatchObject({ code: 'invalid_field', field: 'effectiveDate', message: 'effectiveDate is required' });
    const { documentNo: _left, ...noDocument } = batch('BL-NODOC', '1.00');
    const undocumented = await prov().post('/fund-batches', noDocument).expect(400);
    expect(undocumented.body.error).toMatchObject({ code: 'invalid_field', field: 'documentNo', message: 'documentNo is required' });
    expect(await t.app.get(EventStore).headPosition()).toEqual(before);
    expect(await read('/fund-batches/BL-C')).toMatchObject({ status: 'open', closedOn: null, balance: '550000.00' });
  });

  test('closing with remainder "return": the road’s unspent money and the rest go up to the province in one command', async () => {
    const closed = (await fin().post('/fund-batches/BL-C/closure', { effectiveDate: '2016-12-31', remainder: 'return' }).expect(200)).body;
    expect(closed).toMatchObject({ status: 'closed', balance: '0.00', returned: '550000.00', returnedFromProjects: '150000.00' });
    // A retry of the same closure answers the same; a closure with other details is refused and writes nothing.
    expect((await fin().post('/fund-batches/BL-C/closure', { effectiveDate: '2016-12-31', remainder: 'return' }).expect(200)).body).toMatchObject({ status: 'closed',
      balance: '0.00', returned: '550000.00' });
    const head = await t.app.get(EventStore).headPosition();
    const other = await fin().post('/fund-batches/BL-C/closure', { effectiveDate: '2017-01-05', remainder: 'return' }).expect(422);
    expect(other.body.error).toMatchObject({ code: 'batch_closed', field: 'batchId' });
    expect(other.body.error.message).toContain('2016-12-31');
    expect(await t.app.get(EventStore).headPosition()).toEqual(head);
    const c = await read('/fund-batches/BL-C');
    expect(c).toMatchObject({ status: 'closed', closedOn: '2016-12-31', disposal: 'returned', received: '600000.00', committed: '200000.00',
      returnedFromProjects: '150000.00', paid: '50000.00', returned: '550000.00', unallocated: '0.00', available: '0.00', balance: '0.00' });
    expect(await read('/fund-batches/BL-P')).toMatchObject({ status: 'open', received: '1000000.00', allocated: '600000.00', returnedFromBatches: '550000.00',
      unallocated: '950000.00', paid: '0.00', balance: '950000.00' });
    // As it stood before the closure, the batch was open and its money still there.
    expect(await read('/fund-batches/BL-C?asOf=2016-12-30')).toMatchObject({ status: 'open', balance: '550000.00' });
    // Closed: nothing moves out any more.
    const again = await fin().post('/fund-batches/BL-C/allocations', { allocationId: 'BL-L2', target: { type: 'project', projectId: 'BL-ROAD' }, amount: '1.00',
      effectiveDate: '2017-01-05', documentNo: 'x' }).expect(422);
    expect(again.body.error.code).toBe('batch_closed');
  });

  test('closing with remainder "carryOver": a new batch of the same unit for next year holds the remainder, traceable to the root 文号', async () => {
    await prov().post('/fund-batches/BL-P/allocations', { allocationId: 'BL-A-C2', target: { type: 'batch', batchId: 'BL-C2', recipientUnitCode: '990101000000' },
      amount: '100000.00', effectiveDate: '2016-02-10', documentNo: '省财〔2016〕下达2号' }).expect(201);
    await fin().post('/fund-batches/BL-C2/closure', { effectiveDate: '2016-12-31', remainder: 'carryOver',
      carryOver: { batchId: 'BL-C2-2017', fiscalYear: 2017, documentNo: '县财〔2017〕结转1号' } }).expect(200);
    expect(await read('/fund-batches/BL-C2')).toMatchObject({ status: 'closed', disposal: 'carriedOver', carriedOverTo: 'BL-C2-2017', allocated: '100000.00', balance: '0.00' });
    const next = await read('/fund-batches/BL-C2-2017');
    expect(next).toMatchObject({ status: 'open', fiscalYear: 2017, recipientUnitCode: '990101000000', rootBatchId: 'BL-P', received: '100000.00', balance: '100000.00',
      parent: { batchId: 'BL-C2' } });
  });

  test('money that reaches a closed batch after its closure goes back up: a transfer the bank returned, a carried-over batch’s unspent money', async () => {
    // The road's 50,000.00 comes back from the bank in January, after BL-C closed on 2016-12-31 (退票).
    await fin().post('/payments/BL-PAY/reversal', { reason: '收款账户已销户，银行退回', effectiveDate: '2017-01-10', documentNo: '县财〔2017〕退1号' }).expect(200);
    expect(await read('/fund-batches/BL-C')).toMatchObject({ status: 'closed', paid: '0.00', available: '50000.00', unallocated: '0.00', balance: '50000.00' });
    // From the road's line back to the batch, then up to the province: not dated before the closure, not more than came back.
    await fin().post('/fund-batches/BL-C/returns', { returnId: 'BL-C-LATE-L1', allocationId: 'BL-L1', amount: '50000.00', reason: '退票资金退回', effectiveDate: '2017-01-11' })
      .expect(201);
    const head = await t.app.get(EventStore).headPosition();
    const early = await fin().post('/fund-batches/BL-C/returns', { returnId: 'BL-C-LATE', amount: '50000.00', reason: '退票资金上缴', effectiveDate: '2016-12-30' }).expect(422);
    expect(early.body.error).toMatchObject({ code: 'date_before_closure', field: 'effectiveDate' });
    const more = await fin().post('/fund-batches/BL-C/returns', { returnId: 'BL-C-LATE', amount: '50000.01', reason: '退票资金上缴', effectiveDate: '2017-01-11' }).expect(422);
    expect(more.body.error).toMatchObject({ code: 'insufficient_balance', field: 'amount' });
    expect(await t.app.get(EventStore).headPosition()).toEqual(head);
    await fin().post('/fund-batches/BL-C/returns', { returnId: 'BL-C-LATE', amount: '50000.00', reason: '退票资金上缴', effectiveDate: '2017-01-11' }).expect(201);
    expect(await read('/fund-batches/BL-C')).toMatchObject({ status: 'closed', closedOn: '2016-12-31', returned: '600000.00', balance: '0.00' });
    // The carried-over batch's money goes back to the closed batch it came from, which passes it on to the province.
    await fin().post('/fund-batches/BL-C2-2017/returns', { returnId: 'BL-C2-2017-R', amount: '100000.00', reason: '项目取消，结转资金退回', effectiveDate: '2017-03-01' })
      .expect(201);
    expect(await read('/fund-batches/BL-C2')).toMatchObject({ status: 'closed', returnedFromBatches: '100000.00', unallocated: '100000.00' });
    await fin().post('/fund-batches/BL-C2/returns', { returnId: 'BL-C2-R', amount: '100000.00', reason: '结转资金上缴', effectiveDate: '2017-03-02' }).expect(201);
    expect(await read('/fund-batches/BL-C2')).toMatchObject({ status: 'closed', unallocated: '0.00', balance: '0.00' });
    expect(await read('/fund-batches/BL-P')).toMatchObject({ status: 'open', allocated: '700000.00', returnedFromBatches: '700000.00', unallocated: '1000000.00' });
    // As the books stood before the bank returned the transfer, the road was paid and BL-C held nothing.
    expect(await read('/fund-batches/BL-C?asOf=2017-01-09')).toMatchObject({ status: 'closed', paid: '50000.00', balance: '0.00' });
  });

  test('a batch entered by mistake is voided and its amount goes back where it came from; one that moved money cannot be', async () => {
    // A slip of the keyboard at the door: far beyond any provincial appropriation.
    const absurd = await prov().post('/fund-batches', batch('BL-X', '10000000000000.00', { documentNo: 'x' })).expect(422);
    expect(absurd.body.error).toMatchObject({ code: 'amount_implausible', field: 'amount' });
    expect(absurd.body.error.message).toContain('5000000000.00');
    // A plausible mistake: recorded, then voided and replaced.
    await prov().post('/fund-batches', batch('BL-WRONG', '300000.00')).expect(201);
    await prov().post('/fund-batches', batch('BL-RIGHT', '30000.00')).expect(201);
    const missingReplacement = await prov().post('/fund-batches/BL-WRONG/void', { reason: '金额多录一位', effectiveDate: '2016-02-02', replacedBy: 'BL-NONE' }).expect(422);
    expect(missingReplacement.body.error).toMatchObject({ code: 'replacement_not_found', field: 'replacedBy' });
    await prov().post('/fund-batches/BL-WRONG/void', { reason: '金额多录一位', effectiveDate: '2016-02-02', replacedBy: 'BL-RIGHT' }).expect(200);
    expect(await read('/fund-batches/BL-WRONG')).toMatchObject({ status: 'voided', voidedOn: '2016-02-02', replacedBy: 'BL-RIGHT', amount: '300000.00',
      received: '0.00', balance: '0.00' });
    // The correction links back to what it corrects, from the day of the void.
    expect(await read('/fund-batches/BL-RIGHT')).toMatchObject({ status: 'open', replaces: ['BL-WRONG'] });
    expect(await read('/fund-batches/BL-RIGHT?asOf=2016-02-01')).toMatchObject({ replaces: [] });
    expect(await read('/fund-batches/BL-P')).toMatchObject({ replaces: [] });
    // A batch voided in favour of one in a county is named there only to readers whose region holds the voided batch.
    await prov().post('/fund-batches', batch('BL-WRONG-2', '100.00')).expect(201);
    await prov().post('/fund-batches/BL-WRONG-2/void', { reason: '应由县级下达', effectiveDate: '2016-02-03', replacedBy: 'BL-C' }).expect(200);
    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
    expect((await api.as('auditor').get('/fund-batches/BL-C').expect(200)).body.replaces).toEqual(['BL-WRONG-2']);
    expect((await fin().get('/fund-batches/BL-C').expect(200)).body.replaces).toEqual([]);
    // A voided child's allocation returns to its parent's unallocated money.
    await prov().post('/fund-batches/BL-P/allocations', { allocationId: 'BL-A-WRONG', target: { type: 'batch', batchId: 'BL-C-WRONG', recipientUnitCode: '990102000000' },
      amount: '70000.00', effectiveDate: '2016-02-10', documentNo: '省财〔2016〕下达3号' }).expect(201);
    const beforeVoid = (await read('/fund-batches/BL-P')).unallocated;
    await prov().post('/fund-batches/BL-C-WRONG/void', { reason: '下达单位错误', effectiveDate: '2016-02-11' }).expect(200);
    const p = await read('/fund-batches/BL-P');
    expect(BigInt(p.unallocated.replace('.', '')) - BigInt(beforeVoid.replace('.', ''))).toBe(7000000n);
    expect(p.allocated).toBe('700000.00');
    // Its lists say which child was voided, rather than show it beside the live ones (its 70,000.00 is not in allocated).
    expect(p.children).toEqual(expect.arrayContaining([expect.objectContaining({ batchId: 'BL-C-WRONG', status: 'voided' }),
      expect.objectContaining({ batchId: 'BL-C', status: 'closed' })]));
    expect(p.allocations.find((a: { allocationId: string }) => a.allocationId === 'BL-A-WRONG').target).toMatchObject({ batchId: 'BL-C-WRONG', status: 'voided' });
    // As it stood before the void, the child was open.
    expect((await read('/fund-batches/BL-P?asOf=2016-02-10')).children).toEqual(expect.arrayContaining([expect.objectContaining({ batchId: 'BL-C-WRONG', status: 'open' })]));
    const csv = (await api.as('auditor').get('/fund-batches/BL-P?format=csv').expect(200)).text;
    expect(csv).toContain('下拨下级（已撤销）');
    expect(csv).toContain('"BL-C-WRONG","990102000000","70000.00","已撤销"');
    // A batch that moved money keeps its history: it is corrected by returns, never voided.
    const moved = await prov().post('/fund-batches/BL-P/void', { reason: 'x', effectiveDate: '2016-03-01' }).expect(422);
    expect(moved.body.error).toMatchObject({ code: 'batch_has_moved_money', field: 'batchId' });
    expect((await prov().post('/fund-batches/BL-C/void', { reason: 'x', effectiveDate: '2017-01-01' }).expect(422)).body.error.code).toBe('batch_closed');
  });

  test('the province’s summary no longer counts the voided batch; verify finds the books whole', async () => {
    const s = await read('/admin-units/990000000000/summary');
    // Issued 1,000,000 + 300,000 (voided) + 30,000; the one payment of 50,000 came back from the bank and went up again: nothing left the province.
    expect(s).toMatchObject({ received: '1030000.00', paid: '0.00' });
    const report = await verifyReadModels(t.app.get(EventStore), t.app.get(READ_DB), readModelProjections());
    expect(report).toMatchObject({ ok: true, differences: [], conservation: [], defects: [], lagging: [] });
  });
});
