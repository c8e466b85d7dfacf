import type { INestApplication } from '@nestjs/common';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig, openStorage, READ_DB, SEAL_OPTIONS } from '@yuantrace/ledger';
import { SealKey, sealPending, type SealOptions } from '@yuantrace/seal';
import { createApp } from '../../apps/api/src/app';
import { loadDemoCounty, loadDemoData } from '../../apps/api/src/demo/demo-data';
import { WEB_ROOT } from '../../apps/api/src/web/web-assets';

/** Where the browser tests leave a screenshot of every page they open (kept by CI as artifacts). */
export const SHOTS = join(__dirname, '..', 'artifacts', 'web');

/** Debian's Chromium (`apt-get install chromium`; .ci/run installs it when missing), or CHROMIUM_PATH. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Waits until the first element matching `selector` has text containing `text` (the pages render
 * after their api calls answer). Runs in the page, so it is written without DOM types.
 */
export async function waitForText(page: Page, selector: string, text: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction(
    ([sel, t]) => ((globalThis as unknown as { document: { querySelector: (s: string) => { textContent: string | null } | null } }).document.querySelector(sel)?.textContent ?? '').includes(t),
    [selector, text] as const,
    { timeout },
  );
}

export type Role = 'finance' | 'approver' | 'inspector' | 'auditor' | 'village';

/**
 * The whole system as `npm start` runs it — the real api on the embedded store (in memory), the demo
 * county and its showcase loaded as on a first start, the console served on the same origin — and a
 * real Chromium driven by playwright-core. Every request the pages make is recorded, so a test can
 * check that nothing is fetched from anywhere but the api's own origin.
 */
export async function startConsole(): Promise<{
  url: string;
  app: INestApplication;
  browser: Browser;
  requests: string[];
  newPage: (viewport?: { width: number; height: number }) => Promise<Page>;
  signIn: (page: Page, role: Role) => Promise<void>;
  shot: (page: Page, name: string) => Promise<void>;
  /** The token the page signed in with. */
  token: (page: Page) => Promise<string | null>;
  /** What the api itself answers `path` for the page's principal: the figures a page must show. */
  apiAs: <T = Record<string, unknown>>(page: Page, path: string) => Promise<T>;
  close: () => Promise<void>;
}> {
  if (!existsSync(join(WEB_ROOT, 'index.html'))) throw new Error(`the console is not built in ${WEB_ROOT}: run npm run build:web (npm test does)`);
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium (bash .ci/run installs it), or set CHROMIUM_PATH`);
  // Sealed as `npm start` seals the embedded demo (there with a key file beside the data): the board
  // shows a signed checkpoint and an alert's evidence has its inclusion proof.
  const config = loadConfig({ DATA_DIR: ':memory:', LOG_LEVEL: 'silent', DEMO_DATA: 'on', SEAL_KEY: SealKey.generate('ed25519') });
  const storage = await openStorage(config);
  await loadDemoCounty(config, storage);
  const app = await createApp(config, { storage });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  await loadDemoData(app);
  // The projections (the sealer among them) catch up with the showcase before any page reads it.
  for (let i = 0; i < 600; i++) {
    const h = (await (await fetch(`${url}/health`)).json()) as { projections?: { lag: string }[] };
    if (h.projections?.every((p) => p.lag === '0')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // A checkpoint over everything loaded, rather than waiting SEAL_EVERY_SECONDS: every event the
  // pages show has its inclusion proof.
  await sealPending(app.get(READ_DB), app.get<SealOptions>(SEAL_OPTIONS), true);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const requests: string[] = [];
  mkdirSync(SHOTS, { recursive: true });
  const newPage = async (viewport = { width: 1280, height: 900 }) => {
    const page = await browser.newPage({ viewport });
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => requests.push(`pageerror: ${e.message}`));
    return page;
  };
  return {
    url,
    app,
    browser,
    requests,
    newPage,
    signIn: async (page, role) => {
      await page.goto(`${url}/#/signin`);
      await page.click(`button[data-role="${role}"]`);
      await page.waitForSelector('[data-testid="who"] button');
    },
    token: (page) => page.evaluate<string | null>("sessionStorage.getItem('yuantrace.token')"),
    apiAs: async <T,>(page: Page, path: string) => {
      const token = await page.evaluate<string | null>("sessionStorage.getItem('yuantrace.token')");
      const res = await fetch(`${url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      return (await res.json()) as T;
    },
    shot: async (page, name) => {
      await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await browser.close();
      await app.close();
    },
  };
}
