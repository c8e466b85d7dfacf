import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { csvLines, workbook } from '../support/exports';
import { startConsole, waitForText, type Role } from '../support/web-console';

/**
 * The web console in a real Chromium against the real api on the embedded store, with the demo
 * county: sign-in, the county desk, and what each role may see.
 */
describe('web console: sign-in and the county desk', () => {
  let c: Awaited<ReturnType<typeof startConsole>>;
  beforeAll(async () => {
    c = await startConsole();
  }, 180_000);
  afterAll(async () => c?.close());

  const text = (page: Page, sel: string) => page.locator(sel).first().innerText();

  test('the sign-in page offers the demo principals, and signing in as finance opens the desk of its region', async () => {
    const page = await c.newPage();
    await page.goto(`${c.url}/`);
    await page.waitForSelector('button[data-role="village"]');
    expect(await page.locator('button[data-role]').count()).toBe(5);
    await c.shot(page, '01-sign-in');
    await page.click('button[data-role="finance"]');
    await page.waitForSelector('[data-figure="received"]');
    expect(await text(page, 'h1')).toContain('演示省');
    await page.close();
  });

  test('the county desk shows the glossary figures, by source and year, unspent batches and the newest red flags; moving asOf back changes the figures', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    await page.goto(`${c.url}/#/desk?unit=990101000000`);
    await page.waitForSelector('[data-figure="received"] .value');
    const api = await c.apiAs<Record<string, string>>(page, '/admin-units/990101000000/summary');
    const shown = (await text(page, '[data-figure="paid"] .value')).replace(/,/g, '');
    expect(shown).toBe(api.paid);
    expect(await text(page, '[data-testid="basis-shown"]')).toContain('业务日期截至今日');
    await page.waitForSelector('section[aria-label^="尚有结余的资金批次"] tbody tr');
    await page.waitForSelector('section[aria-label^="最新预警"] tbody tr');
    await page.waitForSelector('[data-testid="progress-chart"][data-rendered="true"]');
    await c.shot(page, '02-desk');

    // Back to mid-2016: the summary the page shows is the api's as of that date, and says so.
    await page.fill('input[name="asOf"]', '2016-06-30');
    await page.click('form.basis button[type="submit"]');
    await waitForText(page, '[data-testid="basis-shown"]', '2016-06-30');
    const then = await c.apiAs<Record<string, string>>(page, '/admin-units/990101000000/summary?asOf=2016-06-30');
    await waitForText(page, '[data-figure="paid"] .value', then.paid.replace(/\B(?=(\d{3})+(?!\d))/g, ','));
    expect(then.paid).not.toBe(api.paid);
    await c.shot(page, '02-desk-asof-2016-06-30');
    await page.close();
  });

  test('a village cadre sees only the village: its desk, no batches, no alerts; another unit is refused in Chinese', async () => {
    const page = await c.newPage({ width: 390, height: 844 });
    await c.signIn(page, 'village');
    await page.waitForSelector('[data-figure="received"]');
    expect(await text(page, 'h1')).toContain('双龙村');
    expect(await page.locator('header nav a', { hasText: '预警' }).count()).toBe(0);
    expect(await page.locator('section[aria-label^="尚有结余的资金批次"]').count()).toBe(0);
    await c.shot(page, '03-desk-village-phone');
    await page.goto(`${c.url}/#/desk?unit=990101001002`);
    const error = await page.waitForSelector('.error[role="alert"]');
    expect(await error.innerText()).toMatch(/[\u4e00-\u9fff]/);
    await page.close();
  });

  // What each role's menu offers (the pages its api routes open to it) and one page it is refused.
  const ROLES: Array<{ role: Role; menu: string[]; refused: string; forms: boolean }> = [
    { role: 'finance', menu: ['县级驾驶舱', '项目', '农户', '预警', '村级公示'], refused: '#/cases', forms: true },
    { role: 'approver', menu: ['县级驾驶舱', '待审核', '项目', '农户', '村级公示'], refused: '#/alerts', forms: false },
    { role: 'inspector', menu: ['县级驾驶舱', '项目', '农户', '预警', '案件', '村级公示'], refused: '#/queue', forms: false },
    { role: 'auditor', menu: ['县级驾驶舱', '项目', '农户', '预警', '案件', '村级公示'], refused: '#/desk?unit=110000000000', forms: false },
    { role: 'village', menu: ['县级驾驶舱', '项目', '农户', '村级公示'], refused: '#/flow/DEMO-CEN-2016', forms: false },
  ];
  test.each(ROLES)('$role: the menu offers its pages only, a page beyond its rights shows the api\'s refusal in Chinese, forms only for finance', async ({ role, menu, refused, forms }) => {
    const page = await c.newPage();
    await c.signIn(page, role);
    expect(await page.locator('header nav a').allInnerTexts()).toEqual(menu);
    await page.goto(`${c.url}/${refused}`);
    const error = await page.waitForSelector('main .error[role="alert"]', { timeout: 20_000 });
    expect(await error.innerText()).toMatch(/无权|不在您的管辖范围/);
    await c.shot(page, `04-refused-${role}`);
    // The clerk's forms on a project: the api refuses them to every other role, so they are not offered.
    await page.goto(`${c.url}/#/projects/${role === 'village' ? 'DEMO-ROAD' : 'DEMO-WELL'}`);
    await page.waitForSelector('.timeline li');
    expect({ role, forms: (await page.locator('main form:not(.basis)').count()) > 0 }).toEqual({ role, forms });
    await page.close();
  });

  /** The file a click on `selector` downloads: the name the browser saves it under, and its bytes. */
  async function download(page: Page, selector: string) {
    const [file] = await Promise.all([page.waitForEvent('download'), page.click(selector)]);
    return { name: file.suggestedFilename(), body: readFileSync((await file.path())!) };
  }
  /** What the api answers `path` with for the page's principal, as bytes. */
  async function apiBytes(page: Page, path: string) {
    const res = await fetch(`${c.url}${path}`, { headers: { authorization: `Bearer ${await c.token(page)}` } });
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  }

  test('a view exports what the page shows: the project page as of a date saves the api\'s own workbook for that basis, named by it, its figures those on the page', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    await page.goto(`${c.url}/#/projects/DEMO-ROAD?asOf=2016-05-09`);
    await waitForText(page, '[data-testid="basis-shown"]', '2016-05-09');
    await page.waitForSelector('[data-testid="budget"]');
    const saved = await download(page, '[data-export="/projects/DEMO-ROAD"] button[data-format="xlsx"]');
    expect(saved.name).toBe('project-DEMO-ROAD-asof-2016-05-09.xlsx');
    const book = await workbook(saved.body);
    expect(book).toEqual(await workbook(await apiBytes(page, '/projects/DEMO-ROAD?asOf=2016-05-09&format=xlsx')));
    // Under that basis, not today's: the workbook's paid is the page's, and differs from today's.
    const then = await c.apiAs<Record<string, string>>(page, '/projects/DEMO-ROAD?asOf=2016-05-09');
    const now = await c.apiAs<Record<string, string>>(page, '/projects/DEMO-ROAD');
    expect(then.paid).not.toBe(now.paid);
    const cells = Object.values(book).flat(2);
    expect(cells).toContain(then.paid);
    expect(cells).not.toContain(now.paid);
    expect((await page.locator('[data-figure="paid"] .value').first().innerText()).replace(/,/g, '')).toBe(then.paid);

    // The CSV of the same view is the api's, byte for byte.
    const csv = await download(page, '[data-export="/projects/DEMO-ROAD"] button[data-format="csv"]');
    expect(csv.name).toBe('project-DEMO-ROAD-asof-2016-05-09.csv');
    expect(csv.body.equals(await apiBytes(page, '/projects/DEMO-ROAD?asOf=2016-05-09&format=csv'))).toBe(true);
    await page.close();
  });

  test('a list exports every row its filter finds, not only the page on screen; a refused export says why in Chinese and saves nothing', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    await page.goto(`${c.url}/#/households?status=registered`);
    await page.waitForSelector('table tbody tr');
    const all = await c.apiAs<{ total: number }>(page, '/households?status=registered');
    const onScreen = await page.locator('table tbody tr').count();
    expect(all.total).toBeGreaterThan(onScreen);
    const saved = await download(page, '[data-export="/households"] button[data-format="csv"]');
    expect(saved.name).toBe('households.csv');
    const lines = csvLines(saved.body.toString('utf8'));
    const ids = lines.slice(1).map((l) => l[0]);
    expect(new Set(ids).size).toBe(all.total);
    expect(lines[0][0]).toBe('农户编号');

    // The session's token no longer valid: the export is refused, the page says so, nothing is saved.
    await page.evaluate("sessionStorage.setItem('yuantrace.token', 'not-a-token')");
    let downloads = 0;
    page.on('download', () => downloads++);
    await page.click('[data-export="/households"] button[data-format="xlsx"]');
    await page.waitForSelector('[data-export="/households"] .error');
    expect(await page.locator('[data-export="/households"] .error').innerText()).toMatch(/[\u4e00-\u9fff]/);
    expect(await page.locator('[data-export="/households"] .error').getAttribute('data-code')).toBe('invalid_token');
    expect(downloads).toBe(0);
    await page.close();
  });

  test('a payment migrated from the old system is marked where its project lists it and on its own page; the ledger\'s own payments are not', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    const payment = await c.apiAs<{ paymentId: string; projectId: string; status: string; migrated: boolean }>(page, '/payments/G-PAY-L000001');
    expect(payment).toMatchObject({ status: 'executed', migrated: true });
    await page.goto(`${c.url}/#/payments/G-PAY-L000001`);
    await waitForText(page, '[data-testid="migrated"]', '不计入');
    await page.goto(`${c.url}/#/projects/${payment.projectId}`);
    await page.waitForSelector('[data-payment-link]');
    const project = await c.apiAs<{ payments: { paymentId: string; migrated: boolean }[] }>(page, `/projects/${payment.projectId}`);
    // Exactly the migrated rows carry the mark.
    const marked = await page.evaluate<string[]>(`[...document.querySelectorAll('tr')].filter((r) => r.querySelector('[data-migrated]'))
      .map((r) => r.querySelector('[data-payment-link]').dataset.paymentLink)`);
    expect(marked.sort()).toEqual(project.payments.filter((x) => x.migrated).map((x) => x.paymentId).sort());
    expect(marked).toContain('G-PAY-L000001');
    await page.goto(`${c.url}/#/payments/${project.payments.find((x) => !x.migrated)!.paymentId}`);
    await page.waitForSelector('h1 .badge');
    expect(await page.locator('[data-testid="migrated"]').count()).toBe(0);
    await page.close();
  });

  test('a programme\'s payments come a page at a time: the page says how many there are and which it shows, and pages on and back as the api does', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    type Paged = { paymentCount: number; paymentsOffset: number; paymentsNextOffset: number | null; payments: { paymentId: string }[] };
    const whole = await c.apiAs<Paged>(page, '/projects/G-PAIR-2016');
    expect(whole.paymentCount).toBeGreaterThan(200);
    const shown = () => page.evaluate<string[]>(`[...document.querySelectorAll('[data-payment-link]')].map((a) => a.dataset.paymentLink)`);
    await page.goto(`${c.url}/#/projects/G-PAIR-2016?paymentsLimit=100`);
    await waitForText(page, 'section[aria-label^="支付"] h2', `共 ${whole.paymentCount} 笔，本页第 1–100 笔`);
    expect(await shown()).toEqual(whole.payments.slice(0, 100).map((x) => x.paymentId));
    await page.click('[data-testid="payments-pager"] button:has-text("下一页")');
    await waitForText(page, 'section[aria-label^="支付"] h2', '本页第 101–200 笔');
    const second = await c.apiAs<Paged>(page, '/projects/G-PAIR-2016?paymentsLimit=100&paymentsOffset=100');
    expect(await shown()).toEqual(second.payments.map((x) => x.paymentId));
    expect(second.payments.map((x) => x.paymentId)).toEqual(whole.payments.slice(100, 200).map((x) => x.paymentId));
    await page.click('[data-testid="payments-pager"] button:has-text("上一页")');
    await waitForText(page, 'section[aria-label^="支付"] h2', '本页第 1–100 笔');
    expect(await shown()).toEqual(whole.payments.slice(0, 100).map((x) => x.paymentId));
    // An address whose page lies past the end (its basis moved back, say) says so, and offers the way back.
    await page.goto(`${c.url}/#/projects/G-PAIR-2016?paymentsLimit=100&paymentsOffset=5000`);
    await waitForText(page, 'section[aria-label^="支付"] h2', `共 ${whole.paymentCount} 笔，此页之后没有更多`);
    expect(await page.locator('[data-testid="payments-pager"] button:has-text("上一页")').count()).toBe(1);
    await page.close();
  });

  test('nothing is fetched from anywhere but the api itself, and no page threw', () => {
    // A saved export is handed to the browser as a blob of the api's own origin.
    const foreign = c.requests.filter((u) => !u.startsWith(c.url) && !u.startsWith('data:') && !u.startsWith(`blob:${c.url}`));
    expect(foreign).toEqual([]);
  });
});
