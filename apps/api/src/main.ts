import { Logger } from '@nestjs/common';
import { createApp } from './app';
import { ConfigError, loadConfig } from '@yuantrace/ledger';
import { loadDemoCounty, loadDemoData, printDemoTokens } from './demo/demo-data';
import { openStorage } from '@yuantrace/ledger';

async function main() {
  const config = loadConfig();
  const storage = await openStorage(config);
  if (config.demoData) await loadDemoCounty(config, storage);
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
