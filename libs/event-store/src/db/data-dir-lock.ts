import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Who holds an embedded store's folder. */
export type LockHolder = { pid: number; host: string; since: string; command: string };

export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string, readonly holder: LockHolder | undefined) {
    super(
      holder
        ? `the embedded store in ${dataDir} is open in process ${holder.pid} on ${holder.host} (${holder.command}, since ${holder.since}); ` +
          'PGlite files take one process at a time: stop that process first, or point DATA_DIR at another folder'
        : `the embedded store in ${dataDir} is locked by another process (its lock file cannot be read); stop it first, or point DATA_DIR at another folder`,
    );
    this.name = 'DataDirLockedError';
  }
}

const LOCK_FILE = 'yuantrace.lock';

/** Is this process alive? EPERM means it exists but belongs to someone else: alive too. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One process per embedded store: PGlite opens its files without any lock of its own, and two
 * processes writing them corrupt the store. The lock is a file created exclusively (O_EXCL) in
 * the data folder, naming the holder. A lock left by a process that died on this host (a crash,
 * SIGKILL) is recognised by its pid no longer running and taken over; one from another host
 * cannot be checked and is honoured. Returns the release function.
 */
export function lockDataDir(dataDir: string, command = process.argv.slice(1).join(' ').slice(0, 200)): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, LOCK_FILE);
  const me: LockHolder = { pid: process.pid, host: hostname(), since: new Date().toISOString(), command };
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, JSON.stringify(me));
      closeSync(fd);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        // Only our own lock is removed: a takeover after we were presumed dead is not ours to drop.
        if (readHolder(path)?.pid === me.pid && readHolder(path)?.since === me.since) unlinkSync(path);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const holder = readHolder(path);
      const stale = holder !== undefined && holder.host === me.host && holder.pid !== process.pid && !alive(holder.pid);
      if (!stale) throw new DataDirLockedError(dataDir, holder);
      // Stale: remove it and try again; if another starter took it over meanwhile, O_EXCL tells us.
      try {
        unlinkSync(path);
      } catch {
        /* someone else removed it first */
      }
    }
  }
  throw new DataDirLockedError(dataDir, readHolder(path));
}
