import { Global, Inject, Injectable, Logger, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { EventStore, StateCache, type Db } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { readModelProjections } from '@yuantrace/read-models';
import { SealTicker, sealerProjection, type SealOptions } from '@yuantrace/seal';
import type { AppConfig } from '../config/app-config';
import { CommandHandler } from '../commands/command-handler';
import { Clock, SystemClock } from './clock';
import type { Storage } from './storage';
import { APP_CONFIG, OWNS_STORAGE, READ_DB } from './tokens';
import { SEAL_OPTIONS, sealSetup } from './seal-setup';

const SEAL_NOTE = Symbol('SEAL_NOTE');

/** Starts the projections with the app (embedded mode, or RUN_PROJECTIONS=on) and closes storage last. */
@Injectable()
class StorageLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('storage');
  private ticker: SealTicker | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(READ_DB) private readonly db: Db,
    private readonly store: EventStore,
    private readonly runner: ProjectionRunner,
    @Inject(OWNS_STORAGE) private readonly ownsStorage: boolean,
    @Inject(SEAL_OPTIONS) private readonly seal: SealOptions | null,
    @Inject(SEAL_NOTE) private readonly sealNote: string,
  ) {}

  async onApplicationBootstrap() {
    // Said once the app's logger (and its level) is in place.
    new Logger('seal').log(this.sealNote);
    if (this.config.runProjections) {
      await this.runner.start();
      this.logger.log(`projections running in this process: ${this.runner.projections.map((p) => p.name).join(', ') || 'none'}`);
      if (this.seal) {
        this.ticker = new SealTicker(this.db, this.seal, (e) => this.logger.error(`sealing a checkpoint failed: ${(e as Error).message}`));
        this.ticker.start();
      }
    } else {
      await this.runner.setup();
    }
  }

  async onApplicationShutdown() {
    await this.ticker?.stop();
    await this.runner.stop();
    // A short-lived app (the demo loader) hands its storage on instead of closing it.
    if (!this.ownsStorage) return;
    await this.store.close();
    await this.db.close();
  }
}

@Global()
@Module({})
export class InfrastructureModule {
  static register(config: AppConfig, storage: Storage, clock: Clock = new SystemClock(), ownsStorage = true): DynamicModule {
    const cache = new StateCache(config.stateCacheSize);
    const commands = new CommandHandler(storage.store, cache, clock);
    const seal = sealSetup(config);
    const runner = new ProjectionRunner(storage.store, storage.db, [...readModelProjections(), ...(seal.options ? [sealerProjection(seal.options)] : [])], {
      logger: new Logger('projections'),
      lanes: config.projectionLanes,
    });
    return {
      module: InfrastructureModule,
      providers: [
        { provide: APP_CONFIG, useValue: config },
        { provide: READ_DB, useValue: storage.db },
        { provide: EventStore, useValue: storage.store },
        { provide: ProjectionRunner, useValue: runner },
        { provide: StateCache, useValue: cache },
        { provide: Clock, useValue: clock },
        { provide: CommandHandler, useValue: commands },
        { provide: OWNS_STORAGE, useValue: ownsStorage },
        { provide: SEAL_OPTIONS, useValue: seal.options },
        { provide: SEAL_NOTE, useValue: seal.note },
        StorageLifecycle,
      ],
      exports: [APP_CONFIG, READ_DB, EventStore, ProjectionRunner, StateCache, Clock, CommandHandler, SEAL_OPTIONS],
    };
  }
}
