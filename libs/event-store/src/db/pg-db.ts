import { Client, Pool, type PoolClient } from 'pg';
import { assertIdentifier, type Db, type SqlExecutor } from './db';

/** A PostgreSQL server through a `pg` pool, every connection pinned to one schema. */
export class PgDb implements Db {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;

  private constructor(
    private readonly connectionString: string,
    readonly schema: string,
    poolSize: number,
  ) {
    this.pool = new Pool({
      connectionString,
      max: poolSize,
      options: `-c search_path=${schema}`,
      connectionTimeoutMillis: 5000,
    });
    // An idle client losing its server must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
  }

  static async connect(connectionString: string, options: { schema?: string; poolSize?: number } = {}): Promise<PgDb> {
    const schema = assertIdentifier(options.schema ?? 'public', 'schema');
    const db = new PgDb(connectionString, schema, options.poolSize ?? 10);
    try {
      await db.pool.query(`create schema if not exists ${schema}`);
    } catch (e) {
      await db.pool.end().catch(() => undefined);
      throw e;
    }
    return db;
  }

  async query<R>(sql: string, params?: readonly unknown[]) {
    const r = await this.pool.query(sql, params as unknown[]);
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('begin');
      const result = await fn(wrap(client));
      await client.query('commit');
      return result;
    } catch (e) {
      await client.query('rollback').catch(() => undefined);
      throw e;
    } finally {
      client.release();
    }
  }

  async session<T>(fn: (conn: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await fn(wrap(client));
    } finally {
      // Session state (advisory locks) must not leak to the next borrower: destroy the connection.
      client.release(true);
    }
  }

  async listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    assertIdentifier(channel, 'channel');
    const client = new Client({ connectionString: this.connectionString });
    client.on('error', () => undefined);
    await client.connect();
    client.on('notification', () => onNotify());
    await client.query(`listen ${channel}`);
    return async () => {
      await client.end().catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

const wrap = (client: PoolClient): SqlExecutor => ({
  async query<R>(sql: string, params?: readonly unknown[]) {
    const r = await client.query(sql, params as unknown[]);
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
  },
});
