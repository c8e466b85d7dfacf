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
 * The embedded api's heap growing factor: after a full collection V8 sets the heap's next limit at
 * about this much more than the collection kept (1.6×, plus a minimum step and the young
 * generation). A process that may use 2 GB or more (by default a quarter of the machine's memory,
 * or of a container's limit, up to 4 GB) is allowed up to 4×, and under the benchmark's commands at
 * concurrency 64 the embedded api's heap reached 160–190 MB, mostly garbage promoted from the small
 * young generation, beside PGlite's 140 MB: peaks of 353–421 MB. V8 reads the factor each time it
 * sets a limit, so it can be set once the store is known; set before the demo county's first load,
 * which then also runs in the smaller heap. On PostgreSQL the api keeps V8's defaults: what was
 * measured there is a 1 GB old space for every api (a lower starting and hard limit as well as this
 * factor), which took the county api's peak from 233 to 143 MB, while a freshly started api's first
 * household views came out slower in four alternating runs (p99 22.6–32.5 ms against 19.4–24.0).
 */
const EMBEDDED_HEAP_GROWING_PERCENT = 60;

/**
 * One full collection after the embedded api's warm-up and before it listens (so no request waits
 * on it), so that the factor above holds from there: until its first full collection V8 sizes the
 * heap by limits of its own, and the embedded api's heap reached 110–117 MB (54 MB of it live)
 * over its first reads. The collector is reached through a context made while --expose-gc is set
 * (the flag gives `gc` to contexts made later, not to this one), and the flag is then unset so no
 * later context or worker gets one. A memory setting never stops the api: if the collector cannot
 * be reached (node started with --expose-gc-as), it says so and starts.
 */
function collectOnce(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch (e) {
    new Logger('main').warn(`no full collection after start: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

async function main() {
  const config = loadConfig();
  const storage = await openStorage(config);
  const embedded = storage.db.kind === 'embedded';
  if (embedded) setFlagsFromString(`--heap-growing-percent=${EMBEDDED_HEAP_GROWING_PERCENT}`);
  if (config.demoData) await loadDemoCounty(config, storage);
  const app = await createApp(config, { storage });
  await openReadConnections(storage.db, Math.min(config.databasePoolSize, READ_CONNECTIONS_AT_START));
  const warm = await warmUp(app, config, storage.db, config.apiWarmUpRequests);
  if (embedded) collectOnce();
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
