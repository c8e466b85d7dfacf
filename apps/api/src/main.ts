import { generate, loadCommands } from '@yuantrace/ledger';
import { Logger } from '@nestjs/common';
import { createApp } from './app';
import { ConfigError, loadConfig } from '@yuantrace/ledger';
import { loadDemoData, printDemoTokens } from './demo/demo-data';
import { openStorage } from '@yuantrace/ledger';
import { BulkLoadEventStore, PostgresEventStore } from '@yuantrace/event-store';

async function main() {
  const config = loadConfig();
  const storage = await openStorage(config);
  if (config.demoData && !(await storage.store.lastPosition()) && storage.store instanceof PostgresEventStore) {
    // First start of an empty store: the tiny generated county, loaded through the deciders on
    // the bulk path by a short-lived app that hands the storage on.
    const logger = new Logger('demo');
    const started = Date.now();
    const bulk = await BulkLoadEventStore.over(storage.store);
    const loader = await createApp({ ...config, runProjections: false }, { storage: { db: storage.db, store: bulk }, ownsStorage: false });
    const { commands } = generate('tiny', 1);
    await loadCommands(loader, 'demo-tiny-1', commands, undefined, 5000);
    await loader.close();
    logger.log(`loaded the tiny demo county (${commands.length} commands) in ${((Date.now() - started) / 1000).toFixed(1)} s; DEMO_DATA=off skips this`);
  }
  const app = await createApp(config, { storage });
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
