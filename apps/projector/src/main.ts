import 'reflect-metadata';
import { Logger, Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ConfigError, loadConfig, type AppConfig } from '@yuantrace/ledger';
import { InfrastructureModule } from '@yuantrace/ledger';
import { openStorage, type Storage } from '@yuantrace/ledger';

/**
 * The projector: a Nest application context with no HTTP that runs every projection from the
 * event store into PostgreSQL. Several may run; the advisory lock keeps one active per
 * projection and the others stand by.
 */
@Module({})
class ProjectorModule {
  static register(config: AppConfig, storage: Storage): DynamicModule {
    return { module: ProjectorModule, imports: [InfrastructureModule.register({ ...config, runProjections: true }, storage)] };
  }
}

async function main() {
  const config = loadConfig();
  if (!config.databaseUrl) {
    throw new ConfigError('DATABASE_URL', 'the projector runs against a PostgreSQL server; in embedded mode the api runs the projections itself');
  }
  const storage = await openStorage(config);
  const app = await NestFactory.createApplicationContext(ProjectorModule.register(config, storage), { logger: ['log', 'warn', 'error'] });
  app.enableShutdownHooks();
  new Logger('projector').log(`projector running (events: ${storage.store.kind}, read models: PostgreSQL schema ${config.databaseSchema})`);
}

main().catch((e) => {
  process.stderr.write(`yuantrace projector: cannot start: ${e instanceof ConfigError ? e.message : (e?.stack ?? e)}\n`);
  process.exit(1);
});
