import type { Page } from 'playwright-core';
import { startConsole, type Role } from '../support/web-console';

/**
 * Keyboard and screen-reader basics on every page of the console, at a desk's 1280 px and a village
 * cadre's 390 px phone: axe-core (Deque's rules engine, run inside the real Chromium) over WCAG 2 A
 * and AA — labels, names, contrast, landmarks — and no page wider than the phone's screen.
 */
const PAGES: Array<{ name: string; role: Role | null; path: string; ready: string }> = [
  { name: 'sign-in', role: null, path: '#/signin', ready: 'button[data-role]' },
  { name: 'board', role: null, path: '#/board/990101001001', ready: 'main h1' },
  { name: 'desk', role: 'finance', path: '#/desk?unit=990101000000', ready: '[data-figure="received"]' },
  { name: 'flow', role: 'finance', path: '#/flow/DEMO-CEN-2016', ready: '[data-testid="flow-sankey"]' },
  { name: 'payment', role: 'finance', path: '#/payments/DEMO-PAY-2', ready: '.timeline li' },
  { name: 'project', role: 'finance', path: '#/projects/DEMO-ROAD', ready: '.timeline li' },
  { name: 'projects', role: 'finance', path: '#/projects', ready: 'main table tbody tr' },
  { name: 'queue', role: 'approver', path: '#/queue', ready: 'main h1' },
  { name: 'household', role: 'finance', path: '#/households/DEMO-HH-1', ready: 'main table tbody tr' },
  { name: 'households', role: 'village', path: '#/households', ready: 'main table tbody tr' },
  { name: 'alerts', role: 'inspector', path: '#/alerts', ready: '[data-testid="alert-link"]' },
  { name: 'cases', role: 'inspector', path: '#/cases', ready: 'main h1' },
];

const SIZES = [
  { label: '1280', width: 1280, height: 900 },
  { label: '390', width: 390, height: 844 },
];

type Violation = { id: string; impact: string; help: string; nodes: { target: string[] }[] };

async function axe(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  return page.evaluate<Violation[]>(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] }, resultTypes: ['violations'] })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target })) })))`);
}

describe('web console: accessibility basics on every page', () => {
  let c: Awaited<ReturnType<typeof startConsole>>;
  beforeAll(async () => {
    c = await startConsole();
  }, 180_000);
  afterAll(async () => c?.close());

  for (const size of SIZES) {
    test.each(PAGES)(`$name at ${size.label} px: no WCAG A/AA violation, nothing wider than the screen`, async (p) => {
      const page = await c.newPage({ width: size.width, height: size.height });
      if (p.role) await c.signIn(page, p.role);
      await page.goto(`${c.url}/${p.path}`);
      await page.waitForSelector(p.ready, { timeout: 30_000 });
      // Judged once the page has settled: every api answer in and every chart drawn.
      await page.waitForLoadState('networkidle');
      const violations = await axe(page);
      expect({ page: p.name, violations: violations.filter((v) => v.impact === 'serious' || v.impact === 'critical') }).toEqual({ page: p.name, violations: [] });
      const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
      expect({ page: p.name, overflow: overflow > 1 }).toEqual({ page: p.name, overflow: false });
      await c.shot(page, `a11y-${p.name}-${size.label}`);
      await page.close();
    });
  }

  test('the keyboard reaches the skip link first, then the menu; the skip link moves focus to the page', async () => {
    const page = await c.newPage();
    await c.signIn(page, 'finance');
    await page.goto(`${c.url}/#/desk?unit=990101000000`);
    await page.reload(); // a fresh load: focus starts at the top of the document
    await page.waitForSelector('[data-figure="received"]');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.textContent')).toBe('跳到正文');
    await page.keyboard.press('Tab');
    expect(await page.evaluate<string>('document.activeElement.closest("header") ? "header" : "elsewhere"')).toBe('header');
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('main');
    expect(new URL(page.url()).hash).toBe('#/desk?unit=990101000000');
    // Following a link moves focus to the new page's content.
    await page.click('header nav a[href^="#/projects"]');
    await page.waitForFunction('location.hash.startsWith("#/projects")');
    expect(await page.evaluate<string>('document.activeElement.id')).toBe('main');
    await page.close();
  });
});
