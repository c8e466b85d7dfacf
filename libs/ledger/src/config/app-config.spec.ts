import { describe, expect, test } from '@jest/globals';
import { loadConfig } from './app-config';

describe('configuration is read and validated in one place', () => {
  test('nothing set: embedded PGlite under ./data, projections and demo data in process', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toMatch(/data$/);
    expect(c.runProjections).toBe(true);
    expect(c.demoData).toBe(true);
    expect(c.port).toBe(3000);
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
  ])('a bad value names its variable: %j', (env, message) => {
    expect(() => loadConfig(env as Record<string, string>)).toThrow(message);
  });
});
