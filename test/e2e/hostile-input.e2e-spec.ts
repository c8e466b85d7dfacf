import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import request from 'supertest';
import { EventStore } from '@yuantrace/event-store';
import { startTestApp } from '../support/app';
import { approveAndStart, registerCounty, registerHousehold, reportProgress, testIdNumber } from '../support/county';
import { client } from '../support/http';
import { bearer, type Person } from '../support/principals';

/**
 * Hostile input gets a 4xx and writes nothing. A property per write route: starting from a body
 * that the route accepts, fast-check mutates it (a field replaced by anything JSON can hold, a
 * string salted with NUL, other control characters or a lone surrogate, a field deleted or
 * added, a value nested deep) and every answer must be below 500; every refusal must leave the
 * log as it was.
 */
describe('hostile input on every write route (PostgreSQL server)', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  const fin = () => api.as('countyFinance');
  let seq = 0;
  const next = (prefix: string) => `${prefix}-${++seq}`;

  beforeAll(async () => {
    t = await startTestApp('postgres');
    api = client(t.app);
    await registerCounty(t.app);
    await fin().post('/fund-batches', { batchId: 'HI-B', documentNo: '县财〔2016〕1号', title: 't', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
      recipientUnitCode: '990101000000', fiscalYear: 2016, amount: '100000000.00', effectiveDate: '2016-03-01', purpose: 'p' }).expect(201);
    await fin().post('/projects', { projectId: 'HI-P', name: 'p', type: 'ROAD', unitCode: '990101001001', implementer: 'i', budget: '100000000.00',
      plannedStart: '2016-05-01', plannedEnd: '2016-10-31' }).expect(201);
    await approveAndStart(t.app, 'HI-P');
    await reportProgress(t.app, 'HI-P', 100, '2016-05-20');
    await fin().post('/fund-batches/HI-B/allocations', { allocationId: 'HI-A', target: { type: 'project', projectId: 'HI-P' }, amount: '50000000.00',
      effectiveDate: '2016-04-20', documentNo: 'd' }).expect(201);
    await registerHousehold(t.app, 'HI-H', 900).expect(201);
  }, 60_000);
  afterAll(async () => t?.close());

  const payment = (paymentId: string) => ({ paymentId, projectId: 'HI-P', allocationId: 'HI-A', amount: '10.00', purpose: '进度款', installment: 'progress',
    effectiveDate: '2016-06-01', payee: { type: 'contractor', id: 'C', name: '某公司', account: '6222000011110000' } });
  /** A payment approved and ready for execution, failure or reversal: fresh for every run. */
  const requested = async (approved: boolean) => {
    const id = next('HI-PAY');
    await fin().post('/payments', payment(id)).expect(201);
    if (approved) await api.as('countyApprover').post(`/payments/${id}/approval`, { approved: true, effectiveDate: '2016-06-02' }).expect(200);
    return id;
  };

  /** A case of the test county (not cross-inspected), with a finding, and its closure proposed by the first inspector: fresh for every run. */
  const openCase = async (finding: boolean, proposed = false) => {
    const id = next('HI-CASE');
    await api.as('inspector').post('/cases', { caseId: id, title: '检查', source: 'inspection', subjectUnitCode: '990101000000', alertIds: [], crossInspection: false,
      dueDate: '2018-06-30', effectiveDate: '2018-03-01' }).expect(201);
    if (finding) await api.as('inspector').post(`/cases/${id}/findings`, { findingId: 'F', findingType: 'NEGLIGENCE', description: 'x', effectiveDate: '2018-03-02' }).expect(201);
    if (proposed) await api.as('inspector').post(`/cases/${id}/closure`, { effectiveDate: '2018-03-03' }).expect(200);
    return id;
  };

  type Route = { name: string; who: Person; method: 'post' | 'put'; path: () => Promise<string>; body: () => Record<string, unknown> };
  const routes: Route[] = [
    { name: 'PUT /admin-units/{code}', who: 'countyFinance', method: 'put', path: async () => '/admin-units/990101001077', body: () => ({ name: '新村', level: 'village', parentCode: '990101001000' }) },
    { name: 'POST /fund-batches', who: 'countyFinance', method: 'post', path: async () => '/fund-batches', body: () => ({ batchId: next('HI-NB'), documentNo: '县财〔2016〕9号', title: 't',
      source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY', recipientUnitCode: '990101000000', fiscalYear: 2016, amount: '1.00', effectiveDate: '2016-03-01', purpose: 'p' }) },
    { name: 'POST /fund-batches/{id}/allocations', who: 'countyFinance', method: 'post', path: async () => '/fund-batches/HI-B/allocations',
      body: () => ({ allocationId: next('HI-AL'), target: { type: 'project', projectId: 'HI-P' }, amount: '1.00', effectiveDate: '2016-04-20', documentNo: 'd' }) },
    { name: 'POST /fund-batches/{id}/returns', who: 'countyFinance', method: 'post', path: async () => '/fund-batches/HI-B/returns',
      body: () => ({ returnId: next('HI-RT'), amount: '1.00', reason: '结余', effectiveDate: '2016-12-01', allocationId: 'HI-A' }) },
    { name: 'POST /projects', who: 'countyFinance', method: 'post', path: async () => '/projects', body: () => ({ projectId: next('HI-NP'), name: 'p', type: 'WATER',
      unitCode: '990101001001', implementer: 'i', budget: '100.00', plannedStart: '2016-05-01', plannedEnd: '2016-10-31' }) },
    { name: 'POST /projects/{id}/milestones', who: 'countyFinance', method: 'post', path: async () => '/projects/HI-P/milestones',
      body: () => ({ milestoneId: next('HI-M'), kind: 'progress', date: '2016-05-21', percentComplete: 100 }) },
    { name: 'POST /payments', who: 'countyFinance', method: 'post', path: async () => '/payments', body: () => payment(next('HI-PAY')) },
    { name: 'POST /payments/{id}/approval', who: 'countyApprover', method: 'post', path: async () => `/payments/${await requested(false)}/approval`,
      body: () => ({ approved: true, comment: '同意', effectiveDate: '2016-06-02' }) },
    { name: 'POST /payments/{id}/execution', who: 'countyFinance', method: 'post', path: async () => `/payments/${await requested(true)}/execution`,
      body: () => ({ channel: 'bank_transfer', bankReference: next('BR'), effectiveDate: '2016-06-03' }) },
    { name: 'POST /payments/{id}/failure', who: 'countyFinance', method: 'post', path: async () => `/payments/${await requested(true)}/failure`,
      body: () => ({ reason: '退票', effectiveDate: '2016-06-03' }) },
    { name: 'POST /payments/{id}/reversal', who: 'countyFinance', method: 'post', path: async () => {
      const id = await requested(true);
      await fin().post(`/payments/${id}/execution`, { channel: 'bank_transfer', bankReference: `BR-${id}`, effectiveDate: '2016-06-03' }).expect(200);
      return `/payments/${id}/reversal`;
    }, body: () => ({ reason: '追回', effectiveDate: '2016-06-04', documentNo: '追回文' }) },
    { name: 'POST /fund-batches/{id}/closure', who: 'countyFinance', method: 'post', path: async () => {
      const id = next('HI-CB');
      await fin().post('/fund-batches', { batchId: id, documentNo: '县财〔2016〕9号', title: 't', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
        recipientUnitCode: '990101000000', fiscalYear: 2016, amount: '1.00', effectiveDate: '2016-03-01', purpose: 'p' }).expect(201);
      return `/fund-batches/${id}/closure`;
    }, body: () => ({ effectiveDate: '2016-12-31', remainder: 'carryOver', carryOver: { batchId: next('HI-CO'), fiscalYear: 2017, documentNo: '县财〔2017〕1号' } }) },
    { name: 'POST /fund-batches/{id}/void', who: 'countyFinance', method: 'post', path: async () => {
      const id = next('HI-VB');
      await fin().post('/fund-batches', { batchId: id, documentNo: '县财〔2016〕9号', title: 't', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
        recipientUnitCode: '990101000000', fiscalYear: 2016, amount: '1.00', effectiveDate: '2016-03-01', purpose: 'p' }).expect(201);
      return `/fund-batches/${id}/void`;
    }, body: () => ({ reason: '录入错误', effectiveDate: '2016-03-02' }) },
    { name: 'POST /households', who: 'countyFinance', method: 'post', path: async () => '/households', body: () => {
      const n = ++seq;
      return { householdId: `HI-H${n}`, unitCode: '990101001001', head: { name: `户主${n}`, idNumber: testIdNumber('1970-01-01', 100 + (n % 800)) },
        members: [], category: 'general', causes: ['ILLNESS'], registeredOn: '2015-10-01' };
    } },
    { name: 'POST /households/{id}/status', who: 'countyFinance', method: 'post', path: async () => '/households/HI-H/status',
      body: () => ({ status: 'exited', date: '2019-12-01', reason: '脱贫' }) },
    { name: 'POST /rule-sets/red-flags/versions', who: 'nationalInspector', method: 'post', path: async () => '/rule-sets/red-flags/versions',
      body: () => ({ version: 2, effectiveFrom: '2018-01-01', rules: { 'R-35': { params: { cashLimitFen: 60000 } } } }) },
    { name: 'POST /roster', who: 'countyFinance', method: 'post', path: async () => '/roster', body: () => {
      const n = ++seq;
      return { personId: `HI-RP${n}`, name: '村主任', role: 'village_cadre', unitCode: '990101001001', idNumber: testIdNumber('1975-05-05', 100 + (n % 800)),
        from: '2015-01-01', relatives: [{ name: '亲属', idNumber: testIdNumber('1976-06-06', 100 + (n % 800)), relation: 'sibling' }] };
    } },
    { name: 'POST /roster/{id}/leaving', who: 'countyFinance', method: 'post', path: async () => {
      const id = next('HI-RL');
      await fin().post('/roster', { personId: id, name: '队员', role: 'work_team_member', unitCode: '990101001001', idNumber: testIdNumber('1977-07-07', ++seq % 900 + 1),
        from: '2016-01-01', relatives: [] }).expect(201);
      return `/roster/${id}/leaving`;
    }, body: () => ({ date: '2018-06-30', reason: '换届' }) },
    // Lookups write nothing: a hostile body is still a 4xx, never a 5xx, and the log stays as it was.
    { name: 'POST /lookups/identity', who: 'countyFinance', method: 'post', path: async () => '/lookups/identity', body: () => ({ idNumber: testIdNumber('1970-01-01', 900) }) },
    { name: 'POST /lookups/account', who: 'countyFinance', method: 'post', path: async () => '/lookups/account', body: () => ({ account: '6222000011110000' }) },
    { name: 'POST /cases', who: 'inspector', method: 'post', path: async () => '/cases', body: () => ({ caseId: next('HI-NC'), title: '检查', source: 'inspection',
      subjectUnitCode: '990101000000', alertIds: [], crossInspection: false, dueDate: '2018-06-30', effectiveDate: '2018-03-01' }) },
    { name: 'POST /cases/{id}/findings', who: 'inspector', method: 'post', path: async () => `/cases/${await openCase(false)}/findings`,
      body: () => ({ findingId: 'F', findingType: 'WITHHOLDING', description: '截留', amount: '100.00', responsiblePersons: ['某'], effectiveDate: '2018-03-02' }) },
    { name: 'POST /cases/{id}/rectifications', who: 'inspector', method: 'post', path: async () => `/cases/${await openCase(true)}/rectifications`,
      body: () => ({ rectificationId: 'R', kind: 'accountability', findingId: 'F', personName: '某', measure: 'WARNING', description: '警告', effectiveDate: '2018-03-03' }) },
    { name: 'POST /cases/{id}/closure', who: 'inspector', method: 'post', path: async () => `/cases/${await openCase(true)}/closure`,
      body: () => ({ comment: '销号', shortfalls: [{ findingId: 'F', note: '无' }], effectiveDate: '2018-03-03' }) },
    { name: 'POST /cases/{id}/closure/confirmation', who: 'inspector2', method: 'post', path: async () => `/cases/${await openCase(true, true)}/closure/confirmation`,
      body: () => ({ confirmed: false, comment: '退回', effectiveDate: '2018-03-04' }) },
  ];

  /** What a hostile client puts in place of a value. */
  const hostile = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.constantFrom('\u0000', 'a\u0000b', '\ud800', 'x\udc00y', '\u001b[2J', '\u007f', '\u0085', '１２３', '-1', '0', '1e3', '9'.repeat(40), '', ' '),
    fc.string({ unit: 'binary', maxLength: 20 }),
    // Deep enough to pass the limit; the 3,000-deep case is below (fast-check cannot print a value that deep).
    fc.integer({ min: 1, max: 200 }).map((depth) => {
      let v: unknown = 'x';
      for (let i = 0; i < depth; i++) v = { a: v };
      return v;
    }),
  );
  type Mutation = { kind: 'replace' | 'delete' | 'add'; pick: number; value: unknown; key: string };
  const mutation: fc.Arbitrary<Mutation> = fc.record({ kind: fc.constantFrom('replace', 'delete', 'add'), pick: fc.nat(), value: hostile,
    key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'x\u0000', 'extra'), fc.string({ maxLength: 8 })) });

  /** Every object path of a body, so a mutation can reach nested fields (payee.account, target.type). */
  function paths(v: unknown, at: string[] = []): string[][] {
    if (typeof v !== 'object' || v === null) return [at];
    return [at, ...Object.entries(v).flatMap(([k, x]) => paths(x, [...at, k]))];
  }
  function mutate(body: Record<string, unknown>, m: Mutation): unknown {
    const copy = JSON.parse(JSON.stringify(body));
    const all = paths(copy).filter((p) => p.length > 0);
    // Everything deleted already: the body itself becomes the hostile value.
    if (all.length === 0) return m.kind === 'replace' ? m.value : { [m.key]: m.value };
    const target = all[m.pick % all.length];
    const parent = target.slice(0, -1).reduce((o, k) => o[k], copy);
    const last = target[target.length - 1];
    if (m.kind === 'replace') parent[last] = m.value;
    else if (m.kind === 'delete') delete parent[last];
    else {
      const into = typeof parent[last] === 'object' && parent[last] !== null ? parent[last] : parent;
      // JSON gives an array no named members (and an array's own "length" cannot be redefined): the hostile value goes in as one more element.
      if (Array.isArray(into)) into.push(m.value);
      else Object.defineProperty(into, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    }
    return copy;
  }

  test('the properties cover every write route the app serves', () => {
    const express = t.app.getHttpAdapter().getInstance();
    const stack: Array<{ route?: { path: string; methods: Record<string, boolean> } }> = (express.router ?? express._router).stack;
    const writes = stack.filter((l) => l.route && !l.route.path.includes('{*path}')).flatMap((l) => Object.keys(l.route!.methods).filter((m) => ['post', 'put'].includes(m))
      .map((m) => `${m.toUpperCase()} ${l.route!.path.replace(/:([A-Za-z]+)/g, (_, name: string) => (name === 'code' ? '{code}' : '{id}'))}`));
    expect(routes.map((r) => r.name).sort()).toEqual(writes.sort());
  });

  test.each(routes.map((r) => [r.name, r] as const))('%s: never a 5xx, and a refusal writes nothing', async (_name, route) => {
    const store = t.app.get(EventStore);
    await fc.assert(
      fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), async (mutations) => {
        const path = await route.path();
        const body = mutations.reduce<unknown>((b, m) => mutate(b as Record<string, unknown>, m), route.body());
        const before = await store.headPosition();
        const res = await request(t.app.getHttpServer())[route.method](path).set('authorization', bearer(t.app, route.who))
          .set('content-type', 'application/json').send(JSON.stringify(body));
        expect({ status: res.status, body: res.status >= 500 ? res.body : undefined }).toEqual({ status: expect.any(Number), body: undefined });
        expect(res.status).toBeLessThan(500);
        if (res.status >= 400) {
          expect(res.body.error).toMatchObject({ code: expect.any(String), message: expect.any(String) });
          expect(await store.headPosition()).toEqual(before);
        }
      }),
      { numRuns: 25, endOnFailure: true },
    );
  }, 120_000);

  test('named refusals: deep nesting, NUL, lone surrogates, control characters, oversized bodies', async () => {
    const deep = (n: number) => {
      let v: unknown = 'x';
      for (let i = 0; i < n; i++) v = [v];
      return v;
    };
    const post = (body: unknown) => request(t.app.getHttpServer()).post('/payments').set('authorization', bearer(t.app, 'countyFinance'))
      .set('content-type', 'application/json').send(typeof body === 'string' ? body : JSON.stringify(body));
    const cases: Array<[string, unknown, number, string, string | undefined]> = [
      ['3,000 levels deep', { ...payment('HI-X1'), purpose: deep(3000) }, 400, 'too_deep', 'purpose[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]'],
      ['NUL in the purpose', { ...payment('HI-X2'), purpose: 'a\u0000b' }, 400, 'control_character', 'purpose'],
      ['a lone surrogate in the payee name', { ...payment('HI-X3'), payee: { ...payment('HI-X3').payee, name: 'x\ud800' } }, 400, 'malformed_text', 'payee.name'],
      ['an escape sequence in a field name', { ...payment('HI-X4'), ['\u001b[31m']: 1 }, 400, 'control_character', '\u001b[31m'],
      ['a body over the limit', { ...payment('HI-X5'), purpose: 'x'.repeat(300_000) }, 413, 'payload_too_large', undefined],
    ];
    for (const [what, body, status, code, field] of cases) {
      const before = await t.app.get(EventStore).headPosition();
      const res = await post(body);
      expect({ what, status: res.status, code: res.body.error?.code, field: res.body.error?.field }).toEqual({ what, status, code, field });
      expect(await t.app.get(EventStore).headPosition()).toEqual(before);
    }
    // Text with tabs and line breaks, and any script, is ordinary text.
    await post({ ...payment('HI-X6'), purpose: '第一行\n第二行\t（备注）' }).expect(201);
  });
});
