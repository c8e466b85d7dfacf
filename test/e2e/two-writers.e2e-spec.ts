import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { projectDecider, Streams, type ProjectEvent, type ProjectState } from '@yuantrace/domain';
import { EventStore, type RecordedEvent } from '@yuantrace/event-store';
import { READ_DB } from '@yuantrace/ledger';
import { ProjectionRunner } from '@yuantrace/projections';
import { readModelProjections, verifyReadModels } from '@yuantrace/read-models';
import { startApiProcess } from '../support/api-process';
import { startTestApp } from '../support/app';
import { registerCounty } from '../support/county';
import { rawClient } from '../support/databases';
import { bearer, type Person } from '../support/principals';

/**
 * Two writers on one PostgreSQL schema: the in-test api and a second api in its own operating-system
 * process (apps/api/src/main.ts, projections off). Each race fires its two competing requests, one
 * at each instance, at the same moment, and is repeated over several trials. Every trial must end
 * with exactly one success — the other request refused with a 409 or a named 422 — and with books
 * that verify (verifyReadModels: read models rebuilt from the log match, the books fold finds no
 * cross-stream defect) once the projections have caught up.
 */

const TRIALS = 6;

type Reply = { status: number; body: any };
type Instance = { name: string; post: (who: Person, path: string, body: object) => Promise<Reply> };

let t: Awaited<ReturnType<typeof startTestApp>>;
let second: Awaited<ReturnType<typeof startApiProcess>>;
/** [in-test app, spawned process] */
let instances: [Instance, Instance];
let store: EventStore;

function instanceAt(name: string, url: string): Instance {
  const tokens = new Map<Person, string>();
  const token = (who: Person) => tokens.get(who) ?? (tokens.set(who, bearer(t.app, who)), tokens.get(who)!);
  return {
    name,
    post: async (who, path, body) => {
      const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: token(who) }, body: JSON.stringify(body) });
      const text = await r.text();
      return { status: r.status, body: text ? JSON.parse(text) : null };
    },
  };
}

/** Trial i sends the first request to one instance and the second to the other, swapping every trial. */
const pair = (trial: number): [Instance, Instance] => (trial % 2 === 0 ? [instances[0], instances[1]] : [instances[1], instances[0]]);

/** Both requests leave in the same tick, one to each instance. */
async function race(trial: number, first: (i: Instance) => Promise<Reply>, secondCall: (i: Instance) => Promise<Reply>): Promise<[Reply, Reply]> {
  const [a, b] = pair(trial);
  return Promise.all([first(a), secondCall(b)]);
}

/** A setup step through the in-test app that must succeed. */
async function setup(who: Person, path: string, body: object, status = 201): Promise<any> {
  const r = await instances[0].post(who, path, body);
  if (r.status !== status) throw new Error(`setup ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/**
 * Exactly one of the two succeeded; the other was refused with the named code (or, after the
 * store's bounded retries, a 409 concurrent_update). Returns which one won (0 or 1).
 */
function exactlyOneWins(replies: [Reply, Reply], success: number, loser: { status: number; code: string; or?: string[] }): 0 | 1 {
  const summary = replies.map((r) => `${r.status} ${r.body?.error?.code ?? ''}`.trim());
  const winners = replies.filter((r) => r.status === success);
  expect({ winners: winners.length, replies: summary }).toEqual({ winners: 1, replies: summary });
  const lost = replies.find((r) => r.status !== success)!;
  const allowed = [`${loser.status} ${loser.code}`, ...(loser.or ?? []).map((c) => `${loser.status} ${c}`), '409 concurrent_update'];
  expect(allowed).toContain(`${lost.status} ${lost.body?.error?.code}`);
  return replies[0].status === success ? 0 : 1;
}

const events = async (stream: string): Promise<RecordedEvent[]> => store.readStream(stream);
const ofType = (es: RecordedEvent[], ...types: string[]) => es.filter((e) => types.includes(e.type));

/** The project's open claims after every event of its stream: the highest they ever reached and where they ended. */
async function projectClaims(projectId: string) {
  let s: ProjectState = projectDecider.initialState();
  let peak = 0n;
  let peakAdvances = 0n;
  for (const e of await events(`project-${projectId}`)) {
    s = projectDecider.evolve(s, { type: e.type, data: e.data } as ProjectEvent);
    if (s.status === 'none') continue;
    if (s.claimed > peak) peak = s.claimed;
    if (s.advances > peakAdvances) peakAdvances = s.advances;
  }
  if (s.status === 'none') throw new Error(`project ${projectId} has no events`);
  return { budget: BigInt(s.definition.budgetFen), claimed: s.claimed, advances: s.advances, peak, peakAdvances, claims: s.claims };
}

/** Holds on a batch, by payment, from its own stream: amount and last status. */
async function holdsOn(batchId: string) {
  const holds = new Map<string, { amount: bigint; status: string }>();
  for (const e of await events(`fundbatch-${batchId}`)) {
    const d = e.data as Record<string, any>;
    if (e.type === 'FundsHeld') holds.set(d.paymentId, { amount: BigInt(d.amountFen), status: 'held' });
    if (e.type === 'HoldPosted') holds.get(d.paymentId)!.status = 'posted';
    if (e.type === 'HoldReleased') holds.get(d.paymentId)!.status = 'released';
    if (e.type === 'PaymentReversalCredited') holds.get(d.paymentId)!.status = 'reversed';
  }
  return holds;
}

/** Projections caught up with both writers, then verify: no difference, no conservation problem, no defect, no lag. */
async function expectBooksVerify() {
  await t.app.get(ProjectionRunner).waitUntilCaughtUp();
  const report = await verifyReadModels(store, t.app.get(READ_DB), readModelProjections());
  expect({ defects: report.defects, differences: report.differences, conservation: report.conservation, lagging: report.lagging })
    .toEqual({ defects: [], differences: [], conservation: [], lagging: [] });
  expect(report.ok).toBe(true);
}

// ---- building blocks, all through HTTP ----

const batchBody = (batchId: string, amount: string, over: object = {}) => ({
  batchId, documentNo: `县财〔2016〕${batchId}号`, title: '县级财政专项扶贫资金', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
  recipientUnitCode: '990101000000', fiscalYear: 2016, amount, effectiveDate: '2016-03-01', purpose: '基础设施', ...over,
});

type Stage = 'approved' | 'accepted';

/** A village road of 100,000.00 yuan at a stage of its life, funded by one allocation per batch named. */
async function worksProject(projectId: string, stage: Stage, funding: Array<{ batchId: string; allocationId: string; amount: string }>, budget = '100000.00') {
  await setup('countyFinance', '/projects', { projectId, name: `${projectId} 村道硬化`, type: 'ROAD', unitCode: '990101001001', implementer: '双龙村村民委员会',
    budget, plannedStart: '2016-04-10', plannedEnd: '2016-10-31' });
  const milestone = (kind: string, date: string, extra: object = {}) =>
    setup('countyFinance', `/projects/${projectId}/milestones`, { milestoneId: `${projectId}-${kind}`, kind, date, ...extra });
  await milestone('approved', '2016-04-05', { documentNo: '县扶贫办〔2016〕3号' });
  if (stage === 'accepted') {
    await milestone('started', '2016-04-10');
    await milestone('completed', '2016-06-01');
    await milestone('accepted', '2016-06-10', { result: 'passed' });
  }
  for (const f of funding) {
    await setup('countyFinance', '/fund-batches', batchBody(f.batchId, f.amount));
    await setup('countyFinance', `/fund-batches/${f.batchId}/allocations`, { allocationId: f.allocationId, target: { type: 'project', projectId }, amount: f.amount,
      effectiveDate: '2016-04-06', documentNo: `县财发〔2016〕${f.allocationId}号` });
  }
}

const paymentBody = (paymentId: string, projectId: string, allocationId: string, amount: string, over: Record<string, unknown> = {}) => ({
  paymentId, projectId, allocationId, amount, purpose: '村道硬化工程款', installment: 'final', effectiveDate: '2016-07-01',
  payee: { type: 'contractor', id: 'CT-ROAD', name: '某建筑工程有限公司', account: '6222020200112233445' }, ...over,
});

/** A requested advance of 10,000.00 on a fresh road project, optionally approved: the start of the settlement races. */
async function requestedPayment(suffix: string, approved: boolean) {
  await worksProject(`P-${suffix}`, 'approved', [{ batchId: `B-${suffix}`, allocationId: `A-${suffix}`, amount: '100000.00' }]);
  const paymentId = `PAY-${suffix}`;
  await setup('countyFinance', '/payments', paymentBody(paymentId, `P-${suffix}`, `A-${suffix}`, '10000.00', { installment: 'advance', effectiveDate: '2016-04-20' }));
  if (approved) await setup('countyApprover', `/payments/${paymentId}/approval`, { approved: true, effectiveDate: '2016-04-21' }, 200);
  return paymentId;
}

beforeAll(async () => {
  t = await startTestApp('postgres', { DATABASE_POOL_SIZE: '20' });
  store = t.app.get(EventStore);
  await t.app.listen(0, '127.0.0.1');
  const address = t.app.getHttpServer().address() as { port: number };
  second = await startApiProcess(t.schema, { DATABASE_POOL_SIZE: '20' });
  instances = [instanceAt('in-test app', `http://127.0.0.1:${address.port}`), instanceAt('api process', second.url)];
  await registerCounty(t.app);
}, 180_000);

afterAll(async () => {
  await second?.stop();
  await t?.close();
});

describe('two api instances, two OS processes, one PostgreSQL schema: each race has exactly one winner', () => {
  test('the two instances are distinct processes writing to the same log', async () => {
    expect(second.child.pid).not.toBe(process.pid);
    await setup('countyFinance', '/fund-batches', batchBody('B-PROBE-1', '1.00'));
    const r = await instances[1].post('countyFinance', '/fund-batches', batchBody('B-PROBE-2', '2.00'));
    expect(r.status).toBe(201);
    // What the process wrote, the in-test app reads from the same store.
    expect((await events('fundbatch-B-PROBE-2')).map((e) => e.type)).toEqual(['FundBatchIssued']);
    expect((await events('fundbatch-B-PROBE-2'))[0].metadata).toMatchObject({ actor: { principalId: 'cty-fin' } });
  });

  test('two payments each for the whole 100,000.00 budget: one is accepted, claims never exceed the budget', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const s = `BUD-${trial}`;
      // Even trials: both draw on one allocation of 200,000.00. Odd trials: each on its own batch,
      // so the project's stream is the only stream the two payments share.
      const funding = trial % 2 === 0
        ? [{ batchId: `B-${s}`, allocationId: `A-${s}`, amount: '200000.00' }]
        : [{ batchId: `B-${s}-1`, allocationId: `A-${s}-1`, amount: '100000.00' }, { batchId: `B-${s}-2`, allocationId: `A-${s}-2`, amount: '100000.00' }];
      await worksProject(`P-${s}`, 'accepted', funding);
      const alloc = (k: number) => funding[Math.min(k, funding.length - 1)].allocationId;
      const replies = await race(trial,
        (i) => i.post('countyFinance', '/payments', paymentBody(`PAY-${s}-1`, `P-${s}`, alloc(0), '100000.00', { payee: { type: 'contractor', id: 'CT-1', name: '甲公司', account: `62220${trial}1` } })),
        (i) => i.post('countyFinance', '/payments', paymentBody(`PAY-${s}-2`, `P-${s}`, alloc(1), '100000.00', { payee: { type: 'contractor', id: 'CT-2', name: '乙公司', account: `62220${trial}2` } })));
      const winner = exactlyOneWins(replies, 201, { status: 422, code: 'exceeds_budget' });
      const c = await projectClaims(`P-${s}`);
      expect({ claimed: c.claimed, peak: c.peak, budget: c.budget }).toEqual({ claimed: 100000_00n, peak: 100000_00n, budget: 100000_00n });
      expect([...c.claims.keys()]).toEqual([`PAY-${s}-${winner + 1}`]);
      // The refused payment left nothing anywhere: no payment stream, no hold on any batch.
      expect(await events(`payment-PAY-${s}-${2 - winner}`)).toEqual([]);
      let held = 0n;
      for (const f of funding) for (const h of (await holdsOn(f.batchId)).values()) held += h.amount;
      expect(held).toBe(100000_00n);
      await expectBooksVerify();
    }
  });

  test('two advances of 30,000.00 against a 30% cap on a 100,000.00 budget: one is accepted', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const s = `ADV-${trial}`;
      // The allocation is twice the cap, so it is the advance share that limits.
      await worksProject(`P-${s}`, 'approved', [{ batchId: `B-${s}`, allocationId: `A-${s}`, amount: '200000.00' }]);
      const advance = (n: number) => (i: Instance) => i.post('countyFinance', '/payments',
        paymentBody(`PAY-${s}-${n}`, `P-${s}`, `A-${s}`, '30000.00', { installment: 'advance', effectiveDate: '2016-04-20' }));
      const replies = await race(trial, advance(1), advance(2));
      exactlyOneWins(replies, 201, { status: 422, code: 'advance_exceeds_limit' });
      const c = await projectClaims(`P-${s}`);
      expect({ advances: c.advances, peakAdvances: c.peakAdvances }).toEqual({ advances: 30000_00n, peakAdvances: 30000_00n });
      expect([...(await holdsOn(`B-${s}`)).values()].map((h) => h.amount)).toEqual([30000_00n]);
      await expectBooksVerify();
    }
  });

  test('approve ∥ reject of one payment: one decision stands, and the hold follows it', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const paymentId = await requestedPayment(`DEC-${trial}`, false);
      const replies = await race(trial,
        (i) => i.post('countyApprover', `/payments/${paymentId}/approval`, { approved: true, comment: '同意', effectiveDate: '2016-04-21' }),
        (i) => i.post('countyApprover', `/payments/${paymentId}/approval`, { approved: false, comment: '驳回', effectiveDate: '2016-04-21' }));
      const winner = exactlyOneWins(replies, 200, { status: 422, code: 'payment_already_decided' });
      const expected = winner === 0 ? 'approved' : 'rejected';
      expect(replies[winner].body.status).toBe(expected);
      const log = await events(`payment-${paymentId}`);
      expect(log.map((e) => e.type)).toEqual(['PaymentRequested', winner === 0 ? 'PaymentApproved' : 'PaymentRejected']);
      expect((await holdsOn(`B-DEC-${trial}`)).get(paymentId)?.status).toBe(winner === 0 ? 'held' : 'released');
      expect((await projectClaims(`P-DEC-${trial}`)).claimed).toBe(winner === 0 ? 10000_00n : 0n);
      await expectBooksVerify();
    }
  });

  test('execute ∥ fail of one approved payment: one settlement stands', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const paymentId = await requestedPayment(`SET-${trial}`, true);
      const replies = await race(trial,
        (i) => i.post('countyFinance', `/payments/${paymentId}/execution`, { channel: 'bank_transfer', bankReference: `BR-SET-${trial}`, effectiveDate: '2016-04-22' }),
        (i) => i.post('countyFinance', `/payments/${paymentId}/failure`, { reason: '账户名与账号不符', effectiveDate: '2016-04-22' }));
      const winner = exactlyOneWins(replies, 200, { status: 422, code: 'payment_already_settled' });
      const log = await events(`payment-${paymentId}`);
      expect(ofType(log, 'PaymentExecuted', 'PaymentFailed').map((e) => e.type)).toEqual([winner === 0 ? 'PaymentExecuted' : 'PaymentFailed']);
      expect((await holdsOn(`B-SET-${trial}`)).get(paymentId)?.status).toBe(winner === 0 ? 'posted' : 'released');
      expect((await projectClaims(`P-SET-${trial}`)).claimed).toBe(winner === 0 ? 10000_00n : 0n);
      await expectBooksVerify();
    }
  });

  test('execute ∥ execute with different bank references: one execution stands, paid once', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const paymentId = await requestedPayment(`EXE-${trial}`, true);
      const execute = (ref: string) => (i: Instance) =>
        i.post('countyFinance', `/payments/${paymentId}/execution`, { channel: 'bank_transfer', bankReference: ref, effectiveDate: '2016-04-22' });
      const replies = await race(trial, execute(`BR-EXE-${trial}-A`), execute(`BR-EXE-${trial}-B`));
      const winner = exactlyOneWins(replies, 200, { status: 422, code: 'payment_already_settled' });
      const executed = ofType(await events(`payment-${paymentId}`), 'PaymentExecuted');
      expect(executed.map((e) => e.data.bankReference)).toEqual([`BR-EXE-${trial}-${winner === 0 ? 'A' : 'B'}`]);
      expect(ofType(await events(`fundbatch-B-EXE-${trial}`), 'HoldPosted')).toHaveLength(1);
      await expectBooksVerify();
    }
  });

  test('two payments executed with one bank reference on one channel: one stands, the other 409 bank_reference_reused', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const first = await requestedPayment(`BRF-${trial}`, true);
      const second = await requestedPayment(`BRS-${trial}`, true);
      const execute = (paymentId: string) => (i: Instance) =>
        i.post('countyFinance', `/payments/${paymentId}/execution`, { channel: 'one_card', bankReference: `SAME-REF-${trial}`, effectiveDate: '2016-04-22' });
      const replies = await race(trial, execute(first), execute(second));
      const winner = exactlyOneWins(replies, 200, { status: 409, code: 'bank_reference_reused' });
      const loser = winner === 0 ? second : first;
      expect(ofType(await events(`payment-${loser}`), 'PaymentExecuted')).toHaveLength(0);
      // The same reference on another channel is another transfer.
      const other = await requestedPayment(`BRO-${trial}`, true);
      await setup('countyFinance', `/payments/${other}/execution`, { channel: 'bank_transfer', bankReference: `SAME-REF-${trial}`, effectiveDate: '2016-04-22' }, 200);
      await expectBooksVerify();
    }
  });

  test('two payments executed at once with one bank reference written two ways (full-width, lower case, spaces): one stands, the other 409 bank_reference_reused', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const first = await requestedPayment(`BRW-${trial}`, true);
      const other = await requestedPayment(`BRV-${trial}`, true);
      const written = [`OC-2016-${trial}`, `ｏｃ－２０１６－${String.fromCharCode(0xff10 + trial)}`.replace('－２０１６', ' - 2016')];
      const execute = (paymentId: string, bankReference: string) => (i: Instance) =>
        i.post('countyFinance', `/payments/${paymentId}/execution`, { channel: 'one_card', bankReference, effectiveDate: '2016-04-22' });
      const replies = await race(trial, execute(first, written[0]), execute(other, written[1]));
      const winner = exactlyOneWins(replies, 200, { status: 409, code: 'bank_reference_reused' });
      expect(ofType(await events(`payment-${winner === 0 ? other : first}`), 'PaymentExecuted')).toHaveLength(0);
      // Kept as written, in the one stream of its key.
      const used = await events(Streams.bankReference('one_card', written[0]));
      expect(used.map((e) => [e.data.paymentId, e.data.bankReference])).toEqual([[winner === 0 ? first : other, written[winner]]]);
      await expectBooksVerify();
    }
  });

  test('two re-payments of one failed transfer: one is linked to it, the other 409 payment_already_replaced', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const failed = await requestedPayment(`RPF-${trial}`, true);
      await setup('countyFinance', `/payments/${failed}/failure`, { reason: '账户已销户', effectiveDate: '2016-04-22' }, 200);
      const again = (paymentId: string) => (i: Instance) => i.post('countyFinance', '/payments',
        paymentBody(paymentId, `P-RPF-${trial}`, `A-RPF-${trial}`, '10000.00', { installment: 'advance', effectiveDate: '2016-04-25', replacesPaymentId: failed }));
      const replies = await race(trial, again(`RP1-${trial}`), again(`RP2-${trial}`));
      const winner = exactlyOneWins(replies, 201, { status: 409, code: 'payment_already_replaced' });
      const replaced = ofType(await events(`payment-${failed}`), 'PaymentReplaced');
      expect(replaced.map((e) => e.data.replacedBy)).toEqual([winner === 0 ? `RP1-${trial}` : `RP2-${trial}`]);
      await expectBooksVerify();
    }
  });

  test('void ∥ allocation out of one batch: either the batch is voided and nothing left it, or the money moved and the void is refused', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      await worksProject(`P-VOID-${trial}`, 'approved', []);
      await setup('countyFinance', '/fund-batches', batchBody(`B-VOID-${trial}`, '100000.00'));
      const replies = await race(trial,
        (i) => i.post('countyFinance', `/fund-batches/B-VOID-${trial}/void`, { reason: '录入错误', effectiveDate: '2016-04-07' }),
        (i) => i.post('countyFinance', `/fund-batches/B-VOID-${trial}/allocations`, { allocationId: `A-VOID-${trial}`,
          target: { type: 'project', projectId: `P-VOID-${trial}` }, amount: '100000.00', effectiveDate: '2016-04-06', documentNo: '县财发〔2016〕V号' }));
      const summary = replies.map((r) => `${r.status} ${r.body?.error?.code ?? ''}`.trim());
      const voided = replies[0].status === 200;
      // Exactly one stands; the other is refused by name (or found the stream moved and gave up after its retries).
      expect({ summary, winners: Number(voided) + Number(replies[1].status === 201) }).toEqual({ summary, winners: 1 });
      expect(voided ? ['422 batch_voided', '409 concurrent_update'] : ['422 batch_has_moved_money', '409 concurrent_update'])
        .toContain(voided ? summary[1] : summary[0]);
      const log = await events(`fundbatch-B-VOID-${trial}`);
      expect(ofType(log, 'FundBatchVoided', 'FundsAllocated').map((e) => e.type)).toEqual([voided ? 'FundBatchVoided' : 'FundsAllocated']);
      expect(ofType(await events(`project-P-VOID-${trial}`), 'ProjectFundsCommitted')).toHaveLength(voided ? 0 : 1);
      await expectBooksVerify();
    }
  });

  test('two returns up out of a closed batch of the money that reached it after its closure: one stands, the other insufficient_balance; it never gives more than came back', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const s = `LATE-${trial}`;
      // The county's batch passes all of it to a township's, which passes all of it to a village's and closes, holding nothing.
      await setup('countyFinance', '/fund-batches', batchBody(`R-${s}`, '100000.00'));
      await setup('countyFinance', `/fund-batches/R-${s}/allocations`, { allocationId: `AC-${s}`, target: { type: 'batch', batchId: `C-${s}`, recipientUnitCode: '990101001000' },
        amount: '100000.00', effectiveDate: '2016-03-10', documentNo: `县财发〔2016〕${s}-1号` });
      await setup('countyFinance', `/fund-batches/C-${s}/allocations`, { allocationId: `AK-${s}`, target: { type: 'batch', batchId: `K-${s}`, recipientUnitCode: '990101001001' },
        amount: '100000.00', effectiveDate: '2016-03-11', documentNo: `乡财发〔2016〕${s}-1号` });
      await setup('countyFinance', `/fund-batches/C-${s}/closure`, { effectiveDate: '2016-12-31', remainder: 'return' }, 200);
      // In January the village's batch sends 40,000.00 back to the closed township batch.
      await setup('countyFinance', `/fund-batches/K-${s}/returns`, { returnId: `RK-${s}`, amount: '40000.00', reason: '项目取消，资金退回', effectiveDate: '2017-01-10' });
      // The township returns it up twice at once, from each instance: together more than came back.
      const returnUp = (k: number, amount: string) => (i: Instance) => i.post('countyFinance', `/fund-batches/C-${s}/returns`,
        { returnId: `RC-${s}-${k}`, amount, reason: '退回资金上缴', effectiveDate: '2017-01-11' });
      const replies = await race(trial, returnUp(1, '40000.00'), returnUp(2, '30000.00'));
      const winner = exactlyOneWins(replies, 201, { status: 422, code: 'insufficient_balance' });
      const up = ofType(await events(`fundbatch-C-${s}`), 'FundsReturned');
      expect(up.map((e) => [e.data.returnId, e.data.amountFen])).toEqual([[`RC-${s}-${winner + 1}`, winner === 0 ? '4000000' : '3000000']]);
      // What the closed batch gave up arrived at the county's, once; the county's batch is credited nothing else.
      expect(ofType(await events(`fundbatch-R-${s}`), 'ReturnReceived').map((e) => e.data.amountFen)).toEqual([up[0].data.amountFen]);
      await expectBooksVerify();
    }
  });

  test('one new payment id with two different bodies: one 201, the other 409 id_reused_with_different_payload; the hold is the stored amount', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const s = `IDR-${trial}`;
      await worksProject(`P-${s}`, 'accepted', [{ batchId: `B-${s}`, allocationId: `A-${s}`, amount: '100000.00' }]);
      const bodies = [
        paymentBody(`PAY-${s}`, `P-${s}`, `A-${s}`, '40000.00', { payee: { type: 'contractor', id: 'CT-1', name: '甲公司', account: `62221${trial}1` } }),
        paymentBody(`PAY-${s}`, `P-${s}`, `A-${s}`, '25000.00', { payee: { type: 'contractor', id: 'CT-2', name: '乙公司', account: `62221${trial}2` } }),
      ];
      const replies = await race(trial, (i) => i.post('countyFinance', '/payments', bodies[0]), (i) => i.post('countyFinance', '/payments', bodies[1]));
      const winner = exactlyOneWins(replies, 201, { status: 409, code: 'id_reused_with_different_payload' });
      const requested = ofType(await events(`payment-PAY-${s}`), 'PaymentRequested');
      expect(requested).toHaveLength(1);
      expect(requested[0].data).toMatchObject({ amountFen: winner === 0 ? '4000000' : '2500000', payee: { id: winner === 0 ? 'CT-1' : 'CT-2' } });
      const holds = await holdsOn(`B-${s}`);
      expect([...holds.entries()]).toEqual([[`PAY-${s}`, { amount: BigInt(requested[0].data.amountFen as string), status: 'held' }]]);
      expect((await projectClaims(`P-${s}`)).claimed).toBe(BigInt(requested[0].data.amountFen as string));
      await expectBooksVerify();
    }
  });

  test('two allocations naming the same new child batch: one succeeds, the other batch_id_taken; no money leaves a parent without arriving', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const s = `CHD-${trial}`;
      // Even trials: one parent, two allocation ids. Odd trials: two parents, so the child's stream is all they share.
      const parents = trial % 2 === 0 ? [`B-${s}`, `B-${s}`] : [`B-${s}-1`, `B-${s}-2`];
      for (const p of new Set(parents)) await setup('countyFinance', '/fund-batches', batchBody(p, '100000.00'));
      const allocate = (k: number, amount: string) => (i: Instance) => i.post('countyFinance', `/fund-batches/${parents[k]}/allocations`, {
        allocationId: `A-${s}-${k + 1}`, target: { type: 'batch', batchId: `C-${s}`, recipientUnitCode: '990101001000' }, amount,
        effectiveDate: '2016-03-10', documentNo: `县财发〔2016〕${s}-${k + 1}号` });
      const replies = await race(trial, allocate(0, '60000.00'), allocate(1, '70000.00'));
      const winner = exactlyOneWins(replies, 201, { status: 422, code: 'batch_id_taken' });
      const child = await events(`fundbatch-C-${s}`);
      expect(child.map((e) => e.type)).toEqual(['FundBatchIssued']);
      expect(child[0].data).toMatchObject({ parentBatchId: parents[winner], allocationId: `A-${s}-${winner + 1}`, amountFen: winner === 0 ? '6000000' : '7000000' });
      // Every allocation to a batch that left either parent arrived in the child, and only the winner's did.
      const out: Array<[string, string, string]> = [];
      for (const p of new Set(parents)) {
        for (const e of ofType(await events(`fundbatch-${p}`), 'FundsAllocated')) out.push([p, e.data.allocationId as string, e.data.amountFen as string]);
      }
      expect(out).toEqual([[parents[winner], `A-${s}-${winner + 1}`, child[0].data.amountFen]]);
      await expectBooksVerify();
    }
  });

  test('one payment id used on two projects: one succeeds, and no batch holds money for a payment it does not own', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const s = `TWO-${trial}`;
      await worksProject(`P-${s}-1`, 'accepted', [{ batchId: `B-${s}-1`, allocationId: `A-${s}-1`, amount: '100000.00' }]);
      await worksProject(`P-${s}-2`, 'accepted', [{ batchId: `B-${s}-2`, allocationId: `A-${s}-2`, amount: '100000.00' }]);
      const request = (k: number) => (i: Instance) => i.post('countyFinance', '/payments', paymentBody(`PAY-${s}`, `P-${s}-${k}`, `A-${s}-${k}`, '50000.00'));
      const replies = await race(trial, request(1), request(2));
      const winner = exactlyOneWins(replies, 201, { status: 409, code: 'id_reused_with_different_payload' });
      const requested = ofType(await events(`payment-PAY-${s}`), 'PaymentRequested');
      expect(requested.map((e) => e.data.projectId)).toEqual([`P-${s}-${winner + 1}`]);
      const holds = [...(await holdsOn(`B-${s}-1`)).keys(), ...(await holdsOn(`B-${s}-2`)).keys()];
      expect(holds).toEqual([`PAY-${s}`]);
      expect((await holdsOn(`B-${s}-${winner + 1}`)).has(`PAY-${s}`)).toBe(true);
      expect((await projectClaims(`P-${s}-${2 - winner}`)).claimed).toBe(0n);
      await expectBooksVerify();
    }
  });

  test('the same request sent to both instances at once is one payment: both answer it, one is written', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const s = `RTY-${trial}`;
      await worksProject(`P-${s}`, 'accepted', [{ batchId: `B-${s}`, allocationId: `A-${s}`, amount: '100000.00' }]);
      const body = paymentBody(`PAY-${s}`, `P-${s}`, `A-${s}`, '35000.00', { payee: { type: 'contractor', id: 'CT-1', name: '甲公司', account: `62223${trial}1` } });
      const replies = await race(trial, (i) => i.post('countyFinance', '/payments', body), (i) => i.post('countyFinance', '/payments', body));
      for (const r of replies) {
        expect([200, 201]).toContain(r.status);
        expect(r.body).toMatchObject({ paymentId: `PAY-${s}`, amount: '35000.00', status: 'requested' });
      }
      expect((await events(`payment-PAY-${s}`)).map((e) => e.type)).toEqual(['PaymentRequested']);
      expect(ofType(await events(`fundbatch-B-${s}`), 'FundsHeld')).toHaveLength(1);
      expect(ofType(await events(`project-P-${s}`), 'ProjectPaymentClaimed')).toHaveLength(1);
      await expectBooksVerify();
    }
  });

  // Found by this suite: the streams of a boundary are read one query each, so a commit could fall
  // between two reads and a refusal be judged on a state that never existed (the payment still
  // approved, its hold already posted: hold_not_open). A refusal now stands only when a second read
  // finds no revision moved.
  test('torn re-read: the failure that loses to an execution is refused payment_already_settled, never on a mixed state', async () => {
    const codes: string[] = [];
    for (let trial = 0; trial < 5 * TRIALS; trial++) {
      const paymentId = await requestedPayment(`TRN-${trial}`, true);
      const replies = await race(trial,
        (i) => i.post('countyFinance', `/payments/${paymentId}/execution`, { channel: 'bank_transfer', bankReference: `BR-TRN-${trial}`, effectiveDate: '2016-04-22' }),
        (i) => i.post('countyFinance', `/payments/${paymentId}/failure`, { reason: '账户名与账号不符', effectiveDate: '2016-04-22' }));
      exactlyOneWins(replies, 200, { status: 422, code: 'payment_already_settled', or: ['hold_not_open'] });
      const lost = replies.find((r) => r.status !== 200)!;
      codes.push(lost.body.error.code);
    }
    expect(codes.filter((c) => c === 'hold_not_open')).toEqual([]);
  });

  // Found by this suite: a refused request used to delete the account it had stored in the vault,
  // although a concurrent request for the same account (equal values, equal references) had just
  // written a payment referring to it. A refused command no longer deletes vault values.
  test('vault and races: a payee account survives a race its request lost (the winner\'s payment keeps its account)', async () => {
    // Both requests name the same contractor account; the loser's process may have been the one
    // that stored it in the personal-data vault. A refused command may take back only what nothing refers to.
    const db = await rawClient(t.schema);
    try {
      // The control: a payment requested alone has its account in the vault under the ref its event carries.
      await worksProject('P-PII-C', 'accepted', [{ batchId: 'B-PII-C', allocationId: 'A-PII-C', amount: '100000.00' }]);
      await setup('countyFinance', '/payments', paymentBody('PAY-PII-C', 'P-PII-C', 'A-PII-C', '1.00', { payee: { type: 'contractor', id: 'CT-1', name: '甲公司', account: '6222888800001' } }));
      const [control] = await events('payment-PAY-PII-C');
      const controlRef = (control.data as { payee: { accountRef: string } }).payee.accountRef;
      expect((await db.query('select value from personal_data where ref = $1', [controlRef])).rows).toEqual([{ value: '6222888800001' }]);
      // More trials than the other races: the defect shows only when the loser's process was the one that stored the account.
      for (let trial = 0; trial < 3 * TRIALS; trial++) {
        const s = `PII-${trial}`;
        await worksProject(`P-${s}`, 'accepted', [{ batchId: `B-${s}`, allocationId: `A-${s}`, amount: '200000.00' }]);
        const account = `6222777${trial}00${Date.now() % 100000}`;
        const request = (n: number) => (i: Instance) => i.post('countyFinance', '/payments',
          paymentBody(`PAY-${s}-${n}`, `P-${s}`, `A-${s}`, '100000.00', { payee: { type: 'contractor', id: 'CT-1', name: '甲公司', account } }));
        const replies = await race(trial, request(1), request(2));
        const winner = exactlyOneWins(replies, 201, { status: 422, code: 'exceeds_budget' });
        const [requested] = await events(`payment-PAY-${s}-${winner + 1}`);
        const ref = (requested.data as { payee: { accountRef: string } }).payee.accountRef;
        const stored = await db.query<{ value: string | null }>('select value from personal_data where ref = $1', [ref]);
        expect({ trial, stored: stored.rows.map((r) => r.value) }).toEqual({ trial, stored: [account] });
      }
    } finally {
      await db.end();
    }
  });

  test('two confirmations of one case closure, one at each instance: exactly one CaseClosed', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const caseId = `RACE-CASE-${trial}`;
      await setup('inspector', '/cases', { caseId, title: '检查', source: 'inspection', subjectUnitCode: '990101000000', alertIds: [], crossInspection: false,
        dueDate: '2018-06-30', effectiveDate: '2018-03-01' });
      await setup('inspector', `/cases/${caseId}/findings`, { findingId: 'F', findingType: 'NEGLIGENCE', description: '台账不全', effectiveDate: '2018-03-02' });
      await setup('inspector', `/cases/${caseId}/closure`, { effectiveDate: '2018-03-03' }, 200);
      const confirm = (comment: string) => (i: Instance) => i.post('inspector2', `/cases/${caseId}/closure/confirmation`, { confirmed: true, comment, effectiveDate: '2018-03-04' });
      const replies = await race(trial, confirm('同意销号'), confirm('同意'));
      exactlyOneWins(replies, 200, { status: 422, code: 'case_closed' });
      expect((await events(`case-${caseId}`)).filter((e) => e.type === 'CaseClosed')).toHaveLength(1);
    }
  });

  test('two inspectors adopt the next rule-set version at once with different thresholds: one version stands, numbered in sequence', async () => {
    for (let trial = 0; trial < TRIALS; trial++) {
      const version = trial + 2;
      const adopt = (limit: number) => (i: Instance) => i.post('nationalInspector', '/rule-sets/red-flags/versions',
        { version, effectiveFrom: '2018-01-01', rules: { 'R-35': { params: { cashLimitFen: limit } } } });
      const replies = await race(trial, adopt(60000 + trial), adopt(70000 + trial));
      exactlyOneWins(replies, 201, { status: 409, code: 'id_reused_with_different_payload' });
      const adopted = (await events('ruleset-redflags')).filter((e) => e.type === 'RuleSetAdopted').map((e) => (e.data as { version: number }).version);
      expect(adopted).toEqual(Array.from({ length: trial + 1 }, (_, k) => k + 2));
    }
  });
});
