import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ERROR_TEXT, explain } from '../../apps/web/src/lib/error-text';
import { startConsole, waitForText } from '../support/web-console';

type Alert = { alertId: string; ruleId: string; ruleName: string; ruleVersion: number; severity: string; description: string; unitCode: string;
  evidence: string[]; status: string; caseId: string | null };
type AlertList = { total: number; bySeverity: Record<string, number>; alerts: Alert[] };
type CaseView = { caseId: string; alertIds: string[]; status: string; findings: { findingId: string; findingType: string; amount: string | null }[];
  timeline: { step: string }[] };
type ApiErrorBody = { error: { code: string; field?: string } };

/**
 * The inspector's pages in a real Chromium against the real api with the demo county: the alerts
 * with their totals by severity and filters, one alert with its rule and evidence, a case opened
 * from ticked alerts and a finding recorded on it, the alerts then in the case; the village cadre
 * refused in Chinese; and an asOf before any alert was raised.
 */
describe('web console: alerts and cases', () => {
  let c: Awaited<ReturnType<typeof startConsole>>;
  beforeAll(async () => {
    c = await startConsole();
  }, 180_000);
  afterAll(async () => c?.close());

  const text = (page: Page, sel: string) => page.locator(sel).first().innerText();
  /** The severities of the badges in the alert table's rows, as the page renders them. */
  const rowSeverities = (page: Page) =>
    page.evaluate<string[]>(`[...document.querySelectorAll('section[aria-label="预警清单"] tbody tr [data-severity]')].map((b) => b.dataset.severity)`);
  /** What the api answers a POST with the page's token: status and error, for comparing refusals. */
  const postAs = async (page: Page, path: string, body: unknown) => {
    const token = await c.token(page);
    const res = await fetch(`${c.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as ApiErrorBody };
  };

  async function openAlerts(page: Page, query = '') {
    await page.goto(`${c.url}/#/alerts${query}`);
    await page.waitForSelector('[data-testid="alert-total"]');
  }

  test('the alerts page shows the total and the counts by severity the api answers, and the rule set in force', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'inspector');
    await openAlerts(page);
    const api = await c.apiAs<AlertList>(page, '/alerts');
    expect(api.total).toBeGreaterThan(0);
    expect(Number(await text(page, '[data-testid="alert-total"]'))).toBe(api.total);
    for (const s of ['red', 'yellow', 'blue']) expect([s, Number(await text(page, `[data-testid="count-${s}"]`))]).toEqual([s, api.bySeverity[s]]);
    // The first row is the api's newest alert, with its rule and version.
    const first = page.locator('section[aria-label="预警清单"] tbody tr').first();
    expect(await first.innerText()).toContain(`${api.alerts[0].ruleId} ${api.alerts[0].ruleName}`);
    expect(await first.innerText()).toContain(`第${api.alerts[0].ruleVersion}版`);
    // The rule set in force, opened: every rule of the api's catalogue is listed.
    const rules = await c.apiAs<{ inForce: number; catalogue: { ruleId: string; name: string }[] }>(page, '/rule-sets/red-flags');
    await page.click('[data-testid="rule-set"] summary');
    const shown = await text(page, '[data-testid="rule-set"]');
    expect(shown).toContain(`第 ${rules.inForce} 版`);
    for (const r of rules.catalogue) expect(shown).toContain(`${r.ruleId} ${r.name}`);
    await c.shot(page, 'oversight-01-alerts');
    await page.close();
  });

  test('filtering by severity red shows only red alerts, as many as the api counts', async () => {
    for (const viewport of [{ width: 1280, height: 900 }, { width: 390, height: 844 }]) {
      const page = await c.newPage(viewport);
      await c.signIn(page, 'inspector');
      await openAlerts(page);
      await page.selectOption('form[data-testid="alert-filters"] select[name="severity"]', 'red');
      await page.click('form[data-testid="alert-filters"] button[type="submit"]');
      const api = await c.apiAs<AlertList>(page, '/alerts?severity=red&limit=25');
      expect(api.total).toBeGreaterThan(0);
      await waitForText(page, '[data-testid="alert-total"]', String(api.total));
      expect(page.url()).toContain('severity=red');
      const severities = await rowSeverities(page);
      expect(severities.length).toBe(api.alerts.length);
      expect(new Set(severities)).toEqual(new Set(['red']));
      expect(Number(await text(page, '[data-testid="count-yellow"]'))).toBe(0);
      await c.shot(page, `oversight-02-alerts-red-${viewport.width}`);
      await page.close();
    }
  });

  test('an alert\'s page shows its rule, its figures and every evidence event; a proof asked for answers in Chinese', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'inspector');
    const list = await c.apiAs<AlertList>(page, '/alerts?limit=100');
    // One with figures and more than one evidence event, when there is one.
    const pick = list.alerts.find((a) => a.evidence.length > 1) ?? list.alerts[0];
    const a = await c.apiAs<Alert & { figures: Record<string, unknown> }>(page, `/alerts/${pick.alertId}`);
    await page.goto(`${c.url}/#/alerts/${encodeURIComponent(a.alertId)}`);
    await page.waitForSelector('[data-testid="alert-rule"]');
    expect(await text(page, 'h1')).toContain(`${a.ruleId} ${a.ruleName}`);
    expect(await text(page, '[data-testid="alert-rule"]')).toContain(`第 ${a.ruleVersion} 版`);
    expect(await text(page, '[data-testid="alert-id"]')).toBe(a.alertId);
    expect(await text(page, '[data-testid="alert-description"]')).toBe(a.description);
    const evidence = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-testid="alert-evidence"] li')].map((li) => li.dataset.event)`);
    expect(evidence).toEqual(a.evidence);
    await waitForText(page, '[data-testid="alert-rule-text"]', a.ruleId);
    // The seal of the first evidence event, as the api answers it, in the catalogue's words.
    await page.click('[data-testid="alert-evidence"] li button');
    const token = await c.token(page);
    const proof = await fetch(`${c.url}/events/${a.evidence[0]}/proof`, { headers: { authorization: `Bearer ${token}` } });
    // The console runs sealed (as the embedded demo does) with a checkpoint over everything loaded.
    expect(proof.status).toBe(200);
    if (proof.ok) {
      await waitForText(page, '[data-testid="alert-evidence"] li', '已封存');
      // The proof file the page offers verifies offline with the standalone verifier and the public key.
      const href = await page.locator('[data-testid="proof"] a[download^="proof-"]').getAttribute('href');
      const dir = mkdtempSync(join(tmpdir(), 'console-proof-'));
      writeFileSync(join(dir, 'proof.json'), decodeURIComponent(href!.slice(href!.indexOf(',') + 1)));
      writeFileSync(join(dir, 'key.json'), await (await fetch(`${c.url}/checkpoints/public-key`)).text());
      const verifier = join(__dirname, '../../libs/seal/src/verifier/yuantrace-verify.js');
      const out = execFileSync(process.execPath, [verifier, '--proof', join(dir, 'proof.json'), '--key', join(dir, 'key.json')], { encoding: 'utf8' });
      expect(out).toMatch(/^OK/m);
    } else {
      const e = ((await proof.json()) as ApiErrorBody).error;
      await waitForText(page, '[data-testid="alert-evidence"] li .error', explain({ status: proof.status, code: e.code, field: e.field }));
    }
    await c.shot(page, 'oversight-03-alert');
    await page.close();
  });

  test('opening a case from two ticked alerts: the case page shows them, a finding is recorded through its form, and the alerts stand 已立案 in it', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'inspector');
    await openAlerts(page, '?status=open');
    const open = await c.apiAs<AlertList>(page, '/alerts?status=open&limit=25');
    const [one, two] = open.alerts;
    expect(two).toBeDefined();
    for (const a of [one, two]) await page.check(`input[data-alert="${a.alertId}"]`);
    await waitForText(page, '[data-testid="picked-count"]', '已选 2 条预警');
    await page.fill('form[data-testid="open-case-form"] input[name="caseId"]', 'CASE-WEB-1');
    await page.fill('form[data-testid="open-case-form"] input[name="title"]', '网页立案：两条预警核查');
    await page.click('form[data-testid="open-case-form"] button[type="submit"]');

    await page.waitForURL(/#\/cases\/CASE-WEB-1/);
    await page.waitForSelector('[data-testid="case-alerts"]');
    const shownAlerts = await page.evaluate<string[]>(`[...document.querySelectorAll('[data-testid="case-alerts"] li')].map((li) => li.dataset.alert)`);
    const view = await c.apiAs<CaseView>(page, '/cases/CASE-WEB-1');
    expect(view.alertIds.sort()).toEqual([one.alertId, two.alertId].sort());
    expect(shownAlerts.sort()).toEqual(view.alertIds.sort());
    expect(await text(page, '[data-testid="case-title"]')).toBe('网页立案：两条预警核查');
    expect(await page.locator('[data-testid="case-timeline"] li').count()).toBe(view.timeline.length);

    // A finding with an amount that is not yuan: the page says what the api refused, in Chinese, naming the field.
    const form = 'form[data-testid="finding-form"]';
    await page.selectOption(`${form} select[name="findingType"]`, 'FRAUDULENT_CLAIM');
    await page.fill(`${form} textarea[name="description"]`, '村会计以现金代领补贴');
    await page.fill(`${form} input[name="amount"]`, '三千元');
    await page.click(`${form} button[type="submit"]`);
    const refused = await postAs(page, '/cases/CASE-WEB-1/findings', { findingId: 'F-1', findingType: 'FRAUDULENT_CLAIM', description: '村会计以现金代领补贴',
      amount: '三千元', effectiveDate: new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10) });
    expect(refused.status).toBe(400);
    const sentence = explain({ status: refused.status, code: refused.body.error.code, field: refused.body.error.field });
    await waitForText(page, `${form} .error`, sentence);
    expect(sentence).toMatch(/[\u4e00-\u9fff]/);
    // Then as it should be: the finding appears on the page as the api records it.
    await page.fill(`${form} input[name="amount"]`, '1000.00');
    await page.fill(`${form} input[name="responsiblePersons"]`, '王某、李某');
    await page.click(`${form} button[type="submit"]`);
    await waitForText(page, `${form} .ok`, '已记录问题 F-1');
    await waitForText(page, 'section[aria-label="查实的问题"] tbody', '冒领');
    const after = await c.apiAs<CaseView>(page, '/cases/CASE-WEB-1');
    expect(after.findings).toEqual([expect.objectContaining({ findingId: 'F-1', findingType: 'FRAUDULENT_CLAIM', amount: '1000.00' })]);
    expect(await text(page, 'section[aria-label="查实的问题"] tbody')).toContain('1,000.00');
    await waitForText(page, '[data-testid="case-timeline"]', '核实');
    expect(await page.locator('[data-testid="case-timeline"] li').count()).toBe(after.timeline.length);
    await c.shot(page, 'oversight-04-case');

    // The alerts now stand in the case: the list of alerts in a case has them, says 已立案 and links the case, as the api does.
    await openAlerts(page, '?status=in_case');
    expect(Number(await text(page, '[data-testid="alert-total"]'))).toBe((await c.apiAs<AlertList>(page, '/alerts?status=in_case')).total);
    for (const a of [one, two]) {
      const status = page.locator(`tr:has(input[data-alert="${a.alertId}"]) [data-testid="alert-status"]`);
      expect(await status.getAttribute('data-status')).toBe('in_case');
      expect(await status.innerText()).toContain('已立案');
      expect(await status.innerText()).toContain('CASE-WEB-1');
      expect(await c.apiAs<Alert>(page, `/alerts/${a.alertId}`)).toMatchObject({ status: 'in_case', caseId: 'CASE-WEB-1' });
    }
    // The cases list has it too, with its status.
    await page.goto(`${c.url}/#/cases`);
    await waitForText(page, 'section[aria-label="案件清单"]', 'CASE-WEB-1');
    await c.shot(page, 'oversight-05-cases');
    await page.close();

    const phone = await c.newPage({ width: 390, height: 844 });
    await c.signIn(phone, 'inspector');
    await phone.goto(`${c.url}/#/cases/CASE-WEB-1`);
    await phone.waitForSelector('[data-testid="case-alerts"]');
    await c.shot(phone, 'oversight-06-case-phone');
    await phone.close();
  });

  test('the village cadre has no 预警 menu, and #/alerts answers with the Chinese sentence for a role not allowed', async () => {
    const page = await c.newPage({ width: 390, height: 844 });
    await c.signIn(page, 'village');
    expect(await page.locator('header nav a', { hasText: '预警' }).count()).toBe(0);
    expect(await page.locator('header nav a', { hasText: '案件' }).count()).toBe(0);
    await page.goto(`${c.url}/#/alerts`);
    const error = await page.waitForSelector('.error[role="alert"]');
    expect(await error.getAttribute('data-code')).toBe('role_not_allowed');
    expect(await error.innerText()).toBe(ERROR_TEXT.role_not_allowed);
    expect(await page.locator('[data-testid="alert-total"]').count()).toBe(0);
    await c.shot(page, 'oversight-07-village-refused');
    await page.close();
  });

  test('as of 2015-01-01, before any alert was raised, the page shows none, as the api answers', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'inspector');
    await openAlerts(page, '?asOf=2015-01-01');
    const api = await c.apiAs<AlertList>(page, '/alerts?asOf=2015-01-01');
    expect(api.total).toBe(0);
    await waitForText(page, '[data-testid="basis-shown"]', '2015-01-01');
    expect(await text(page, '[data-testid="alert-total"]')).toBe('0');
    expect(await page.locator('section[aria-label="预警清单"] tbody tr').count()).toBe(0);
    expect(await text(page, 'section[aria-label="预警清单"]')).toContain('没有预警');
    // Today the same page has alerts: the empty list is the date's, not a page that shows nothing.
    expect((await c.apiAs<AlertList>(page, '/alerts')).total).toBeGreaterThan(0);
    await c.shot(page, 'oversight-08-alerts-asof-2015');
    await page.close();
  });

  test('no page threw', () => {
    expect(c.requests.filter((u) => u.startsWith('pageerror:'))).toEqual([]);
  });
});
