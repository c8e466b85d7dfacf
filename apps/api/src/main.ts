import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Logger } from '@nestjs/common';
import { createApp } from './app';
import { ConfigError, loadConfig } from '@yuantrace/ledger';
import { loadDemoCounty, loadDemoData, printDemoTokens } from './demo/demo-data';
import { openStorage } from '@yuantrace/ledger';
import { openReadConnections } from './views/read-connections';
import { warmUp } from './warm-up';

/**
 * Connections opened before the api listens: a few requests in flight at once. An api with more in
 * flight opens more as it goes (DATABASE_POOL_SIZE), and a deployment of several api processes
 * beside a projector and bulk loads does not hold the server's connections for load it may not see.
 */
const READ_CONNECTIONS_AT_START = 4;

/**
 * How far the embedded api's heap may grow past what V8's last full collection kept before it
 * collects again: 1.6×. A process that may use 2 GB or more (by default a quarter of the machine's
 * memory, up to 4 GB) is allowed 4×, and under the benchmark's commands at concurrency 64 the
 * embedded api's heap reached 160–190 MB, mostly garbage promoted from the small young generation,
 * beside PGlite's 140 MB: peaks of 353–412 MB. V8 reads the factor at each collection, so it can be
 * set once the store is known. On PostgreSQL the api keeps V8's own: a 1 GB old space there (which
 * also brings the factor to 1.6) took its peak from 233 to 143 MB, but a freshly started api's first
 * household views were slower in four alternating runs (p99 22.6–32.5 ms against 19.4–24.0).
 */
const EMBEDDED_HEAP_GROWING_PERCENT = 60;

/**
 * One full collection once the embedded api has started, so that the factor above holds from
 * there: until its first full collection V8 sizes the heap by limits of its own, and the embedded
 * api's heap reached 110–117 MB (54 MB of it live) over its first reads. The collector is reached
 * through a context made after --expose-gc is set (the flag gives `gc` to contexts made later,
 * not to this one).
 */
function collectOnce(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function main() {
  const config = loadConfig();
  const storage = await openStorage(config);
  if (storage.db.kind === 'embedded') setFlagsFromString(`--heap-growing-percent=${EMBEDDED_HEAP_GROWING_PERCENT}`);
  if (config.demoData) await loadDemoCounty(config, storage);
  const app = await createApp(config, { storage });
  await openReadConnections(storage.db, Math.min(config.databasePoolSize, READ_CONNECTIONS_AT_START));
  const warm = await warmUp(app, config, storage.db, config.apiWarmUpRequests);
  if (storage.db.kind === 'embedded') collectOnce();
  if (warm) new Logger('main').log(`warmed up with ${warm.requests} reads in ${warm.ms} ms${warm.failed ? ` (${warm.failed} not answered 200)` : ''}`);
  await app.listen(config.port);
  if (config.demoData) {
    // After listen: /health answers while the showcase is written and the projections catch up.
    if (await loadDemoData(app)) new Logger('demo').log('added the demo showcase (a 38万元 village road, payments in every state, two households)');
    printDemoTokens(app);
  }
  const where = config.databaseUrl ? 'PostgreSQL' : `embedded PGlite in ${config.dataDir}`;
  new Logger('main').log(`yuantrace api listening on http://localhost:${config.port} (${where}); OpenAPI at /docs`);
}

main().catch((e) => {
  if (e instanceof ConfigError) {
    process.stderr.write(`yuantrace: cannot start: ${e.message}\n`);
  } else {
    process.stderr.write(`yuantrace: cannot start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  }
  process.exit(1);
});
