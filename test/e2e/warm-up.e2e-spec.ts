import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../../apps/api/src/app';
import { loadDemoCounty } from '../../apps/api/src/demo/demo-data';
import { warmUp, warmUpPaths, warmUpRequests, warmUpServer } from '../../apps/api/src/warm-up';
import type { AddressInfo } from 'node:net';
import { bearer } from '../support/principals';
import { loadConfig, openStorage, type AppConfig, type Storage } from '@yuantrace/ledger';
import { dropSchema, TEST_DATABASE_URL, uniqueSchema } from '../support/databases';
import { TEST_JWT_SECRET } from '../support/app';

/**
 * The api warms itself before it listens (main.ts): real reads over its whole stack, on the
 * tiny generated county in PostgreSQL, that write nothing and leave no listener behind.
 */
describe('warm-up before the api listens', () => {
  const schema = uniqueSchema('warm');
  let config: AppConfig;
  let storage: Storage;
  let app: INestApplication;

  beforeAll(async () => {
    config = loadConfig({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: schema, JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent',
      RUN_PROJECTIONS: 'on', DEMO_DATA: 'off', DATABASE_POOL_IDLE_SECONDS: '10' });
    storage = await openStorage(config);
    await loadDemoCounty(config, storage);
    app = await createApp(config, { storage });
    // The projections in this process catch up with the loaded county before anything is read.
    for (let i = 0; ; i++) {
      const h = (await request(app.getHttpServer()).get('/health')).body as { projections?: { lag: string }[] };
      if (h.projections?.length && h.projections.every((p) => p.lag === '0')) break;
      if (i > 1200) throw new Error('the projections did not catch up');
      await new Promise((r) => setTimeout(r, 100));
    }
  }, 240_000);
  afterAll(async () => {
    await app?.close();
    await dropSchema(schema);
  });

  test('asks each kind of read in its share, spread over the run, of records the read models hold', async () => {
    const paths = await warmUpPaths(storage.db, 200);
    expect(paths).toHaveLength(200);
    const kind = (p: string) => p.replace(/^\/([a-z-]+)\/[^/]+(\/[a-z]+)?$/, '$1$2');
    const counts = new Map<string, number>();
    for (const p of paths) counts.set(kind(p), (counts.get(kind(p)) ?? 0) + 1);
    expect(Object.fromEntries(counts)).toEqual({
      households: 120, 'payments/trace': 40, payments: 20, projects: 8, 'fund-batches': 6, 'admin-units/summary': 6,
    });
    // Every kind is asked within the first forty, however early the time limit would end the run.
    expect(new Set(paths.slice(0, 40).map(kind)).size).toBe(6);
    const household = paths.find((p) => p.startsWith('/households/'))!.split('/')[2];
    expect((await storage.db.query('select 1 from rm_households where household_id = $1', [decodeURIComponent(household)])).rows).toHaveLength(1);
  });

  test('serves every read with 200, appends nothing, and closes its listener', async () => {
    const head = await storage.store.lastPosition();
    const before = (await storage.db.query<{ n: string }>('select count(*)::text as n from events')).rows[0].n;
    const served: number[] = [];
    const server = app.getHttpServer() as import('node:http').Server;
    const countRequests = () => served.push(1);
    server.on('request', countRequests);
    const done = await warmUp(app, config, storage.db, 300);
    server.off('request', countRequests);
    expect(done).toMatchObject({ requests: 300, failed: 0 });
    // Its own listener, not the api's: the api's server saw none of them.
    expect(served).toHaveLength(0);
    expect(await storage.store.lastPosition()).toEqual(head);
    expect((await storage.db.query<{ n: string }>('select count(*)::text as n from events')).rows[0].n).toBe(before);
    // Its listener is closed: the process does not keep a second port after the warm-up.
    await expect(fetch(`${done!.url}/health`)).rejects.toThrow();
  }, 120_000);

  test('its listener serves only the warm-up’s own reads, and only those stay out of the request log', async () => {
    const token = bearer(app, 'auditor');
    const server = warmUpServer(app, token);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const logged: boolean[] = [];
    server.on('request', (req) => setImmediate(() => logged.push(!warmUpRequests.has(req))));
    try {
      const head = await storage.store.lastPosition();
      expect((await fetch(`${url}/admin-units/990101000000/summary`, { headers: { authorization: token } })).status).toBe(200);
      // Another token, or a command with the warm-up's own: turned away, nothing written.
      expect((await fetch(`${url}/admin-units/990101000000/summary`, { headers: { authorization: bearer(app, 'countyFinance') } })).status).toBe(503);
      const post = await fetch(`${url}/fund-batches/X/returns`, { method: 'POST', headers: { authorization: token, 'content-type': 'application/json' }, body: '{}' });
      expect({ status: post.status, code: ((await post.json()) as { error: { code: string } }).error.code }).toEqual({ status: 503, code: 'warming_up' });
      expect(await storage.store.lastPosition()).toEqual(head);
      await new Promise((r) => setImmediate(r));
      // Left out of the log: the one read served; the two turned away never reached the api.
      expect(logged).toEqual([false, true, true]);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  test('warms nothing when told to do none, on an empty database or on the embedded store', async () => {
    expect(await warmUp(app, config, storage.db, 0)).toBeUndefined();
    const empty = loadConfig({ DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: uniqueSchema('warm_empty'), JWT_SECRET: TEST_JWT_SECRET, LOG_LEVEL: 'silent',
      RUN_PROJECTIONS: 'off', DEMO_DATA: 'off', DATABASE_POOL_IDLE_SECONDS: '10' });
    const emptyStorage = await openStorage(empty);
    try {
      expect(await warmUpPaths(emptyStorage.db, 100)).toEqual([]);
      expect(await warmUp(app, empty, emptyStorage.db, 100)).toBeUndefined();
    } finally {
      await emptyStorage.db.close();
      await dropSchema(empty.databaseSchema);
    }
    const embedded = await openStorage(loadConfig({ DATA_DIR: ':memory:', LOG_LEVEL: 'silent', DEMO_DATA: 'off' }));
    try {
      expect(await warmUp(app, config, embedded.db, 100)).toBeUndefined();
    } finally {
      await embedded.db.close();
    }
    expect(loadConfig({ DATA_DIR: ':memory:' }).apiWarmUpRequests).toBe(0);
    expect(loadConfig({ DATABASE_URL: TEST_DATABASE_URL, JWT_SECRET: TEST_JWT_SECRET }).apiWarmUpRequests).toBe(2000);
  }, 60_000);
});
