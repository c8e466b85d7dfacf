import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AppConfig } from './config/app-config';
import type { Clock } from './infrastructure/clock';
import { InfrastructureModule } from './infrastructure/infrastructure.module';
import { openStorage, type Storage } from './infrastructure/storage';
import { LedgerCoreModule } from './ledger-core.module';

@Module({})
class LedgerContextModule {
  static register(config: AppConfig, storage: Storage, clock?: Clock): DynamicModule {
    return { module: LedgerContextModule, imports: [InfrastructureModule.register(config, storage, clock), LedgerCoreModule] };
  }
}

/**
 * The ledger without HTTP, as a Nest application context: what a bulk load or a benchmark needs
 * to run commands through the same service the api's controllers call.
 */
export async function createLedgerContext(config: AppConfig, options: { storage?: Storage; clock?: Clock } = {}): Promise<INestApplicationContext> {
  const storage = options.storage ?? (await openStorage(config));
  const app = await NestFactory.createApplicationContext(LedgerContextModule.register(config, storage, options.clock), { logger: ['warn', 'error'] });
  app.enableShutdownHooks();
  await app.init();
  return app;
}
