import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SHOTS, startConsole, waitForText } from '../support/web-console';

/** Yuan as the api gives them ("380000.00") as the page prints them ("380,000.00"). */
const commas = (amount: string) => amount.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
/** The sum of the api's yuan amounts, in fen (never floating point), back as the api writes yuan. */
const sum = (amounts: string[]) => {
  const fen = amounts.reduce((s, a) => s + BigInt(a.replace('.', '')), 0n);
  const neg = fen < 0n;
  const abs = neg ? -fen : fen;
  return `${neg ? '-' : ''}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
};
const FULL_ID = /\d{17}[\dX]/;
const LONG_DIGITS = /\d{12,}/;

type Payment = { paymentId: string; amount: string; effectiveDate: string; paidOn: string | null; payee: { type: string; name: string; account: string | null } };
type Disclosure = { name: string; totals: Record<string, string> & { householdsReached: number; bySourceAndYear: { source: string; fiscalYear: number; received: string; paid: string }[] };
  projects: { projectId: string; name: string; paid: string; held: string; returned: string; balance: string; payments: Payment[] }[]; households: { householdId: string; head: string | null; received: string }[];
  sealedLog: { body: { no: number } } | null };
type Receipt = { paymentId: string; amount: string; effectiveDate: string; chain: { batchId: string; documentNo: string }[]; origin: { rootDocumentNo: string } };
type HouseholdView = { unitCode: string; members: { name: string; idNumber: string }[]; received: string; receipts: Receipt[];
  totals: { byYear: { year: string; amount: string }[]; bySource: { source: string; amount: string }[]; byProjectType: { projectType: string; amount: string }[] } };
type HouseholdList = { total: number; items: { householdId: string; head: { name: string; idNumber: string } | null }[] };

/**
 * The household ledger (扶贫明白卡) and the village 公示 board in a real Chromium against the real api
 * with the demo county: what each shows is what the api answers for that reader, personal data stays
 * masked where the api masks it, and both print as the paper they stand for.
 */
describe('web console: the household ledger and the village public board', () => {
  let c: Awaited<ReturnType<typeof startConsole>>;
  beforeAll(async () => {
    c = await startConsole();
  }, 180_000);
  afterAll(async () => c?.close());

  const bodyText = (page: Page) => page.locator('main').innerText();
  const tableRows = (page: Page, caption: string) =>
    page.locator('table', { has: page.locator('caption', { hasText: caption }) }).locator('tbody tr').allInnerTexts();

  test('signed out, the village board shows its projects, payments and totals as the api does, with no identity number or account in full', async () => {
    // What finance may see unmasked: the numbers that must not reach the public page.
    const fin = await c.newPage();
    await c.signIn(fin, 'finance');
    const full = await c.apiAs<Disclosure>(fin, '/disclosure/units/990101001001');
    const heads = await c.apiAs<HouseholdList>(fin, '/households?unitCode=990101001001&limit=500');
    await fin.close();
    const accounts = full.projects.flatMap((p) => p.payments.map((x) => x.payee.account ?? '')).filter((a) => LONG_DIGITS.test(a));
    expect(accounts).toContain('6222020200112233445');
    const ids = heads.items.flatMap((h) => (h.head ? [h.head.idNumber] : []));
    expect(ids.some((i) => FULL_ID.test(i))).toBe(true);

    const page = await c.newPage();
    await page.goto(`${c.url}/#/board/990101001001`);
    await page.waitForSelector('[data-project="DEMO-ROAD"]');
    expect(await page.locator('[data-testid="who"] button').count()).toBe(0); // nobody signed in
    const pub = await c.apiAs<Disclosure>(page, '/disclosure/units/990101001001');
    expect(await page.locator('h1').innerText()).toBe(`${pub.name}扶贫资金公示`);

    // Totals, by source and year, every project with its executed payments, every household: as the api answers.
    for (const f of ['received', 'committed', 'paid', 'balance']) {
      expect(await page.locator(`[data-figure="${f}"] .value`).innerText()).toBe(commas(pub.totals[f]));
    }
    expect(await page.locator('[data-figure="householdsReached"] .value').innerText()).toBe(String(pub.totals.householdsReached));
    const bySourceYear = await tableRows(page, '按资金来源和年度');
    expect(bySourceYear).toHaveLength(pub.totals.bySourceAndYear.length);
    pub.totals.bySourceAndYear.forEach((r, i) => {
      expect(bySourceYear[i]).toContain(String(r.fiscalYear));
      expect(bySourceYear[i]).toContain(commas(r.received));
      expect(bySourceYear[i]).toContain(commas(r.paid));
    });
    expect(await page.locator('[data-project]').count()).toBe(pub.projects.length);
    for (const p of pub.projects) {
      const card = page.locator(`[data-project="${p.projectId}"]`);
      expect(await card.locator('h3').innerText()).toContain(p.name);
      expect(await card.locator('[data-testid="project-paid"]').innerText()).toBe(commas(p.paid));
      // The row adds up: returned and held are shown beside paid and balance, each in its own column.
      const figures = card.locator('table').first();
      expect(await figures.locator('thead th').allInnerTexts()).toEqual(['预算', '安排资金', '退回', '冻结在途', '已支付', '结余']);
      const cells = (await figures.locator('tbody tr').first().locator('td').allInnerTexts()).map((c) => c.trim());
      expect(cells.slice(2)).toEqual([commas(p.returned), commas(p.held), commas(p.paid), commas(p.balance)]);
      const rows = await card.locator('table', { has: page.locator('caption', { hasText: '已支付明细' }) }).locator('tbody tr').allInnerTexts();
      expect(rows).toHaveLength(p.payments.length);
      p.payments.forEach((x, i) => {
        expect(rows[i]).toContain(x.payee.name);
        expect(rows[i]).toContain(commas(x.amount));
        // Dated by the day it was paid, as a household's receipts are.
        expect(x.paidOn).not.toBeNull();
        expect(rows[i]).toContain(x.paidOn!);
        expect(rows[i]).toContain(x.payee.account ?? '—');
      });
    }
    const road = await page.locator('[data-project="DEMO-ROAD"]').innerText();
    expect(road).toContain('演示县通达建筑工程有限公司');
    expect(road).toContain('***************3445');
    const households = await page.locator('section[aria-label^="到户资金"] tbody tr').allInnerTexts();
    expect(households).toHaveLength(pub.households.length);
    pub.households.forEach((h, i) => expect(households[i]).toContain(commas(h.received)));
    expect(await page.locator('[data-testid="households-total"]').innerText()).toContain(commas(sum(pub.households.map((h) => h.received))));
    const hhSection = await page.locator('section[aria-label^="到户资金"]').innerText();
    for (const h of pub.households) expect(hhSection).toContain(h.head ?? '—');

    // Personal data: nothing in full anywhere on the page.
    const text = await page.locator('body').innerText();
    // Less the seal's chain head, signature and key: hex, abbreviated to twelve digits, which can all be decimal by chance.
    const hashes = await page.locator('[data-testid="sealed-log"] code').allInnerTexts();
    const words = hashes.reduce((t, h) => t.split(h).join(''), text);
    expect(words).not.toMatch(FULL_ID);
    expect(words).not.toMatch(LONG_DIGITS);
    for (const a of accounts) expect(text).not.toContain(a);
    for (const i of ids) expect(text).not.toContain(i);

    // The log checkpoint the notice carries (this test server does not seal: the page says so).
    const seal = await page.locator('[data-testid="sealed-log"]').innerText();
    if (pub.sealedLog) expect(seal).toContain(String(pub.sealedLog.body.no));
    else expect(seal).toContain('未启用审计日志封存');
    await c.shot(page, 'board-1280');

    // Printed: the notice alone, A4, with the lines to fill in by hand.
    await page.fill('input[name="phone"]', '0999-12345');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.top').isVisible()).toBe(false);
    expect(await page.locator('form.basis').isVisible()).toBe(false);
    expect(await page.locator('form[aria-label="打印设置"]').isVisible()).toBe(false);
    const block = page.locator('[data-testid="print-block"]');
    expect(await block.isVisible()).toBe(true);
    const printed = await block.innerText();
    expect(printed).toContain('公示期');
    expect(printed).toContain('监督举报电话：0999-12345');
    expect(printed).toContain('数据截至');
    expect(await page.locator('h1').isVisible()).toBe(true);
    await c.shot(page, 'board-print');
    await page.pdf({ path: join(SHOTS, 'board-print.pdf'), format: 'A4', printBackground: true });
    await page.emulateMedia({ media: 'screen' });
    expect(await page.locator('[data-testid="print-block"]').isVisible()).toBe(false);
    await page.close();

    const phone = await c.newPage({ width: 390, height: 844 });
    await phone.goto(`${c.url}/#/board/990101001001`);
    await phone.waitForSelector('[data-project="DEMO-ROAD"]');
    expect(await phone.locator('body').innerText()).not.toMatch(LONG_DIGITS);
    await c.shot(phone, 'board-390');
    await phone.close();
  });

  test('finance: the ledger of DEMO-HH-1 lists DEMO-EDU-HH-1 with its chain to the root 文号, and its totals are the api\'s', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    await page.goto(`${c.url}/#/households/DEMO-HH-1`);
    await waitForText(page, '[data-testid="receipt-payment"]', 'DEMO-EDU-HH-1');
    const v = await c.apiAs<HouseholdView>(page, '/households/DEMO-HH-1');

    // Every receipt, linked to its payment, with the chain up to the root 文号 (each hop linked to its flow).
    const links = page.locator('[data-testid="receipt-payment"]');
    expect(await links.allInnerTexts()).toEqual(v.receipts.map((r) => r.paymentId));
    const edu = v.receipts.find((r) => r.paymentId === 'DEMO-EDU-HH-1')!;
    expect(edu.origin.rootDocumentNo).toBe('演县教发〔2016〕5号');
    expect(await links.first().getAttribute('href')).toBe('#/payments/DEMO-EDU-HH-1');
    const root = edu.chain[edu.chain.length - 1];
    const rootLink = page.locator(`a[href="#/flow/${root.batchId}"]`).first();
    expect(await rootLink.innerText()).toBe('演县教发〔2016〕5号');
    for (const hop of edu.chain) expect(await page.locator(`a[href="#/flow/${hop.batchId}"]`).count()).toBeGreaterThan(0);
    const row = await page.locator('section[aria-label^="到户资金"] tbody tr').first().innerText();
    expect(row).toContain(edu.effectiveDate);
    expect(row).toContain(commas(edu.amount));

    // The totals: the receipts add up to what the api says the household received, and the page shows each total.
    expect(sum(v.receipts.map((r) => r.amount))).toBe(v.received);
    expect(await page.locator('[data-testid="received-total"]').innerText()).toContain(commas(v.received));
    const byYear = await tableRows(page, '按年度');
    expect(byYear).toHaveLength(v.totals.byYear.length);
    v.totals.byYear.forEach((r, i) => expect(byYear[i]).toMatch(new RegExp(`${r.year}\\s+${commas(r.amount)}`)));
    for (const [caption, list] of [['按资金来源', v.totals.bySource], ['按项目类型', v.totals.byProjectType]] as const) {
      const shown = await tableRows(page, caption);
      expect(shown).toHaveLength(list.length);
      list.forEach((r, i) => expect(shown[i]).toContain(commas(r.amount)));
    }
    expect(sum(v.totals.byYear.map((r) => r.amount))).toBe(v.received);

    // Finance may see identity numbers: the page shows them as the api gives them.
    expect(await page.locator('[data-testid="member-id"]').allInnerTexts()).toEqual(v.members.map((m) => m.idNumber));
    expect(v.members.every((m) => FULL_ID.test(m.idNumber))).toBe(true);
    await page.waitForSelector('[data-testid="source-pie"][data-rendered="true"]');
    await c.shot(page, 'household-1280');

    // The printed card: no header, basis bar or buttons; a title block naming the household, the village, the day and the basis.
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.top').isVisible()).toBe(false);
    expect(await page.locator('form.basis').isVisible()).toBe(false);
    expect(await page.locator('button', { hasText: '打印' }).isVisible()).toBe(false);
    const title = page.locator('[data-testid="print-title"]');
    expect(await title.isVisible()).toBe(true);
    const titleText = await title.innerText();
    expect(titleText).toContain('DEMO-HH-1');
    expect(titleText).toContain(v.members[0].name);
    expect(titleText).toContain('双龙村');
    expect(titleText).toContain('打印日期');
    expect(titleText).toContain('显示依据');
    await c.shot(page, 'household-print');
    await page.emulateMedia({ media: 'screen' });

    // As of 2016-09-01 the education subsidy (paid 2016-09-20) had not reached the household.
    expect(edu.effectiveDate > '2016-09-01').toBe(true);
    await page.goto(`${c.url}/#/households/DEMO-HH-1?asOf=2016-09-01`);
    await waitForText(page, '[data-testid="basis-shown"]', '2016-09-01');
    await page.waitForSelector('[data-testid="received-total"]');
    const then = await c.apiAs<HouseholdView>(page, '/households/DEMO-HH-1?asOf=2016-09-01');
    expect(then.receipts).toEqual([]);
    expect(await page.locator('[data-testid="receipt-payment"]').count()).toBe(0);
    expect(await bodyText(page)).toContain('所选日期前没有到户资金');
    expect(await page.locator('[data-testid="received-total"]').innerText()).toContain(commas(then.received));
    await page.close();
  });

  test('finance: the household list filters by village as the api does, and a lookup by identity number sends the number in the body only', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    await page.goto(`${c.url}/#/households?unitCode=990101001001&name=${encodeURIComponent('张')}`);
    await page.waitForSelector('section[aria-label^="共"] tbody tr');
    const list = await c.apiAs<HouseholdList>(page, `/households?unitCode=990101001001&name=${encodeURIComponent('张')}&limit=50`);
    expect(await page.locator('section[aria-label^="共"] h2').innerText()).toBe(`共 ${list.total} 户`);
    const rows = await page.locator('section[aria-label^="共"] tbody tr').allInnerTexts();
    expect(rows).toHaveLength(list.items.length);
    list.items.forEach((h, i) => expect(rows[i]).toContain(h.householdId));
    expect(await page.locator('a[href="#/households/DEMO-HH-1"]').count()).toBe(1);

    const v = await c.apiAs<HouseholdView>(page, '/households/DEMO-HH-1');
    const idNumber = v.members[0].idNumber;
    await page.fill('input[name="idNumber"]', idNumber);
    await page.click('form[aria-label="按身份证号查找"] button[type="submit"]');
    await waitForText(page, '[data-testid="identity-result"]', 'DEMO-HH-1');
    expect(c.requests.some((u) => u.includes(idNumber))).toBe(false);
    expect(await page.evaluate<string>('location.href')).not.toContain(idNumber);
    await c.shot(page, 'households-1280');
    await page.close();
  });

  test('a village cadre sees identity numbers masked as the api masks them, and another village\'s household is refused in Chinese', async () => {
    const fin = await c.newPage();
    await c.signIn(fin, 'finance');
    const unmasked = await c.apiAs<HouseholdView>(fin, '/households/DEMO-HH-1');
    const other = await c.apiAs<HouseholdList>(fin, '/households?unitCode=990101001002&limit=1');
    await fin.close();
    expect(other.items).toHaveLength(1);

    const page = await c.newPage({ width: 390, height: 844 });
    await c.signIn(page, 'village');
    await page.goto(`${c.url}/#/households/DEMO-HH-1`);
    await page.waitForSelector('[data-testid="member-id"]');
    const v = await c.apiAs<HouseholdView>(page, '/households/DEMO-HH-1');
    const shown = await page.locator('[data-testid="member-id"]').allInnerTexts();
    expect(shown).toEqual(v.members.map((m) => m.idNumber));
    for (const id of shown) expect(id).not.toMatch(FULL_ID);
    const text = await bodyText(page);
    for (const m of unmasked.members) expect(text).not.toContain(m.idNumber);
    expect(text).not.toMatch(FULL_ID);
    await c.shot(page, 'household-village-390');

    await page.goto(`${c.url}/#/households/${other.items[0].householdId}`);
    const error = await page.waitForSelector('.error[role="alert"]');
    expect(await error.innerText()).toMatch(/[\u4e00-\u9fff]/);
    expect(await page.locator('[data-testid="member-id"]').count()).toBe(0);
    if (other.items[0].head) expect(await bodyText(page)).not.toContain(other.items[0].head.name);

    // The village's own list: masked too.
    await page.goto(`${c.url}/#/households`);
    await page.waitForSelector('section[aria-label^="共"] tbody tr');
    expect(await bodyText(page)).not.toMatch(FULL_ID);
    await c.shot(page, 'households-village-390');
    await page.close();
  });

  test('no page threw, and nothing was fetched from anywhere but the api itself', () => {
    expect(c.requests.filter((u) => u.startsWith('pageerror'))).toEqual([]);
    expect(c.requests.filter((u) => !u.startsWith(c.url) && !u.startsWith('data:'))).toEqual([]);
  });
});
