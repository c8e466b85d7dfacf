import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ProjectionRunner } from '@yuantrace/projections';
import { startTestApp } from '../support/app';
import { fundedRoad, registerCounty, registerHousehold } from '../support/county';
import { client } from '../support/http';
import { binary, workbook, xlsxOf, XLSX } from '../support/exports';


/** Every view exports as CSV and XLSX with Chinese headers and labels; the exported figures are the JSON's. */
describe('exports of every view', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  const fin = () => api.as('countyFinance');
  const VIEWS = ['/fund-batches/EX-B', '/fund-batches/EX-B/flow', '/projects/EX-P', '/payments/EX-PAY', '/payments/EX-PAY/trace', '/admin-units/990101000000/summary',
    '/households/EX-HH', '/disclosure/units/990101001001'];

  beforeAll(async () => {
    t = await startTestApp('embedded');
    api = client(t.app);
    await registerCounty(t.app);
    await fundedRoad(t.app, { batchId: 'EX-B', projectId: 'EX-P', allocationId: 'EX-A' }, '60000.00');
    await registerHousehold(t.app, 'EX-HH', 700).expect(201);
    await fin().post('/payments', { paymentId: 'EX-PAY', projectId: 'EX-P', allocationId: 'EX-A', amount: '1234.56', purpose: '务工补助', installment: 'progress',
      effectiveDate: '2016-06-01', payee: { type: 'household', id: 'EX-HH', name: '户主700', account: '6222000011114444' } }).expect(201);
    await api.as('countyApprover').post('/payments/EX-PAY/approval', { approved: true, effectiveDate: '2016-06-02' }).expect(200);
    await fin().post('/payments/EX-PAY/execution', { channel: 'one_card', bankReference: 'EX-BR-1', effectiveDate: '2016-06-03' }).expect(200);
    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
  });
  afterAll(async () => t?.close());

  test.each(VIEWS)('%s: CSV and XLSX carry the same tables, in Chinese, with the JSON’s figures', async (path) => {
    const json = (await api.as('auditor').get(path).expect(200)).body;
    const csv = await api.as('auditor').get(`${path}?format=csv`).expect(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="[A-Za-z0-9._-]+\.csv"$/);
    expect(csv.text.startsWith('\ufeff"')).toBe(true);
    expect(csv.text).toMatch(/[\u4e00-\u9fff]/);
    const xlsx = await api.as('auditor').get(`${path}?format=xlsx`).buffer(true).parse(binary as never).expect(200);
    expect(xlsx.headers['content-type']).toBe(XLSX);
    const sheets = await workbook(xlsx.body as Buffer);
    expect(Object.keys(sheets).length).toBeGreaterThan(0);
    // The same cells in both: every CSV field appears in some worksheet.
    const cells = new Set(Object.values(sheets).flat(2));
    const fields = csv.text.slice(1).split('\r\n').filter((l) => l && !l.startsWith('"【')).flatMap((l) => l.slice(1, -1).split('","'));
    for (const f of fields) if (f !== '') expect({ f, inXlsx: cells.has(f) }).toEqual({ f, inXlsx: true });
    // A money figure of the JSON is in the export, to the fen.
    const figure = json.paid ?? json.flow?.paid ?? json.amount ?? json.received ?? json.payment?.amount ?? json.totals?.paid;
    expect(typeof figure).toBe('string');
    expect(csv.text).toContain(`"${figure}"`);
  });

  test('codes become Chinese names: source, status, installment, channel, milestone', async () => {
    const batch = (await api.as('auditor').get('/fund-batches/EX-B?format=csv').expect(200)).text;
    expect(batch).toContain('"资金来源","县级财政专项扶贫资金"');
    expect(batch).toContain('"状态","在用"');
    expect(batch).toContain('"收到下达 (received)(元)","60000.00"');
    const payment = (await api.as('auditor').get('/payments/EX-PAY?format=csv').expect(200)).text;
    expect(payment).toContain('"状态","已支付"');
    expect(payment).toContain('"款项性质","进度款"');
    expect(payment).toContain('"支付渠道","一卡通（一折通）"');
    const project = (await api.as('auditor').get('/projects/EX-P?format=csv').expect(200)).text;
    expect(project).toContain('"阶段","进度"');
    expect(project).toContain('"立项","2016-04-05"');
  });

  test('a list exports the whole list with its codes as Chinese names; a file that holds only part of it says so', async () => {
    // Three more payments, so that a page of one is a part of the list.
    for (const n of [2, 3, 4]) {
      await fin().post('/payments', { paymentId: `EX-PAY-${n}`, projectId: 'EX-P', allocationId: 'EX-A', amount: `${n}.00`, purpose: '务工补助', installment: 'progress',
        effectiveDate: '2016-06-05', payee: { type: 'household', id: 'EX-HH', name: '户主700', account: '6222000011114444' } }).expect(201);
    }
    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
    const total = (await api.as('auditor').get('/payments?limit=1').expect(200)).body.total;
    expect(total).toBe(4);
    const whole = (await api.as('auditor').get('/payments?format=csv').expect(200)).text;
    const rows = whole.slice(1).split('\r\n').filter((l) => l);
    expect(rows.length).toBe(1 + total);
    expect(whole).not.toContain('说明');
    // Codes as the views show them: status, payee type, installment, channel.
    expect(whole).toContain('"已支付"');
    expect(whole).toContain('"农户"');
    expect(whole).toContain('"进度款"');
    expect(whole).toContain('"一卡通（一折通）"');
    expect(whole).not.toMatch(/"(executed|requested|household|progress|one_card)"/);
    // A page of one: the file says it holds 1 of 4, from the 2nd.
    const part = (await api.as('auditor').get('/payments?format=csv&limit=1&offset=1').expect(200)).text;
    expect(part).toContain('"【说明】"');
    expect(part).toContain('"共计（条）","4"');
    expect(part).toContain('"本文件（条）","1"');
    expect(part).toContain('"自第几条起","2"');
    const batches = (await api.as('auditor').get('/fund-batches?format=csv').expect(200)).text;
    expect(batches).toContain('"在用"');
    expect(batches).not.toMatch(/"COUNTY_BUDGET"/);
    const households = (await api.as('auditor').get('/households?format=csv').expect(200)).text;
    expect(households).not.toMatch(/"(registered|general)"/);
  });

  test('an Accept header asks for an export too; an unknown format is 400 naming the field', async () => {
    const viaAccept = await api.as('auditor').get('/projects/EX-P').set('accept', XLSX).buffer(true).parse(binary as never).expect(200);
    expect(viaAccept.headers['content-type']).toBe(XLSX);
    const bad = await api.as('auditor').get('/projects/EX-P?format=pdf').expect(400);
    expect(bad.body.error).toMatchObject({ code: 'invalid_format', field: 'format' });
  });

  test('the audit log exports its page: one row per event with its actor and business date', async () => {
    const csv = (await api.as('auditor').get('/events?stream=payment-EX-PAY&format=csv').expect(200)).text;
    const lines = csv.slice(1).trim().split('\r\n');
    expect(lines[0]).toBe('"位置","流","版本","事件类型","记录时间","操作人","角色","业务日期","数据"');
    expect(lines.slice(1).map((l) => l.split('","')[3])).toEqual(['PaymentRequested', 'PaymentApproved', 'PaymentExecuted']);
    expect(lines[3]).toContain('"cty-fin","finance","2016-06-03"');
  });

  test('an official’s activity exports the page asked for; a file of one page among more says so, and how to read on', async () => {
    const all = (await api.as('auditor').get('/actors/cty-fin/activity').expect(200)).body as { total: number; events: unknown[]; next: string | null };
    expect(all.total).toBeGreaterThan(1);
    expect(all.next).toBeNull();
    // The whole of it in one page: the file is the list, with no 说明.
    expect(Object.keys(await xlsxOf(api.as('auditor').get('/actors/cty-fin/activity?format=xlsx')))).not.toContain('说明');
    const first = (await api.as('auditor').get('/actors/cty-fin/activity?limit=1').expect(200)).body as { next: string };
    const page = await xlsxOf(api.as('auditor').get('/actors/cty-fin/activity?format=xlsx&limit=1'));
    expect(page['说明']).toEqual([['项目', '值'], ['共计（条）', String(all.total)], ['本文件（条）', '1'], ['说明', '本文件只含其中一页：以 next 游标（after 参数）继续导出'],
      ['下一页游标（after）', first.next]]);
    // A later page says so too, even when it holds the rest.
    const rest = await xlsxOf(api.as('auditor').get(`/actors/cty-fin/activity?format=xlsx&after=${encodeURIComponent(first.next)}`));
    expect(rest['说明']).toEqual(expect.arrayContaining([['共计（条）', String(all.total)], ['本文件（条）', String(all.total - 1)]]));
  });

  test('the public 公示 export masks accounts as the JSON does', async () => {
    const csv = (await api.as('public').get('/disclosure/units/990101001001?format=csv').expect(200)).text;
    expect(csv).not.toContain('6222000011114444');
    expect(csv).toContain('4444"');
  });

  test('the 公示 of a project adds up (held shown beside returned, paid and balance) and dates a payment by the day it was paid', async () => {
    const d = (await api.as('public').get('/disclosure/units/990101001001').expect(200)).body;
    const p = d.projects.find((x: { projectId: string }) => x.projectId === 'EX-P');
    const fen = (y: string) => BigInt(y.replace('.', ''));
    expect(fen(p.committed)).toBe(fen(p.returned) + fen(p.held) + fen(p.paid) + fen(p.balance));
    expect(p.payments.find((x: { paymentId: string }) => x.paymentId === 'EX-PAY')).toMatchObject({ effectiveDate: '2016-06-01', paidOn: '2016-06-03' });
    const csv = (await api.as('public').get('/disclosure/units/990101001001?format=csv').expect(200)).text;
    expect(csv).toContain('冻结在途');
    expect(csv).toContain('"支付日期","申请日期"');
    expect(csv).toContain('"EX-PAY","1234.56","2016-06-03","2016-06-01"');
  });
});
