import type { INestApplication } from '@nestjs/common';
import { createApp } from '../../apps/api/src/app';
import { loadConfig, type AppConfig } from '@yuantrace/ledger';
import { KurrentDbProtocolSimulator } from '@yuantrace/event-store/kurrentdb';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from './databases';

/** kurrentdb: events in KurrentDB (the protocol simulator, or a real server when KURRENTDB_URL is set), read models in PostgreSQL. */
export type Backend = 'postgres' | 'embedded' | 'kurrentdb';

/**
 * The real application for end-to-end tests: on a PostgreSQL server in a schema of its own,
 * or on in-memory PGlite. Projections run in the process.
 */
export async function startTestApp(backend: Backend, env: Record<string, string> = {}, options: { schema?: string; keepSchema?: boolean } = {}): Promise<{
  app: INestApplication;
  config: AppConfig;
  schema: string;
  close: () => Promise<void>;
}> {
  const schema = options.schema ?? uniqueSchema('e2e');
  let simulator: KurrentDbProtocolSimulator | undefined;
  let kurrentdbUrl = process.env.KURRENTDB_URL;
  if (backend === 'kurrentdb' && !kurrentdbUrl) {
    simulator = new KurrentDbProtocolSimulator();
    kurrentdbUrl = (await simulator.start()).url;
  }
  // Idle connections closed after 10 s, as node-postgres's default: test files run side by side on one server's 100 connections.
  const server = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, RUN_PROJECTIONS: 'on', JWT_SECRET: TEST_JWT_SECRET, DATABASE_POOL_IDLE_SECONDS: '10' };
  const base =
    backend === 'postgres' ? server : backend === 'kurrentdb' ? { ...server, KURRENTDB_URL: kurrentdbUrl! } : { DATA_DIR: ':memory:' };
  const config = loadConfig({ LOG_LEVEL: 'silent', DEMO_DATA: 'off', ...base, ...env });
  const app = await createApp(config);
  return {
    app,
    config,
    schema,
    close: async () => {
      await app.close();
      await simulator?.stop();
      if (backend !== 'embedded' && !options.keepSchema) await dropSchema(schema);
    },
  };
}

export const TEST_JWT_SECRET = 'test-secret-of-enough-length';
