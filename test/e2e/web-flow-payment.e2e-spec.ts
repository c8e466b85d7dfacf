import type { Page } from 'playwright-core';
import { fenFromFormatted, formatFen } from '@yuantrace/domain';
import request from 'supertest';
import { startConsole, waitForText } from '../support/web-console';
import { bearer } from '../support/principals';

/** The api's flow tree, as far as these tests walk it. */
type FlowNode = {
  type?: 'batch'; batchId: string; received: string; returned: string; returnedFromBatches: string; paid: string; held: string; balance: string;
  children: (FlowNode | { type: 'project'; projectId: string; paid: string; held: string; balance: string; payees: { paid: string }[] })[];
};
type SankeyDump = { nodes: { name: string; label: string; href: string | null }[]; links: { source: string; target: string; value: number; fen: string }[] };

const yuan = (s: string) => s.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
const sum = (amounts: string[]) => formatFen(amounts.reduce((s, a) => s + fenFromFormatted(a), 0n));

/** What the api's flow says was paid anywhere in the tree (its projects' own figures). */
function paidInTree(n: FlowNode): bigint {
  return n.children.reduce((s, c) => s + (c.type === 'project' ? fenFromFormatted(c.paid) : paidInTree(c as FlowNode)), 0n);
}

/**
 * The fund flow (资金流向) of a batch and a payment's page in a real Chromium against the real api
 * with the demo county: the Sankey's leaves account for every fen the batch received, its nodes
 * open what they show, a payment's life and its trace up to the root 文号, replayed to a date,
 * and the village cadre's masked account.
 */
describe('web console: fund flow and payments', () => {
  let c: Awaited<ReturnType<typeof startConsole>>;
  beforeAll(async () => {
    c = await startConsole();
  }, 180_000);
  afterAll(async () => c?.close());

  const text = (page: Page, sel: string) => page.locator(sel).first().innerText();

  /** The Sankey as ECharts holds it: node names and labels, and every link with its exact fen. */
  const sankey = (page: Page) =>
    page.evaluate<SankeyDump>(`(() => {
      const el = document.querySelector('[data-testid="flow-sankey"]');
      const s = window.echarts.getInstanceByDom(el).getOption().series[0];
      return { nodes: s.data.map((n) => ({ name: n.name, label: n.label, href: n.href ?? null })),
               links: s.links.map((l) => ({ source: l.source, target: l.target, value: l.value, fen: String(l.fen) })) };
    })()`);

  /** The rows of the tree beneath the chart: node key, kind, depth, exact amount, leaf or not. */
  const tableRows = (page: Page) =>
    page.evaluate<{ node: string; kind: string; depth: number; amount: string; leaf: boolean }[]>(`[...document.querySelectorAll('[data-testid="flow-table"] tbody tr')]
      .map((r) => ({ node: r.dataset.node, kind: r.dataset.kind, depth: Number(r.dataset.depth), amount: r.dataset.amount, leaf: r.dataset.leaf === 'true' }))`);

  async function openFlow(page: Page, batchId: string, query = '') {
    await page.goto(`${c.url}/#/flow/${batchId}${query}`);
    await page.waitForSelector('[data-figure="received"] .value');
    await page.waitForSelector('[data-testid="flow-sankey"][data-rendered="true"]');
    await page.waitForSelector('[data-testid="flow-table"] tbody tr');
  }

  test.each([['DEMO-CEN-2016', ''], ['DEMO-CEN-2016-CTY', ''], ['G-CEN-2016', ''], ['DEMO-CEN-2016-CTY', '?asOf=2016-05-12']])(
    'the flow of %s%s: the Sankey leaves (payees paid, held, unspent, returned) and the table both add up to the fen to what the batch received',
    async (batchId, query) => {
      const page = await c.newPage();
      await c.signIn(page, 'finance');
      await openFlow(page, batchId, query);
      const batch = await c.apiAs<Record<string, string> & { documentNo: string; rootDocumentNo: string }>(page, `/fund-batches/${batchId}${query}`);
      const { flow } = await c.apiAs<{ flow: FlowNode }>(page, `/fund-batches/${batchId}/flow${query}`);
      if (query) await waitForText(page, '[data-testid="basis-shown"]', query.split('=')[1]);

      expect(await text(page, 'h1')).toContain(batch.documentNo);
      expect(await text(page, '[data-testid="root-document"]')).toContain(batch.rootDocumentNo);
      expect((await text(page, '[data-figure="received"] .value')).replace(/,/g, '')).toBe(batch.received);
      expect((await text(page, '[data-figure="balance"] .value')).replace(/,/g, '')).toBe(batch.balance);

      // The chart itself: leaves are the nodes no link leaves from; the money into them is the batch's receipt.
      const s = await sankey(page);
      const sources = new Set(s.links.map((l) => l.source));
      const leafLinks = s.links.filter((l) => !sources.has(l.target));
      expect(leafLinks.length).toBeGreaterThan(0);
      expect(sum(leafLinks.map((l) => formatFen(BigInt(l.fen))))).toBe(batch.received);
      // Every node passes on what it takes in (the top takes in the receipt).
      const into = new Map<string, bigint>(), outOf = new Map<string, bigint>();
      for (const l of s.links) {
        into.set(l.target, (into.get(l.target) ?? 0n) + BigInt(l.fen));
        outOf.set(l.source, (outOf.get(l.source) ?? 0n) + BigInt(l.fen));
        expect(l.value).toBeCloseTo(Number(BigInt(l.fen)) / 100, 2); // the drawn width is the exact amount
      }
      for (const [node, out] of outOf) if (node !== `batch:${batchId}`) expect([node, out]).toEqual([node, into.get(node)]);
      expect(formatFen(outOf.get(`batch:${batchId}`)!)).toBe(batch.received);
      // Node labels carry the amount with separators.
      const top = s.nodes.find((n) => n.name === `batch:${batchId}`)!;
      expect(top.label).toContain(yuan(batch.received));

      // The table beneath: the same leaves, to the fen, and its payees are what the api's projects paid.
      const rows = await tableRows(page);
      expect(rows[0]).toMatchObject({ node: `batch:${batchId}`, depth: 0, amount: batch.received });
      const leaves = rows.filter((r) => r.leaf);
      expect(sum(leaves.map((r) => r.amount))).toBe(batch.received);
      expect(sum(leaves.filter((r) => r.kind === 'payee' || r.kind === 'others').map((r) => r.amount))).toBe(formatFen(paidInTree(flow)));
      expect(await page.locator('[data-testid="flow-leaf-total"]').getAttribute('data-amount')).toBe(batch.received);
      if (query) {
        // Replayed to the day DEMO-PAY-1 was approved: its money is held, not yet paid, and the page says so.
        expect(batch.held).toBe('114000.00');
        expect(rows.find((r) => r.node === 'line:DEMO-CEN-2016-CTY:DEMO-AL-ROAD-C#held')?.amount).toBe(batch.held);
      }
      if (batchId === 'G-CEN-2016') {
        // The case that makes the netting matter: a child sent money back up, which is unallocated at this batch again.
        expect(fenFromFormatted(flow.returnedFromBatches)).toBeGreaterThan(0n);
        expect(rows.find((r) => r.node === `batch:${batchId}#unallocated`)?.amount).toBe(batch.unallocated);
      }
      await c.shot(page, `flow-${batchId}${query.replace(/[?=]/g, '-')}`);
      await page.close();
    },
    60_000,
  );

  test('clicking a child batch in the Sankey opens its flow; the table links open a project and the parent', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    await openFlow(page, 'DEMO-CEN-2016');
    // Where ECharts laid the child batch's node out (within the series' box), in the viewport's pixels.
    const at = await page.evaluate<{ x: number; y: number }>(`(() => {
      const el = document.querySelector('[data-testid="flow-sankey"]');
      el.scrollIntoView({ block: 'center' });
      const series = window.echarts.getInstanceByDom(el).getModel().getSeriesByIndex(0);
      const data = series.getData();
      const l = data.getItemLayout(data.indexOfName('batch:DEMO-CEN-2016-CTY'));
      const box = el.getBoundingClientRect();
      return { x: box.left + series.layoutInfo.x + l.x + l.dx / 2, y: box.top + series.layoutInfo.y + l.y + l.dy / 2 };
    })()`);
    await page.mouse.click(at.x, at.y);
    await page.waitForFunction('location.hash.startsWith("#/flow/DEMO-CEN-2016-CTY")');
    await waitForText(page, 'h1', '演财农〔2016〕12号');
    await page.waitForSelector('[data-testid="flow-sankey"][data-rendered="true"]');

    // The county batch's parent link leads back up; its project row opens the project.
    expect(await page.locator('[data-testid="parent-link"]').getAttribute('href')).toBe('#/flow/DEMO-CEN-2016');
    await page.click('[data-testid="flow-table"] tr[data-node="line:DEMO-CEN-2016-CTY:DEMO-AL-ROAD-C"] a');
    await page.waitForFunction('location.hash.startsWith("#/projects/DEMO-ROAD")');

    // And from the root, the table's link to the child opens the child's flow too.
    await page.goto(`${c.url}/#/flow/DEMO-CEN-2016`);
    await page.click('[data-testid="flow-table"] tr[data-node="batch:DEMO-CEN-2016-CTY"] a');
    await waitForText(page, 'h1', '演财农〔2016〕12号');
    await page.close();
  });

  test('a line with hundreds of payees (G-PAIR-2017) draws the largest and merges the rest; expanding the table lists every payee, still to the fen', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    await openFlow(page, 'G-PAIR-2017');
    const batch = await c.apiAs<Record<string, string>>(page, '/fund-batches/G-PAIR-2017');
    const { flow } = await c.apiAs<{ flow: FlowNode }>(page, '/fund-batches/G-PAIR-2017/flow');
    const payees = flow.children.flatMap((ch) => (ch.type === 'project' ? ch.payees : []));
    expect(payees.length).toBeGreaterThan(20);

    const s = await sankey(page);
    expect(s.nodes.length).toBeLessThan(20); // drawn: the largest payees and one merged node, not hundreds
    const merged = s.nodes.find((n) => n.name.endsWith('#others'))!;
    expect(merged.label).toMatch(/其余 \d+ 个收款人/);
    const sources = new Set(s.links.map((l) => l.source));
    expect(sum(s.links.filter((l) => !sources.has(l.target)).map((l) => formatFen(BigInt(l.fen))))).toBe(batch.received);
    await c.shot(page, 'flow-G-PAIR-2017');

    await page.click('[data-testid="flow-table"] button[aria-expanded="false"]');
    await page.waitForSelector('[data-testid="flow-table"] button[aria-expanded="true"]');
    const rows = await tableRows(page);
    expect(rows.filter((r) => r.kind === 'payee').length).toBe(payees.length);
    expect(rows.filter((r) => r.kind === 'others').length).toBe(0);
    expect(sum(rows.filter((r) => r.leaf).map((r) => r.amount))).toBe(batch.received);
    expect(sum(rows.filter((r) => r.kind === 'payee').map((r) => r.amount))).toBe(sum(payees.map((p) => p.paid)));
    await page.close();
  });

  test('the flow at a phone width still shows the chart and the tree', async () => {
    const page = await c.newPage({ width: 390, height: 844 });
    await c.signIn(page, 'finance');
    await openFlow(page, 'DEMO-CEN-2016');
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await c.shot(page, 'flow-DEMO-CEN-2016-phone');
    await page.close();
  });

  test('payment DEMO-PAY-2 shows its 退票 step with the bank’s reason, and every step with both dates', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    await page.goto(`${c.url}/#/payments/DEMO-PAY-2`);
    await page.waitForSelector('ul.timeline li[data-status="failed"]');
    const api = await c.apiAs<{ status: string; history: { status: string; effectiveDate: string; reason?: string }[] }>(page, '/payments/DEMO-PAY-2');
    expect(api.status).toBe('failed');
    expect(await text(page, 'h1 .badge')).toBe('退票');
    const steps = await page.evaluate<string[]>(`[...document.querySelectorAll('ul.timeline li')].map((li) => li.dataset.status)`);
    expect(steps).toEqual(api.history.map((h) => h.status));
    const failed = api.history.find((h) => h.status === 'failed')!;
    const li = await text(page, 'ul.timeline li[data-status="failed"]');
    expect(li).toContain('退票');
    expect(li).toContain(failed.reason!);
    expect(li).toContain(failed.effectiveDate);
    expect(li).toMatch(/记录于 \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    await c.shot(page, 'payment-DEMO-PAY-2');
    await page.close();
  });

  test('payment DEMO-PAY-1: its trace climbs to the root 文号 财农〔2016〕18号, hop by hop as the api gives it, with links to each batch’s flow', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    await page.goto(`${c.url}/#/payments/DEMO-PAY-1`);
    await page.waitForSelector('[data-testid="trace-table"] tbody tr');
    const trace = await c.apiAs<{ root: { documentNo: string; batchId: string }; allocation: { documentNo: string }; chain: { documentNo: string; batchId: string }[] }>(
      page, '/payments/DEMO-PAY-1/trace');
    expect(trace.root.documentNo).toBe('财农〔2016〕18号');
    expect(await text(page, '[data-testid="root-document"]')).toBe(trace.root.documentNo);
    const docs = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-testid="trace-table"] tbody tr td[data-testid="hop-document"]')].map((td) => td.textContent)`);
    expect(docs).toEqual(['—', trace.allocation.documentNo, ...trace.chain.map((h) => h.documentNo)]);
    for (const h of trace.chain) expect(await page.locator(`[data-testid="trace-table"] a[href="#/flow/${h.batchId}"]`).count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="trace-table"] a[href="#/projects/DEMO-ROAD"]').count()).toBe(1);
    expect(await text(page, 'h1 .badge')).toBe('已支付');
    expect(await text(page, 'ul.timeline li[data-status="executed"]')).toContain('DEMO-BR-1');
    await c.shot(page, 'payment-DEMO-PAY-1');
    await page.close();
  });

  test('asOf=2016-05-12: DEMO-PAY-1 is approved and not yet executed, as the api replays it', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    await page.goto(`${c.url}/#/payments/DEMO-PAY-1?asOf=2016-05-12`);
    await waitForText(page, '[data-testid="basis-shown"]', '2016-05-12');
    await page.waitForSelector('ul.timeline li[data-status="approved"]');
    const then = await c.apiAs<{ status: string; history: { status: string }[] }>(page, '/payments/DEMO-PAY-1?asOf=2016-05-12');
    expect(then.status).toBe('approved');
    expect(await text(page, 'h1 .badge')).toBe('已审核');
    const steps = await page.evaluate<string[]>(`[...document.querySelectorAll('ul.timeline li')].map((li) => li.dataset.status)`);
    expect(steps).toEqual([...then.history.map((h) => h.status), 'pending']);
    expect(steps).not.toContain('executed');
    expect(await text(page, 'ul.timeline li[data-status="pending"]')).toContain('尚未支付');
    await c.shot(page, 'payment-DEMO-PAY-1-asof-2016-05-12');
    await page.close();
  });

  test('the village cadre sees the payee’s account masked, as the api masks it for the village, and no batch links', async () => {
    const finance = await c.newPage();
    await c.signIn(finance, 'finance');
    const full = await c.apiAs<{ payee: { account: string } }>(finance, '/payments/DEMO-PAY-1');
    await finance.close();

    const page = await c.newPage({ width: 390, height: 844 });
    await c.signIn(page, 'village');
    await page.goto(`${c.url}/#/payments/DEMO-PAY-1`);
    await page.waitForSelector('[data-testid="payee-account"]');
    await page.waitForSelector('[data-testid="trace-table"] tbody tr');
    const masked = await c.apiAs<{ payee: { account: string } }>(page, '/payments/DEMO-PAY-1');
    expect(masked.payee.account).not.toBe(full.payee.account);
    expect(await text(page, '[data-testid="payee-account"]')).toBe(masked.payee.account);
    expect(await page.locator('main').innerText()).not.toContain(full.payee.account);
    expect(await page.locator('main a[href^="#/flow/"]').count()).toBe(0);
    expect(await text(page, '[data-testid="root-document"]')).toBe('财农〔2016〕18号');
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await c.shot(page, 'payment-DEMO-PAY-1-village-phone');
    // Batches are not the village's to open: the flow page says so in Chinese, once.
    await page.goto(`${c.url}/#/flow/DEMO-CEN-2016`);
    await page.waitForSelector('.error[role="alert"]');
    expect(await page.locator('.error[role="alert"]').count()).toBe(1);
    expect(await text(page, '.error[role="alert"]')).toMatch(/[\u4e00-\u9fff]/);
    await page.close();
  });

  test('nothing is fetched from anywhere but the api itself, and no page threw', () => {
    expect(c.requests.filter((u) => u.startsWith('pageerror:'))).toEqual([]);
    expect(c.requests.filter((u) => !u.startsWith(c.url) && !u.startsWith('data:') && !u.startsWith('pageerror:'))).toEqual([]);
  });
  test('a correction links back to the batch it replaces, and the voided batch forward to it', async () => {
    const post = (path: string, body: object) => request(c.app.getHttpServer()).post(path).set('authorization', bearer(c.app, 'centralFinance')).send(body);
    const batch = (batchId: string, amount: string) => ({ batchId, documentNo: `省财〔2016〕${batchId}号`, title: '省级扶贫资金', source: 'PROVINCIAL_POVERTY',
      issuerLevel: 'PROVINCIAL', recipientUnitCode: '990000000000', fiscalYear: 2016, amount, effectiveDate: '2016-02-01', purpose: '产业' });
    await post('/fund-batches', batch('WF-WRONG', '10000.00')).expect(201);
    await post('/fund-batches', batch('WF-RIGHT', '1000.00')).expect(201);
    await post('/fund-batches/WF-WRONG/void', { reason: '金额多录一位', effectiveDate: '2016-02-02', replacedBy: 'WF-RIGHT' }).expect(200);
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    await page.goto(`${c.url}/#/flow/WF-RIGHT`);
    await page.waitForSelector('[data-testid="batch-replaces"] a');
    expect(await page.locator('[data-testid="batch-replaces"] a').getAttribute('href')).toBe('#/flow/WF-WRONG');
    await page.click('[data-testid="batch-replaces"] a');
    await waitForText(page, '[data-testid="batch-status"]', '已撤销');
    expect(await page.locator('a[href="#/flow/WF-RIGHT"]').count()).toBeGreaterThan(0);
    await page.close();
  });
});
