import { mkdirSync } from 'node:fs';
import { EventStore, PgDb, PgliteDb, PostgresEventStore, type Db } from '@yuantrace/event-store';
import { readModelProjections } from '@yuantrace/read-models';
import { ConfigError, redactUrl, type AppConfig } from '../config/app-config';

export type Storage = { db: Db; store: EventStore };

/**
 * Opens the read-model database and the event store the configuration names:
 *   nothing set      → embedded PGlite under DATA_DIR for both
 *   DATABASE_URL     → PostgreSQL server for both
 *   + KURRENTDB_URL  → events in KurrentDB, read models in PostgreSQL
 * A server that cannot be reached stops startup with the variable's name.
 */
export async function openStorage(config: AppConfig): Promise<Storage> {
  let db: Db;
  if (config.databaseUrl) {
    try {
      // A projection that runs holds one connection for its advisory lock the whole time: those come on top of
      // DATABASE_POOL_SIZE, or ten projections would take every connection and leave none for requests.
      const poolSize = config.databasePoolSize + readModelProjections().length;
      db = await PgDb.connect(config.databaseUrl, { schema: config.databaseSchema, poolSize, idleSeconds: config.databasePoolIdleSeconds });
    } catch (e) {
      throw new ConfigError('DATABASE_URL', `cannot reach PostgreSQL at ${redactUrl(config.databaseUrl)}: ${(e as Error).message}`);
    }
  } else if (config.inMemory) {
    db = await PgliteDb.open(undefined, { schema: config.databaseSchema });
  } else {
    mkdirSync(config.dataDir, { recursive: true });
    try {
      db = await PgliteDb.open(config.dataDir, { schema: config.databaseSchema });
    } catch (e) {
      throw new ConfigError('DATA_DIR', `cannot open the embedded database in ${config.dataDir}: ${(e as Error).message}`);
    }
  }
  try {
    const store = config.kurrentdbUrl ? await openKurrentDb(config.kurrentdbUrl) : await PostgresEventStore.create(db);
    return { db, store };
  } catch (e) {
    await db.close().catch(() => undefined);
    throw e;
  }
}

/** Loaded only when configured: the KurrentDB client (and its native read bridge) stays out of embedded mode. */
async function openKurrentDb(url: string): Promise<EventStore> {
  const { KurrentDbEventStore } = await import('@yuantrace/event-store/kurrentdb');
  try {
    return await KurrentDbEventStore.connect(url);
  } catch (e) {
    throw new ConfigError('KURRENTDB_URL', (e as Error).message);
  }
}
