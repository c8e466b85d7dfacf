import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { addPartsToRun, asBuffer, beginRun, endRun, type RunSpec, type SealHashes } from './seal-hashes';

/**
 * Runs of at least this many events are hashed on the hashing thread. A catch-up's windows hold
 * thousands; the live path's batches hold a few, and a hop to another thread would only add to
 * their wait.
 */
export const HASH_THREAD_FROM_EVENTS = 256;

/** Canonical texts handed to the hashing thread at a time, so that hashing one slice overlaps writing the next. */
export const HASH_SLICE_EVENTS = 200;

/** A window of 5,000 events is hashed in tens of milliseconds: a thread silent this long is stuck. */
export const HASH_ANSWER_WITHIN_MS = 60_000;

/**
 * A run being hashed: given its events one by one, in order, then ended (or abandoned on a failure).
 * An event is given as its canonical text, or as the store's JSON texts of its data and metadata
 * with the envelope's pieces (canonical-text.js's eventEnvelope), whose canonical form is then
 * written where the run is hashed: on the thread, for a long run.
 */
export interface HashingRun {
  add(canonicalText: string): void;
  addTexts(data: string, between: string, metadata: string, after: string): void;
  end(): Promise<SealHashes>;
  abandon(): void;
}

/**
 * A window handed to the thread ahead of its run (SealHasher.prepare): its events are given as a
 * run's are, then it is finished; runPrepared later asks for the chain through it.
 */
export interface PreparedHashing {
  add(canonicalText: string): void;
  addTexts(data: string, between: string, metadata: string, after: string): void;
  finish(): void;
  /** The thread forgets it (it was not used). */
  drop(): void;
}

/** Windows the thread keeps prepared at most; preparing one more drops the oldest. */
export const PREPARED_WINDOWS = 2;

type Prepared = PreparedHashing & { readonly id: number; readonly worker: Worker; readonly alg: RunSpec['alg']; readonly n: number };

type Waiting = { worker: Worker; resolve: (x: SealHashes) => void; reject: (e: Error) => void };

/**
 * Where a sealer's runs are hashed: in place, or on a worker thread of its own, started when a
 * long run first comes (that run and any before the thread is up are hashed in place) and stopped
 * once idle a while (a process that never catches up from far behind never starts it). On the
 * thread, a slice is hashed while the sealer writes the next one's texts. A thread that fails rejects its runs; the next long run starts another.
 */
export class SealHasher {
  private worker: Worker | undefined;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private idle: NodeJS.Timeout | undefined;
  private readonly online = new WeakSet<Worker>();
  private readonly prepared: Prepared[] = [];

  constructor(private readonly options: { threadFromEvents?: number; sliceEvents?: number; idleMs?: number; answerWithinMs?: number } = {}) {}

  /** Starts the thread now rather than at the first long run (a test that must see runs go to it). */
  async started(): Promise<void> {
    const worker = this.thread();
    if (this.online.has(worker)) return;
    await new Promise<void>((resolve, reject) => {
      worker.once('online', () => resolve());
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`the seal's hashing thread stopped (exit code ${code}) before it started`)));
    });
  }

  begin(spec: RunSpec): HashingRun {
    // Four entries an event (seal-hashes.js's addPartsToRun).
    let slice: (string | null)[] = [];
    const sliceParts = 4 * (this.options.sliceEvents ?? HASH_SLICE_EVENTS);
    const long = spec.n >= (this.options.threadFromEvents ?? HASH_THREAD_FROM_EVENTS);
    // A thread takes a tenth of a second to start: a long run is hashed in place until it is up,
    // so a short catch-up (a few windows) never waits for it.
    const worker = long ? this.thread() : undefined;
    if (!worker || !this.online.has(worker)) {
      const run = beginRun(spec);
      return {
        add: (text) => void slice.push(text, null, null, null),
        addTexts: (data, between, metadata, after) => void slice.push(data, between, metadata, after),
        end: async () => {
          addPartsToRun(run, slice);
          return endRun(run);
        },
        abandon: () => undefined,
      };
    }
    clearTimeout(this.idle);
    worker.ref();
    const id = this.nextId++;
    const result = new Promise<SealHashes>((resolve, reject) => this.waiting.set(id, { worker, resolve, reject }));
    result.catch(() => undefined); // awaited by end(); a failure before it is reported there
    worker.postMessage({ id, op: 'begin', input: spec });
    const flush = () => {
      if (slice.length > 0) worker.postMessage({ id, op: 'add', input: slice });
      slice = [];
    };
    return {
      add: (text) => {
        if (slice.push(text, null, null, null) >= sliceParts) flush();
      },
      addTexts: (data, between, metadata, after) => {
        if (slice.push(data, between, metadata, after) >= sliceParts) flush();
      },
      end: () => {
        flush();
        worker.postMessage({ id, op: 'end' });
        return this.within(result, worker);
      },
      // The thread forgets the run, and nothing waits on it any more.
      abandon: () => {
        worker.postMessage({ id, op: 'drop' });
        if (this.waiting.delete(id) && this.waiting.size === 0) this.rest(worker);
      },
    };
  }

  /**
   * Hands a window of n events to the thread before its run can begin (the chain before it is not
   * known yet: the window before is still being sealed), so that writing its canonical texts and
   * leaves overlaps the sealing of the one before. Undefined when the window is short or the thread
   * is not up: the run is then given its events as usual.
   */
  prepare(alg: RunSpec['alg'], n: number): PreparedHashing | undefined {
    if (n < (this.options.threadFromEvents ?? HASH_THREAD_FROM_EVENTS)) return undefined;
    const worker = this.thread();
    if (!this.online.has(worker)) return undefined;
    while (this.prepared.length >= PREPARED_WINDOWS) this.prepared[0].drop();
    // The thread's idle time counts from here: a window handed to it is work to come.
    if (this.waiting.size === 0) this.rest(worker);
    const id = this.nextId++;
    worker.postMessage({ id, op: 'prepare', input: { alg, n } });
    let slice: (string | null)[] = [];
    const sliceParts = 4 * (this.options.sliceEvents ?? HASH_SLICE_EVENTS);
    const flush = () => {
      if (slice.length > 0) worker.postMessage({ id, op: 'prepare-add', input: slice });
      slice = [];
    };
    const w: Prepared = {
      id, worker, alg, n,
      add: (text) => {
        if (slice.push(text, null, null, null) >= sliceParts) flush();
      },
      addTexts: (data, between, metadata, after) => {
        if (slice.push(data, between, metadata, after) >= sliceParts) flush();
      },
      finish: flush,
      drop: () => {
        const at = this.prepared.indexOf(w);
        if (at < 0) return;
        this.prepared.splice(at, 1);
        worker.postMessage({ id, op: 'unprepare' });
      },
    };
    this.prepared.push(w);
    return w;
  }

  /**
   * The hashes of a run over a window prepared (and finished) before: its leaves as the thread
   * wrote them, the chain through it from spec.chain, and its checkpoints' roots. Undefined when
   * this hasher has replaced or closed the thread that holds it, or it was dropped: the run is then
   * given its events as usual. (A thread that dies unnoticed before this is asked rejects the run,
   * as a run begun on it would be.)
   */
  runPrepared(prepared: PreparedHashing, spec: RunSpec): Promise<SealHashes> | undefined {
    const w = prepared as Prepared;
    const at = this.prepared.indexOf(w);
    if (at < 0 || w.worker !== this.worker || w.alg !== spec.alg || w.n !== spec.n) return undefined;
    this.prepared.splice(at, 1);
    clearTimeout(this.idle);
    w.worker.ref();
    const id = this.nextId++;
    const result = new Promise<SealHashes>((resolve, reject) => this.waiting.set(id, { worker: w.worker, resolve, reject }));
    w.worker.postMessage({ id, op: 'run-prepared', input: { prepared: w.id, spec } });
    return this.within(result, w.worker);
  }

  /** Stops the thread now (a test's end; a process that stops sealing). */
  async close(): Promise<void> {
    clearTimeout(this.idle);
    const worker = this.worker;
    this.worker = undefined;
    this.prepared.length = 0;
    if (worker) await worker.terminate();
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(join(__dirname, 'seal-hashes.js'));
    this.worker = worker;
    worker.unref();
    // Its idle time counts from when it is up: a slow start is no idleness.
    worker.once('online', () => {
      this.online.add(worker);
      if (this.waiting.size === 0) this.rest(worker);
    });
    worker.on('message', (m: { id: number; error?: string; out: { leaves: Uint8Array; heads: Uint8Array[]; roots: Uint8Array[] } }) => {
      const w = this.waiting.get(m.id);
      if (!w) return;
      this.waiting.delete(m.id);
      if (m.error !== undefined) w.reject(new Error(`the seal's hashing thread: ${m.error}`));
      else w.resolve({ leaves: asBuffer(m.out.leaves), heads: m.out.heads.map(asBuffer), roots: m.out.roots.map(asBuffer) });
      if (this.waiting.size === 0) this.rest(worker);
    });
    // Only this thread's runs fail with it: a thread started since has runs of its own.
    const fail = (e: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, w] of this.waiting) {
        if (w.worker !== worker) continue;
        this.waiting.delete(id);
        w.reject(e);
      }
    };
    worker.on('error', (e) => fail(new Error(`the seal's hashing thread failed: ${e.message}`)));
    worker.on('exit', (code) => fail(new Error(`the seal's hashing thread stopped (exit code ${code})`)));
    return worker;
  }

  /**
   * A run's answer, or the thread stopped and the run rejected once it has taken far longer than any
   * window can: the sealer waits inside its transaction, holding the seal's state row.
   */
  private within(result: Promise<SealHashes>, worker: Worker): Promise<SealHashes> {
    const ms = this.options.answerWithinMs ?? HASH_ANSWER_WITHIN_MS;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(new Error(`the seal's hashing thread gave no answer within ${ms} ms; it was stopped`));
        void worker.terminate();
      }, ms);
    });
    return Promise.race([result, late]).finally(() => clearTimeout(timer));
  }

  /** Nothing waits on the thread: it may not keep the process alive, and it stops if nothing more comes. */
  private rest(worker: Worker): void {
    worker.unref();
    if (worker !== this.worker) return; // a thread already replaced: the timer is the current one's
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      if (this.worker === worker && this.waiting.size === 0) void this.close();
    }, this.options.idleMs ?? 10_000);
    this.idle.unref();
  }
}
