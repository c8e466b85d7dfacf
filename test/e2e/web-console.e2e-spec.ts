import type { Page } from 'playwright-core';
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

  test('nothing is fetched from anywhere but the api itself, and no page threw', () => {
    const foreign = c.requests.filter((u) => !u.startsWith(c.url) && !u.startsWith('data:'));
    expect(foreign).toEqual([]);
  });
});
