import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A PostgreSQL server of its own for a test or the soak (the machine's binaries, a fresh cluster in a temporary
 * folder, a free port), for tests that restart the database: restarting the shared server would
 * break every other test running beside it. PostgreSQL refuses to run as root, so when the test
 * runs as root the cluster belongs to the `postgres` user.
 */
export async function startPrivatePostgres(): Promise<{ url: string; restart: () => void; stop: () => void }> {
  const bin = `/usr/lib/postgresql/${execFileSync('ls', ['/usr/lib/postgresql']).toString().trim().split('\n').sort().pop()}/bin`;
  const dir = mkdtempSync(join(tmpdir(), 'yuantrace-pg-'));
  const asOwner = process.getuid?.() === 0 ? ['runuser', '-u', 'postgres', '--'] : [];
  if (asOwner.length) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
  const run = (cmd: string, args: string[]) => {
    const [exe, ...rest] = [...asOwner, `${bin}/${cmd}`, ...args];
    execFileSync(exe, rest, { stdio: 'ignore', timeout: 60_000 });
  };
  const port = await freePort();
  const data = join(dir, 'data');
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres']);
  const pgCtl = (...args: string[]) => run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', ...args]);
  pgCtl('-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    // The way an operator restarts a server: fast shutdown ends every session (57P01), then start.
    restart: () => pgCtl('-m', 'fast', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, 'restart'),
    stop: () => {
      try {
        pgCtl('-m', 'immediate', 'stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}
