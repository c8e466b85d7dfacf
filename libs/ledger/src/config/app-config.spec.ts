import { describe, expect, test } from '@jest/globals';
import { SealKey } from '@yuantrace/seal';
import { sealSetup } from '../infrastructure/seal-setup';
import { loadConfig } from './app-config';

describe('configuration is read and validated in one place', () => {
  test('nothing set: embedded PGlite under ./data, projections and demo data in process', () => {
    const c = loadConfig({});
    expect(c.projectionLanes).toBe(2);
    expect(loadConfig({ PROJECTION_LANES: '4' }).projectionLanes).toBe(4);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toMatch(/data$/);
    expect(c.runProjections).toBe(true);
    expect(c.demoData).toBe(true);
    expect(c.port).toBe(3000);
    expect(c.databasePoolIdleSeconds).toBe(600);
    expect(loadConfig({ DATABASE_POOL_IDLE_SECONDS: '0' }).databasePoolIdleSeconds).toBe(0);
  });

  test('DATABASE_URL selects the server; the secret must then be given', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://u@h/db' })).toThrow(/^JWT_SECRET/);
    const c = loadConfig({ DATABASE_URL: 'postgres://u@h/db', JWT_SECRET: 's'.repeat(32), RUN_PROJECTIONS: 'on' });
    expect(c.databaseUrl).toBe('postgres://u@h/db');
    expect(c.runProjections).toBe(true);
    expect(c.demoData).toBe(false);
  });

  test.each([
    [{ DATABASE_URL: 'not a url' }, /^DATABASE_URL: is not a URL/],
    [{ DATABASE_URL: 'mysql://h/db' }, /^DATABASE_URL: must be postgres/],
    [{ PORT: 'eighty' }, /^PORT: must be a whole number/],
    [{ PORT: '70000' }, /^PORT/],
    [{ DEMO_DATA: 'maybe' }, /^DEMO_DATA: must be on or off/],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL/],
    [{ DATABASE_SCHEMA: 'Robert; drop' }, /^DATABASE_SCHEMA/],
    [{ KURRENTDB_URL: 'http://x' }, /^KURRENTDB_URL: must be kurrentdb/],
    [{ KURRENTDB_URL: 'kurrentdb://localhost:2113?tls=false' }, /^KURRENTDB_URL: needs DATABASE_URL/],
    [{ SEAL_KEY: 'k', SEAL_KEY_FILE: '/k.pem' }, /^SEAL_KEY: set SEAL_KEY or SEAL_KEY_FILE, not both/],
    [{ SEAL: 'maybe' }, /^SEAL: must be on or off/],
    [{ SEAL_EVERY_EVENTS: '0' }, /^SEAL_EVERY_EVENTS: must be a whole number from 1/],
    [{ SEAL_EVERY_SECONDS: '1.5' }, /^SEAL_EVERY_SECONDS/],
    [{ PROJECTION_LANES: '0' }, /^PROJECTION_LANES: must be a whole number from 1/],
    [{ DATABASE_POOL_IDLE_SECONDS: '-1' }, /^DATABASE_POOL_IDLE_SECONDS: must be a whole number from 0/],
  ])('a bad value names its variable: %j', (env, message) => {
    expect(() => loadConfig(env as Record<string, string>)).toThrow(message);
  });

  describe('sealing', () => {
    const server = { DATABASE_URL: 'postgres://u@h/db', JWT_SECRET: 's'.repeat(32) };
    test('on a server without a key the log is not sealed, and the note says how to seal it', () => {
      expect(sealSetup(loadConfig(server))).toEqual({ options: null, note: expect.stringMatching(/not sealed: set SEAL_KEY_FILE/) });
    });
    test('a key given inline seals at the configured cadence, naming the log after its schema', () => {
      const text = SealKey.generate('ed25519');
      const setup = sealSetup(loadConfig({ ...server, SEAL_KEY: text, SEAL_EVERY_EVENTS: '500', SEAL_EVERY_SECONDS: '30', DATABASE_SCHEMA: 'county' }));
      expect(setup.options).toMatchObject({ everyEvents: 500, everySeconds: 30, logName: 'yuantrace/county' });
      expect(setup.options!.key.keyId).toBe(SealKey.parse(text).keyId);
    });
    test('SEAL=off wins over a key; a key that is not one is refused naming its variable', () => {
      expect(sealSetup(loadConfig({ ...server, SEAL_KEY: SealKey.generate('ed25519'), SEAL: 'off' })).options).toBeNull();
      expect(() => sealSetup(loadConfig({ ...server, SEAL_KEY: 'not a key' }))).toThrow(/^SEAL_KEY: a sealing key is/);
      expect(() => sealSetup(loadConfig({ ...server, SEAL_KEY: '{"alg":"sm2-sm3","privateKey":"xyz"}' }))).toThrow(/^SEAL_KEY: an SM2 sealing key/);
    });
    test('embedded mode keeps its key beside the data folder, not in it; in memory there is none to keep', () => {
      expect(loadConfig({ DATA_DIR: '/srv/yt/data' }).sealKeyFile).toBe('/srv/yt/data-seal-key.pem');
      expect(loadConfig({ DATA_DIR: ':memory:' }).sealKeyFile).toBeUndefined();
    });
  });
});
