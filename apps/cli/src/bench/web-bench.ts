import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deployed } from './bench';
import { freePort } from './private-postgres';

/** The web console's goals (issue: the desk's first page on the tiny county ≤ 1 s, a county batch's Sankey ≤ 2 s). */
export const WEB_GOALS = { deskMs: 1000, sankeyMs: 2000 };

type Timing = { runs: number; medianMs: number; maxMs: number };
export type WebBenchReport = {
  /** From navigation start to the desk's figures and its unspent-batch table drawn, by the page's clock, in a fresh browser context (no cache). */
  desk: Timing;
  /** The same, by this process's clock: the tab's start and the harness's polling included. */
  deskWall: Timing;
  /** The same page's api calls alone, from this process: the baseline of the page. */
  deskApi: Timing;
  sankeyBatch: string;
  sankeyNodes: number;
  /** From navigation to the Sankey of the county's largest batch drawn (ECharts loaded from our server, cold). */
  sankey: Timing;
  sankeyWall: Timing;
  sankeyApi: Timing;
} | { unavailable: string };

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const timing = (xs: number[]): Timing => {
  const s = [...xs].sort((a, b) => a - b);
  return { runs: s.length, medianMs: Math.round(s[Math.floor(s.length / 2)]), maxMs: Math.round(s[s.length - 1]) };
};

/**
 * The console as deployed: `npm start`'s api (compiled, embedded store, demo county) and Debian's
 * Chromium. Each run opens a fresh browser context, so scripts, styles and ECharts are fetched again:
 * the first visit of a clerk's day. Beside it, the same page's api calls made directly, so the ratio
 * says what the browser adds.
 */
export async function benchWebConsole(log: (line: string) => void, runs = 7): Promise<WebBenchReport> {
  if (!existsSync(CHROMIUM)) return { unavailable: `no Chromium at ${CHROMIUM} (apt-get install chromium)` };
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'yuantrace-web-bench-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const api = deployed('api', { ...process.env, DATA_DIR: join(dir, 'data'), PORT: String(port), LOG_LEVEL: 'warn', DEMO_DATA: 'on', DATABASE_URL: '' });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  try {
    log('web console: starting the api on the embedded demo county…');
    let token: string | undefined;
    for (let i = 0; i < 1200 && !token; i++) {
      const h = await fetch(`${url}/health`).then((r) => r.json() as Promise<{ projections?: { lag: string }[] }>, () => null);
      const p = await fetch(`${url}/demo/principals`).then((r) => (r.ok ? (r.json() as Promise<{ principals: { role: string; token: string }[] }>) : null), () => null);
      // The showcase is written after listen: wait for it (DEMO-EDU-HH-1 is its last payment) and for the projections.
      const done = p && (await fetch(`${url}/payments/DEMO-EDU-HH-1`, { headers: { authorization: `Bearer ${p.principals[0].token}` } }).then((r) => r.ok, () => false));
      if (done && h?.projections?.every((x) => x.lag === '0')) token = p!.principals.find((x) => x.role === 'finance')!.token;
      else await new Promise((r) => setTimeout(r, 250));
    }
    if (!token) throw new Error('the api did not get ready');
    const auth = { authorization: `Bearer ${token}` };
    const county = '990101000000';
    const largest = (await (await fetch(`${url}/fund-batches?unitCode=${county}&sort=-amount&limit=1`, { headers: auth })).json()) as { items: { batchId: string }[] };
    const batchId = largest.items[0].batchId;
    const flow = (await (await fetch(`${url}/fund-batches/${batchId}/flow`, { headers: auth })).json()) as { flow: unknown };
    const countNodes = (n: unknown): number => {
      const x = n as { children?: unknown[]; payees?: unknown[] };
      return 1 + (x.children ?? []).reduce<number>((s, c) => s + countNodes(c), 0) + (x.payees?.length ?? 0);
    };

    // Two clocks: this process's, from the start of navigation to the selector found (what the
    // harness waits, including starting the tab); and the page's own (performance.now(), counted by
    // the browser from navigation start), stamped by a MutationObserver the moment the selector matches.
    const visit = async (path: string, ready: string) => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addInitScript(`sessionStorage.setItem('yuantrace.token', ${JSON.stringify(token)});
        new MutationObserver((_, o) => { if (document.querySelector(${JSON.stringify(ready)})) { window.__ready = performance.now(); o.disconnect(); } })
          .observe(document, { childList: true, subtree: true, attributes: true });`);
      const page = await context.newPage();
      const t0 = performance.now();
      await page.goto(`${url}/${path}`);
      await page.waitForSelector(ready, { timeout: 30_000 });
      const wall = performance.now() - t0;
      const inPage = await page.evaluate<number>('window.__ready');
      await context.close();
      return { wall, inPage };
    };
    const direct = async (paths: string[]) => {
      const t0 = performance.now();
      await Promise.all(paths.map((p) => fetch(`${url}${p}`, { headers: auth }).then((r) => r.text())));
      return performance.now() - t0;
    };
    const deskPaths = [`/admin-units/${county}/summary`, `/fund-batches?unitCode=${county}&unspentOnly=true&sort=-unspent&limit=20`, `/alerts?unitCode=${county}&limit=8`];
    const flowPaths = [`/fund-batches/${batchId}`, `/fund-batches/${batchId}/flow`];
    // One visit of each first, not counted: the api's own caches and the database's are warm for every counted run alike.
    await visit(`#/desk?unit=${county}`, 'section[aria-label^="尚有结余的资金批次"] tbody tr');
    await visit(`#/flow/${encodeURIComponent(batchId)}`, '[data-testid="flow-sankey"][data-rendered="true"]');
    const desk: { wall: number; inPage: number }[] = [];
    const deskApi: number[] = [];
    const sankey: { wall: number; inPage: number }[] = [];
    const sankeyApi: number[] = [];
    for (let i = 0; i < runs; i++) {
      desk.push(await visit(`#/desk?unit=${county}`, 'section[aria-label^="尚有结余的资金批次"] tbody tr'));
      deskApi.push(await direct(deskPaths));
      sankey.push(await visit(`#/flow/${encodeURIComponent(batchId)}`, '[data-testid="flow-sankey"][data-rendered="true"]'));
      sankeyApi.push(await direct(flowPaths));
    }
    return {
      desk: timing(desk.map((x) => x.inPage)), deskWall: timing(desk.map((x) => x.wall)), deskApi: timing(deskApi),
      sankeyBatch: batchId, sankeyNodes: countNodes(flow.flow),
      sankey: timing(sankey.map((x) => x.inPage)), sankeyWall: timing(sankey.map((x) => x.wall)), sankeyApi: timing(sankeyApi),
    };
  } finally {
    await browser.close();
    api.kill('SIGTERM');
    await new Promise((r) => api.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printWebBench(r: WebBenchReport): string {
  if ('unavailable' in r) return `web console: not measured: ${r.unavailable}`;
  const ratio = (a: Timing, b: Timing) => (a.medianMs / Math.max(1, b.medianMs)).toFixed(1);
  return [
    `web console, desk first page (tiny county, cold browser) median ${r.desk.medianMs} ms max ${r.desk.maxMs} ms over ${r.desk.runs} from navigation start ` +
      `(goal ≤ ${WEB_GOALS.deskMs}); with the tab's start ${r.deskWall.medianMs} ms; its api calls alone ${r.deskApi.medianMs} ms (ratio ${ratio(r.desk, r.deskApi)})`,
    `web console, Sankey of ${r.sankeyBatch} (${r.sankeyNodes} nodes) median ${r.sankey.medianMs} ms max ${r.sankey.maxMs} ms from navigation start (goal ≤ ${WEB_GOALS.sankeyMs}); ` +
      `with the tab's start ${r.sankeyWall.medianMs} ms; its api calls alone ${r.sankeyApi.medianMs} ms (ratio ${ratio(r.sankey, r.sankeyApi)})`,
  ].join('\n');
}
