import type { PrivatePostgres } from '../../apps/cli/src/bench/private-postgres';

/** Stops the server global-setup.ts started, if it started one. */
export default async function globalTeardown(): Promise<void> {
  const g = globalThis as { __yuantracePg?: PrivatePostgres };
  g.__yuantracePg?.stop();
  delete g.__yuantracePg;
}
