import type { INestApplication } from '@nestjs/common';
import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { NATIONAL_SCOPE } from '@yuantrace/domain';
import type { Db } from '@yuantrace/event-store';
import { TokenService, type AppConfig } from '@yuantrace/ledger';

/**
 * Requests the warm-up made: the request log leaves them out. A set of the request objects
 * themselves, filled only on the warm-up's own listener for its own token's reads, so no client
 * can keep its requests out of the log.
 */
export const warmUpRequests = new WeakSet<IncomingMessage>();

/** The longest a warm-up may hold back the api's start, whatever it was asked for. */
const WARM_UP_LIMIT_MS = 30_000;
/** The most payments a project read in the warm-up has. */
const WARM_UP_PROJECT_PAYMENTS = 200;
/** Requests in flight at once: as many as the read connections opened before listening. */
const WARM_UP_CLIENTS = 4;

/**
 * Serves the reads asked most often, over the api's whole stack (routing, guards, the queries,
 * masking, JSON), before the api listens, so that a freshly started process is not slow for
 * its first users. A new process compiles its code as it runs it: on the county its first
 * thousand household views cost it 3.3–3.7 ms of CPU each against 1.9–2.4 ms after, and
 * PostgreSQL's new backends 2.6 ms against 1.5–1.8 (a fresh api's p99 was 36–51 ms where a
 * running one's is 11–18). Behind a load balancer, an api that listens only once warm takes no
 * traffic while it is cold.
 *
 * The requests go to a second listener of the same application, on a loopback port of its
 * own that is closed before the api's port opens, under a token made here for an auditor of
 * the whole country (reads only: no route read here writes anything). Records are those the
 * read models hold; an empty database warms nothing. Returns what was done, for the log, and
 * where the listener was.
 */
export async function warmUp(app: INestApplication, config: AppConfig, db: Db, requests: number): Promise<{ requests: number; failed: number; ms: number; url: string } | undefined> {
  if (requests <= 0 || db.kind !== 'postgres') return undefined;
  const started = performance.now();
  const paths = await warmUpPaths(db, requests);
  if (!paths.length) return undefined;
  const authorization = `Bearer ${new TokenService(config).issue({ id: 'api-warm-up', role: 'auditor', scope: NATIONAL_SCOPE }, 60)}`;
  const server = warmUpServer(app, authorization);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  let next = 0;
  let failed = 0;
  // node's http client with kept-alive connections: the lightest there is, so the warm-up's time goes to the api.
  const agent = new Agent({ keepAlive: true, maxSockets: WARM_UP_CLIENTS });
  // The time limit holds for a read in flight too (one stuck on a lock would otherwise keep the api from ever listening).
  const deadline = setTimeout(() => {
    agent.destroy();
    server.closeAllConnections();
  }, Math.max(0, WARM_UP_LIMIT_MS - (performance.now() - started)));
  const get = (path: string) => new Promise<boolean>((resolve) => {
    const req = request(url + path, { agent, headers: { authorization } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode === 200));
      res.on('error', () => resolve(false));
      // Cut at the time limit: settled as not answered (a settled promise ignores the later close of an answered one).
      res.on('close', () => resolve(false));
    });
    req.on('error', () => resolve(false));
    req.end();
  });
  const client = async () => {
    while (next < paths.length && performance.now() - started < WARM_UP_LIMIT_MS) {
      if (!(await get(paths[next++]))) failed++;
    }
  };
  try {
    await Promise.all(Array.from({ length: WARM_UP_CLIENTS }, client));
  } finally {
    clearTimeout(deadline);
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return { requests: next, failed, ms: Math.round(performance.now() - started), url };
}

/**
 * The warm-up's own listener: only the warm-up's reads (GET with its token) are served, and only
 * they are left out of the request log; anything else that finds this port in its few seconds (a
 * command, another token) is turned away with 503, not served unlogged.
 */
export function warmUpServer(app: INestApplication, authorization: string): Server {
  const handler = app.getHttpAdapter().getInstance() as (req: IncomingMessage, res: ServerResponse) => void;
  return createServer((req, res) => {
    if (req.method !== 'GET' || req.headers.authorization !== authorization) {
      res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":{"code":"warming_up","message":"the api is not listening yet"}}');
      return;
    }
    warmUpRequests.add(req);
    handler(req, res);
  });
}

/**
 * The reads, in the proportions an office asks them: household views above all, then payment
 * traces and views, projects, batches and a unit's summary. Best effort: a database whose read
 * models are not set up yet warms nothing.
 */
export async function warmUpPaths(db: Db, requests: number): Promise<string[]> {
  const ids = async (sql: string, n: number) => {
    try {
      return (await db.query<{ id: string }>(`${sql} limit ${Math.max(1, Math.ceil(n))}`)).rows.map((r) => encodeURIComponent(r.id));
    } catch {
      return [];
    }
  };
  const mix: Array<[share: number, sql: string, path: (id: string) => string]> = [
    [0.6, 'select household_id as id from rm_households order by household_id', (id) => `/households/${id}`],
    [0.2, 'select payment_id as id from rm_payments order by payment_id', (id) => `/payments/${id}/trace`],
    [0.1, 'select payment_id as id from rm_payments order by payment_id desc', (id) => `/payments/${id}`],
    // Not a programme that pays a whole county's households (50,000 payments, a 12 MB view): a warm-up of a hundred of
    // those would raise the api's peak memory from about 230 MB to 490 MB and warm nothing the smaller ones do not.
    [0.04, `select p.project_id as id from rm_projects p
            where (select count(*) from (select 1 from rm_payments x where x.project_id = p.project_id limit ${WARM_UP_PROJECT_PAYMENTS + 1}) c) <= ${WARM_UP_PROJECT_PAYMENTS}
            order by p.project_id`, (id) => `/projects/${id}`],
    [0.03, 'select batch_id as id from rm_batches order by batch_id', (id) => `/fund-batches/${id}`],
    [0.03, 'select distinct unit_code as id from rm_projects order by unit_code', (id) => `/admin-units/${id}/summary`],
  ];
  const lists = await Promise.all(mix.map(async ([share, sql, path]) => ({ share, paths: (await ids(sql, requests * share)).map(path) })));
  // Each kind's requests spread evenly over the whole run (a record read again when there are too
  // few), so that every kind of read is warm however early the time limit ends the warm-up.
  const placed = lists.flatMap(({ share, paths }) => {
    const n = paths.length ? Math.round(requests * share) : 0;
    return Array.from({ length: n }, (_, j) => ({ at: (j + 0.5) / n, path: paths[j % paths.length] }));
  });
  return placed.sort((a, b) => a.at - b.at).map((p) => p.path);
}
