import { createHash } from 'node:crypto';
import { Client, Pool, types, type CustomTypesConfig, type PoolClient, type QueryConfig } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { CopyThread } from './copy-thread';
import { assertIdentifier, DATE_ARRAY_OID, DATE_OID, dateAsText, TEXT_ARRAY_OID, type Db, type QueryOptions, type SqlExecutor } from './db';

/** node-postgres's parsers, but a `date` stays its text (see DATE_OID), and a `date[]` is an array of such texts. */
const PARSERS = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === DATE_OID ? dateAsText
    : oid === DATE_ARRAY_OID ? types.getTypeParser(TEXT_ARRAY_OID as number, format) : types.getTypeParser(oid, format))) as CustomTypesConfig['getTypeParser'],
};

/** A PostgreSQL server through a `pg` pool, every connection pinned to one schema. */
export class PgDb implements Db {
  readonly kind = 'postgres' as const;
  private readonly pool: Pool;

  private constructor(
    private readonly connectionString: string,
    readonly schema: string,
    poolSize: number,
    idleSeconds: number,
  ) {
    this.pool = new Pool({
      connectionString,
      max: poolSize,
      // pg's own default closes a connection idle for 10 s. On the county, after a 15 s lull, a
      // household view then cost PostgreSQL 1.8–2.0 ms of CPU on the new connections against 0.9
      // on kept ones, and its p50 rose from 6.4 to 8.5–9.4 ms.
      idleTimeoutMillis: idleSeconds * 1000,
      // A connection kept idle for minutes must survive firewalls and NAT that drop silent ones.
      keepAlive: true,
      // JIT off: our statements are short, and at county scale the planner's estimates for some of
      // them pass jit_above_cost, so PostgreSQL spent up to a second compiling a statement that ran
      // in 30 ms (the red-flag detectors' R-07 query: 1,050 ms with JIT, 33 ms without).
      options: `-c search_path=${schema} -c jit=off`,
      connectionTimeoutMillis: 5000,
      types: PARSERS,
    });
    // An idle client losing its server must not crash the process; the next query reports it.
    this.pool.on('error', () => undefined);
    // Nor may a client in use: when the server goes away (57P01 on a restart) a client can emit
    // 'error' at a moment no one listens (a pooled query between its hand-over and its reply was
    // seen doing so), and an unheard 'error' ends the process. Every client hears it here; the
    // error still reaches whoever waits on that client, as a failed query.
    this.pool.on('connect', (client) => client.on('error', () => undefined));
  }

  /** `idleSeconds`: how long a pooled connection may stay idle before it is closed (0: never; default 10, pg's own). */
  static async connect(connectionString: string, options: { schema?: string; poolSize?: number; idleSeconds?: number } = {}): Promise<PgDb> {
    const schema = assertIdentifier(options.schema ?? 'public', 'schema');
    const db = new PgDb(connectionString, schema, options.poolSize ?? 10, options.idleSeconds ?? 10);
    try {
      await db.pool.query(`create schema if not exists ${schema}`);
    } catch (e) {
      await db.pool.end().catch(() => undefined);
      throw e;
    }
    return db;
  }

  async query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions) {
    const r = await this.pool.query(statement(sql, params, options));
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
  }

  async exec(sql: string): Promise<void> {
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // Between two statements a checked-out client that loses its server emits 'error' (the next
    // statement fails with it anyway); heard here so it cannot end the process, and such a
    // client is destroyed, not handed back to the pool.
    let broken = false;
    const listener = () => {
      broken = true;
    };
    client.on('error', listener);
    try {
      await client.query('begin');
      const result = await fn(wrap(client));
      await client.query('commit');
      return result;
    } catch (e) {
      await client.query('rollback').catch(() => {
        broken = true;
      });
      throw e;
    } finally {
      client.off('error', listener);
      if (broken) client.on('error', () => undefined);
      client.release(broken);
    }
  }

  async session<T>(fn: (conn: SqlExecutor, lost: Promise<never>) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    // A checked-out client that loses its server (a restart: 57P01) emits 'error'; unheard, that
    // would end the process. It is heard here and handed to the holder as `lost`.
    let onLost: (e: Error) => void = () => undefined;
    const lost = new Promise<never>((_, reject) => (onLost = reject));
    lost.catch(() => undefined);
    const listener = (e: Error) => onLost(new Error(`the session's connection was lost: ${e.message}`));
    client.on('error', listener);
    try {
      return await fn(wrap(client), lost);
    } finally {
      client.off('error', listener);
      client.on('error', () => undefined);
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

  /** A worker thread writing by COPY on a connection of its own to this schema (CopyThread); the caller closes it. */
  copyThread(): CopyThread {
    return new CopyThread(this.connectionString, this.schema);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

const wrap = (client: PoolClient): SqlExecutor => ({
  async query<R>(sql: string, params?: readonly unknown[], options?: QueryOptions) {
    const r = await client.query(statement(sql, params, options));
    return { rows: r.rows as R[], rowCount: r.rowCount ?? 0 };
  },
  copyFrom: (sql, text) => copyInto(client, sql, text),
});

/** Sends rows to `COPY … FROM STDIN` on this connection; resolves with the rows PostgreSQL took, rejects with its error. */
function copyInto(client: PoolClient, sql: string, text: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const stream = client.query(copyFrom(sql));
    // One write and one end, and the error listener kept for the stream's life: when the server
    // refuses the data while it is still being sent, the stream reports a second error later,
    // which an unheard 'error' would turn into the end of the process.
    stream.on('error', reject);
    stream.on('finish', () => resolve(stream.rowCount));
    stream.end(text);
  });
}

/** A prepared statement is named by its text's hash: pg prepares a name once per connection, and one name must always mean one text. */
function statement(sql: string, params: readonly unknown[] | undefined, options: QueryOptions | undefined): QueryConfig {
  if (!options?.prepare) return { text: sql, values: params as unknown[] };
  return { name: `yt_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}`, text: sql, values: params as unknown[] };
}
