import { Worker } from 'node:worker_threads';
import { assertIdentifier } from './db';

/** A field of COPY's text format as copyField writes it (a spec holds the two equal), and null as \N: the worker's own copy. */
export const COPY_FIELD_SOURCE = String.raw`(v) => v === null ? '\\N'
  : /[\\\n\r\t]/.test(v) ? v.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')) : v`;

/**
 * The worker's code, run from this text (not from a file) so that it starts the same under
 * ts-node, jest and a compiled build. It escapes fields with COPY_FIELD_SOURCE, joins them into
 * COPY's text format and sends them on a connection of its own, in one transaction with the
 * statement that follows.
 */
export const COPY_THREAD_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { Client } = require(workerData.pg);
const { from: copyFrom } = require(workerData.copyStreams);
const field = ${COPY_FIELD_SOURCE};
let client;
async function connected() {
  if (client) return client;
  // As the pool's connections: the same schema and settings, and a server that cannot be reached is an error within 5 s.
  const c = new Client({ connectionString: workerData.url, options: '-c search_path=' + workerData.schema + ' -c jit=off',
    application_name: workerData.applicationName, connectionTimeoutMillis: 5000 });
  // A connection that loses its server (a restart, an idle timeout) is dropped, and the next write opens
  // another; the statement waiting on it, if any, fails by itself. Unheard, the error would end the thread.
  c.on('error', () => drop(c));
  await c.connect();
  return (client = c);
}
function drop(c) {
  if (client === c) client = undefined;
  c.end().catch(() => undefined);
}
/** A transaction begun; a connection lost while idle is found here, before anything is sent, and replaced once. */
async function begun() {
  const c = await connected();
  try {
    await c.query('begin');
    return c;
  } catch {
    drop(c);
    const fresh = await connected();
    await fresh.query('begin');
    return fresh;
  }
}
function copy(c, sql, text) {
  return new Promise((resolve, reject) => {
    const stream = c.query(copyFrom(sql));
    stream.on('error', reject);
    stream.on('finish', () => resolve(stream.rowCount));
    stream.end(text);
  });
}
async function write(m) {
  let text = '';
  const f = m.fields;
  for (let i = 0; i < f.length; i += m.width) {
    for (let k = 0; k < m.width; k++) text += (k ? '\t' : '') + field(f[i + k]);
    text += '\n';
  }
  const c = await begun();
  try {
    const taken = await copy(c, m.sql, text);
    if (taken !== f.length / m.width) throw new Error('COPY took ' + taken + ' of ' + f.length / m.width + ' rows');
    if (m.after) await c.query(m.after);
    await c.query('commit');
  } catch (e) {
    // A connection that cannot even roll back is dropped; the next write opens another.
    await c.query('rollback').catch(() => drop(c));
    throw e;
  }
}
let chain = Promise.resolve();
parentPort.on('message', (m) => {
  chain = chain.then(async () => {
    if (m.close) {
      if (client) await client.end().catch(() => undefined);
      client = undefined;
      parentPort.postMessage({ id: m.id, ok: true });
      return;
    }
    try {
      await write(m);
      parentPort.postMessage({ id: m.id, ok: true });
    } catch (e) {
      // PostgreSQL's particulars too (which key, which constraint): a failed load is diagnosed from them.
      const { code, detail, constraint, table, column, where } = e || {};
      parentPort.postMessage({ id: m.id, ok: false, message: String(e && e.message), error: { code, detail, constraint, table, column, where } });
    }
  });
});
`;

/**
 * Sends rows by `COPY … FROM STDIN` from a worker thread with its own connection: the bulk
 * loader's one thread decides every command, and joining a batch's fields into COPY text and
 * encoding it cost that thread about a tenth of its time. Here it hands over the fields (strings
 * the loader already has) and goes on deciding while the other core builds and sends the text.
 * Every write is one transaction; a refused one writes nothing and rejects with PostgreSQL's error.
 */
export class CopyThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();
  private next = 0;
  private failed?: Error;

  /** The thread's connection says whose it is in pg_stat_activity: an operator sees the loader's writer there. */
  static applicationName(schema: string): string {
    return `yuantrace-copy-thread:${schema}`.slice(0, 63);
  }

  constructor(connectionString: string, schema: string) {
    assertIdentifier(schema, 'schema');
    this.worker = new Worker(COPY_THREAD_SOURCE, {
      eval: true,
      // Plain JavaScript: none of the process's own flags (ts-node, heap sizes) for this thread.
      execArgv: [],
      workerData: { url: connectionString, schema, applicationName: CopyThread.applicationName(schema), pg: require.resolve('pg'), copyStreams: require.resolve('pg-copy-streams') },
    });
    this.worker.unref();
    this.worker.on('message', (m: { id: number; ok: boolean; message?: string; error?: Record<string, string | undefined> }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (this.waiting.size === 0) this.worker.unref();
      if (m.ok) w.resolve();
      else w.reject(Object.assign(new Error(m.message), Object.fromEntries(Object.entries(m.error ?? {}).filter(([, v]) => v !== undefined))));
    });
    const fail = (e: Error) => {
      // A crash is reported as 'error' and then as 'exit': the first says why.
      this.failed ??= e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`the COPY thread ended (exit code ${code})`)));
  }

  /**
   * Writes rows of `width` fields each, given one after another in `fields` (text, or null for
   * NULL), by `sql` (a `COPY … FROM STDIN`), then runs `after` in the same transaction.
   */
  write(sql: string, width: number, fields: ReadonlyArray<string | null>, after?: string): Promise<void> {
    return this.send({ sql, width, fields, after });
  }

  /** Closes the thread's connection and ends the thread. */
  async close(): Promise<void> {
    if (!this.failed) await this.send({ close: true }).catch(() => undefined);
    await this.worker.terminate();
  }

  private send(message: object): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    const id = this.next++;
    return new Promise<void>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      // Kept alive while a write is in flight, so the process waits for it; idle, it holds nothing open.
      this.worker.ref();
      this.worker.postMessage({ id, ...message });
    });
  }
}
