import { Logger } from '@nestjs/common';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config/app-config';
import { loadDemoData, printDemoTokens } from './demo/demo-data';

async function main() {
  const config = loadConfig();
  const app = await createApp(config);
  if (config.demoData) {
    const logger = new Logger('demo');
    if (await loadDemoData(app)) logger.log('loaded the demo county (演示县) into the empty store; DEMO_DATA=off skips this');
    printDemoTokens(app);
  }
  await app.listen(config.port);
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
