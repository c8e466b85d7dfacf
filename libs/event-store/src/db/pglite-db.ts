import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite, types, type Transaction } from '@electric-sql/pglite';
import { assertIdentifier, dateAsText, type Db, type QueryOptions, type SqlExecutor } from './db';
import { lockDataDir } from './data-dir-lock';

/**
 * Creates a new data folder's cluster (initdb) in a short-lived child process. PGlite runs
 * initdb as a WebAssembly module of its own whose memory (about 500 MB) the process keeps for
 * its lifetime; opening a folder that already exists costs about a quarter of that. Measured: an
 * api that created its store held 645 MB of WebAssembly memory, one that opened it 147 MB.
 */
function initializeInChildProcess(dataDir: string): void {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  const script = `import(${JSON.stringify(require.resolve('@electric-sql/pglite'))}).then(async ({ PGlite }) => {
    const pg = new PGlite(${JSON.stringify(dataDir)});
    await pg.waitReady;
    await pg.close();
  }).catch((e) => { console.error(e); process.exit(1); });`;
  execFileSync(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000 });
}

/** The embedded server's buffer cache by default: enough for a county's hot pages, a quarter of PostgreSQL's default. */
export const PGLITE_SHARED_BUFFERS = '32MB';

/**
 * Embedded PostgreSQL (PGlite, compiled to WASM) in this process. One connection: PGlite
 * queues every query and holds the queue for the length of a transaction, so two transactions
 * never interleave here.
 */
export class PgliteDb implements Db {
  readonly kind = 'embedded' as const;

  private constructor(
    private readonly pg: PGlite,
    readonly schema: string,
    private readonly unlock: () => void = () => undefined,
  ) {}

  /**
   * dataDir undefined = in memory (tests); otherwise files under that folder, which this process
   * then holds alone (lockDataDir) until close: a second opener gets DataDirLockedError naming it.
   */
  static async open(dataDir?: string, options: { schema?: string } = {}): Promise<PgliteDb> {
    const schema = assertIdentifier(options.schema ?? 'public', 'schema');
    const unlock = dataDir ? lockDataDir(dataDir) : () => undefined;
    try {
      // The embedded server's buffer cache lives in the process's WebAssembly heap, which never
      // shrinks: PostgreSQL's 128 MB default is most of what the embedded api holds beyond its data.
      // A `date` comes back as its text, as from a server (see DATE_OID).
      const settings = { postgresqlconf: `shared_buffers = ${PGLITE_SHARED_BUFFERS}`, parsers: { [types.DATE]: dateAsText } };
      if (dataDir) initializeInChildProcess(dataDir);
      const pg = dataDir ? new PGlite(dataDir, settings) : new PGlite(settings);
      await pg.waitReady;
      await pg.exec(`create schema if not exists ${schema}; set search_path to ${schema};`);
      return new PgliteDb(pg, schema, unlock);
    } catch (e) {
      unlock();
      throw e;
    }
  }

  /**
   * Writes the whole store (every schema: events, read models, the vault) to a gzipped tarball.
   * The caller holds the folder's lock, so no other process writes meanwhile: the copy is one
   * consistent state. PGlite checkpoints before it dumps.
   */
  async backupTo(file: string): Promise<number> {
    const blob = await this.pg.dumpDataDir('gzip');
    const bytes = Buffer.from(await blob.arrayBuffer());
    writeFileSync(file, bytes);
    return bytes.length;
  }

  /** Recreates a store from a backupTo tarball in a folder that holds nothing yet (a restore never overwrites). */
  static async restore(file: string, dataDir: string): Promise<void> {
    if (existsSync(dataDir) && readdirSync(dataDir).length > 0) {
      throw new Error(`${dataDir} is not empty: restore into an empty folder (move the current one aside first), never over a store`);
    }
    const unlock = lockDataDir(dataDir);
    try {
      const pg = new PGlite(dataDir, { loadDataDir: new Blob([readFileSync(file)]) });
      await pg.waitReady;
      await pg.close();
    } finally {
      unlock();
    }
  }

  async query<R>(sql: string, params?: readonly unknown[], _options?: QueryOptions) {
    const r = await this.pg.query<R>(sql, params as unknown[]);
    return { rows: r.rows, rowCount: rowCountOf(r) };
  }

  async exec(sql: string): Promise<void> {
    await this.pg.exec(sql);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.pg.transaction(async (tx: Transaction) =>
      fn({
        async query<R>(sql: string, params?: readonly unknown[], _options?: QueryOptions) {
          const r = await tx.query<R>(sql, params as unknown[]);
          return { rows: r.rows, rowCount: rowCountOf(r) };
        },
      }),
    );
  }

  session<T>(fn: (conn: SqlExecutor, lost: Promise<never>) => Promise<T>): Promise<T> {
    // In-process: the connection cannot be lost while the process lives.
    return fn(this, new Promise<never>(() => undefined));
  }

  async listen(channel: string, onNotify: () => void): Promise<() => Promise<void>> {
    const unlisten = await this.pg.listen(assertIdentifier(channel, 'channel'), () => onNotify());
    return async () => unlisten();
  }

  async close(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
    this.unlock();
  }
}

/** PGlite reports affectedRows = 0 for a SELECT; callers want the row count there. */
const rowCountOf = (r: { rows: unknown[]; affectedRows?: number }) => (r.rows.length > 0 ? r.rows.length : (r.affectedRows ?? 0));
