import 'reflect-metadata';
import { SingleBar, Presets } from 'cli-progress';
import { ProjectionRunner } from '@yuantrace/projections';
import { readModelProjections } from '@yuantrace/read-models';
import { ConfigError, loadConfig } from '../../api/src/config/app-config';
import { openStorage } from '../../api/src/infrastructure/storage';

const USAGE = `usage: npm run cli -- <command>
  rebuild <projection|all>   drop a projection's tables and rebuild them from the event log
  projections                list the projections and their checkpoints`;

async function rebuild(target: string | undefined) {
  if (!target) throw new UsageError('rebuild needs a projection name or "all"');
  const storage = await openStorage(loadConfig());
  try {
    const runner = new ProjectionRunner(storage.store, storage.db, readModelProjections());
    const names = target === 'all' ? runner.projections.map((p) => p.name) : [target];
    for (const name of names) {
      const bar = new SingleBar({ format: `${name.padEnd(24)} [{bar}] {percentage}% {value}/{total} events | {eta_formatted} left` }, Presets.shades_classic);
      let started = false;
      const applied = await runner.rebuild(name, (done, total) => {
        if (!started) {
          bar.start(total, 0);
          started = true;
        }
        bar.setTotal(total);
        bar.update(done);
      });
      bar.stop();
      process.stdout.write(`rebuilt ${name}: ${applied} events\n`);
    }
  } finally {
    await storage.db.close();
  }
}

async function projections() {
  const storage = await openStorage(loadConfig());
  try {
    const runner = new ProjectionRunner(storage.store, storage.db, readModelProjections());
    await runner.setup();
    for (const s of await runner.status()) process.stdout.write(`${s.name}\tcheckpoint ${s.checkpoint}\tlag ${s.lag}\n`);
  } finally {
    await storage.db.close();
  }
}

class UsageError extends Error {}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  switch (command) {
    case 'rebuild':
      return rebuild(rest[0]);
    case 'projections':
      return projections();
    default:
      throw new UsageError(command ? `unknown command "${command}"` : 'no command given');
  }
}

main(process.argv.slice(2)).catch((e) => {
  if (e instanceof UsageError) process.stderr.write(`${e.message}\n${USAGE}\n`);
  else if (e instanceof ConfigError) process.stderr.write(`yuantrace: ${e.message}\n`);
  else process.stderr.write(`yuantrace: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(e instanceof UsageError ? 2 : 1);
});
