import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ProjectionRunner } from '@yuantrace/projections';
import { SealKey } from '@yuantrace/seal';
import { startTestApp, TEST_JWT_SECRET, type Backend } from '../support/app';
import { registerCounty } from '../support/county';
import { rawClient, TEST_DATABASE_URL } from '../support/databases';
import { client } from '../support/http';

/**
 * The sealed log through the whole system: the api seals as it runs (a checkpoint once the
 * oldest unsealed event has waited SEAL_EVERY_SECONDS), serves checkpoints and the public key to
 * anyone, proofs to inspectors and auditors in their region, and puts the latest checkpoint on
 * the 公示 notice. The cli exports a bundle the standalone verifier accepts, and its verify names
 * an amount altered by raw SQL.
 */
const run = promisify(execFile);
const ROOT = join(__dirname, '../..');
const VERIFIER = join(ROOT, 'libs/seal/src/verifier/yuantrace-verify.js');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function cli(args: string[], env: Record<string, string>) {
  try {
    const r = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/cli/src/main.ts', ...args],
      { cwd: ROOT, env: { ...process.env, ...env, NODE_OPTIONS: '' }, maxBuffer: 1 << 24 });
    return { code: 0, out: r.stdout + r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout + x.stderr };
  }
}

async function verifier(args: string[]) {
  try {
    return { code: 0, out: (await run(process.execPath, [VERIFIER, ...args])).stdout };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, out: x.stdout + x.stderr };
  }
}

describe.each<Backend>(['embedded', 'postgres'])('the sealed log over HTTP on %s', (backend) => {
  const keyText = SealKey.generate('ed25519');
  const key = SealKey.parse(keyText);
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  const dir = mkdtempSync(join(tmpdir(), 'sealed-e2e-'));

  const waitForCheckpoint = async (count: number) => {
    for (let i = 0; i < 100; i++) {
      const r = await api.as('public').get('/checkpoints/latest');
      if (r.status === 200 && r.body.checkpoint.body.count >= count) return r.body;
      await sleep(100);
    }
    throw new Error(`no checkpoint covering ${count} events`);
  };

  beforeAll(async () => {
    t = await startTestApp(backend, { SEAL_KEY: keyText, SEAL_EVERY_SECONDS: '1', SEAL_EVERY_EVENTS: '5' });
    api = client(t.app);
    await registerCounty(t.app);
    await api.as('countyFinance').post('/fund-batches', { batchId: 'SL-B', documentNo: '县财〔2016〕9号', title: '县级专项', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
      recipientUnitCode: '990101000000', fiscalYear: 2016, amount: '1000.00', effectiveDate: '2016-03-01', purpose: '产业' }).expect(201);
    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
  });
  afterAll(async () => t?.close());

  test('checkpoints and the public key are public; the key is the configured one; checkpoints chain from 1', async () => {
    const latest = await waitForCheckpoint(1);
    expect(latest.publicKey).toEqual(key.publicDocument());
    expect(latest.checkpoint.body).toMatchObject({ alg: 'ed25519', hash: 'sha256', keyId: key.keyId });
    expect((await api.as('public').get('/checkpoints/public-key').expect(200)).body).toEqual(key.publicDocument());
    const list = (await api.as('public').get('/checkpoints?limit=500').expect(200)).body;
    expect(list.checkpoints.map((c: { body: { no: number } }) => c.body.no)).toEqual(list.checkpoints.map((_: unknown, i: number) => i + 1));
    expect(list.checkpoints[list.checkpoints.length - 1]).toEqual(latest.checkpoint);
    expect((await api.as('public').get('/checkpoints?after=x').expect(400)).body.error).toMatchObject({ code: 'invalid_after', field: 'after' });
  });

  test('an event proof verifies with the standalone verifier; unsealed, unknown, out of region and wrong roles are refused alike', async () => {
    await api.as('countyFinance').post('/fund-batches', { batchId: 'SL-C', documentNo: '县财〔2016〕10号', title: '县级专项', source: 'COUNTY_BUDGET', issuerLevel: 'COUNTY',
      recipientUnitCode: '990101000000', fiscalYear: 2016, amount: '5.00', effectiveDate: '2016-03-02', purpose: '产业' }).expect(201);
    const events = (await api.as('auditor').get('/events?stream=fundbatch-SL-C').expect(200)).body.events;
    const id = events[0].eventId;
    await t.app.get(ProjectionRunner).waitUntilCaughtUp();
    // Just written: not in a checkpoint until it has waited SEAL_EVERY_SECONDS (or five more events came).
    const early = await api.as('auditor').get(`/events/${id}/proof`);
    if (early.status !== 200) expect(early.body.error).toMatchObject({ code: 'not_sealed_yet', field: 'eventId' });
    let proof;
    for (let i = 0; i < 100 && !proof; i++) {
      const r = await api.as('auditor').get(`/events/${id}/proof`);
      if (r.status === 200) proof = r.body;
      else await sleep(100);
    }
    expect(proof.event.id).toBe(id);
    expect(proof.publicKey).toEqual(key.publicDocument());
    const proofFile = join(dir, `proof-${backend}.json`);
    const keyFile = join(dir, `key-${backend}.json`);
    writeFileSync(proofFile, JSON.stringify(proof));
    writeFileSync(keyFile, JSON.stringify(key.publicDocument()));
    expect(await verifier(['--proof', proofFile, '--key', keyFile])).toMatchObject({ code: 0 });
    writeFileSync(proofFile, JSON.stringify({ ...proof, event: { ...proof.event, data: { ...proof.event.data, amount: '50000.00' } } }));
    const bad = await verifier(['--proof', proofFile, '--key', keyFile]);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain('BAD altered:');
    // Roles that do not read the raw log, a reader of another region, a malformed or unknown id.
    await api.as('village').get(`/events/${id}/proof`).expect(403);
    const elsewhere = await api.as({ id: 'x', role: 'auditor', scope: '980000000000' }).get(`/events/${id}/proof`).expect(404);
    const unknown = await api.as('auditor').get('/events/00000000-0000-4000-8000-000000000000/proof').expect(404);
    expect(elsewhere.body.error.code).toBe('event_not_found');
    expect(unknown.body.error.code).toBe('event_not_found');
    expect((await api.as('auditor').get('/events/not-a-uuid/proof').expect(400)).body.error).toMatchObject({ code: 'invalid_event_id', field: 'eventId' });
  });

  test('the 公示 notice carries the newest signed checkpoint, and under knownAt the newest signed by then', async () => {
    const latest = await waitForCheckpoint(2);
    const notice = (await api.as('public').get('/disclosure/units/990101001001').expect(200)).body;
    expect(notice.sealedLog.body.no).toBeGreaterThanOrEqual(latest.checkpoint.body.no);
    expect(notice.sealedLog.body.keyId).toBe(key.keyId);
    // The newest signed by the first one's time: checkpoints signed in one window of the log share their millisecond.
    const listed: Array<{ body: { no: number; sealedAt: string } }> = (await api.as('public').get('/checkpoints?limit=100').expect(200)).body.checkpoints;
    expect(listed.map((c) => c.body.no)).toEqual(listed.map((_, i) => i + 1));
    const then = listed[0].body.sealedAt;
    const first = listed.filter((c) => c.body.sealedAt <= then).at(-1);
    expect((await api.as('public').get(`/disclosure/units/990101001001?knownAt=${then}`).expect(200)).body.sealedLog).toEqual(first);
    expect((await api.as('public').get(`/checkpoints/latest?knownAt=${then}`).expect(200)).body.checkpoint).toEqual(first);
    expect((await api.as('public').get('/disclosure/units/990101001001?knownAt=2016-01-01T00:00:00Z').expect(200)).body.sealedLog).toBeNull();
    expect((await api.as('public').get('/checkpoints/latest?knownAt=2016-01-01T00:00:00Z').expect(404)).body.error).toMatchObject({ code: 'no_checkpoint', field: 'knownAt' });
    expect((await api.as('public').get('/checkpoints/latest?knownAt=yesterday').expect(400)).body.error).toMatchObject({ field: 'knownAt' });
  });

  if (backend === 'postgres') {
    test('the cli exports a bundle the standalone verifier accepts; after a raw-SQL alteration verify and the verifier name the event', async () => {
      const latest = await waitForCheckpoint(2);
      await sleep(1500); // every event in a checkpoint: the bundle then has no unsealed tail
      const env = { DATABASE_URL: TEST_DATABASE_URL, DATABASE_SCHEMA: t.schema, JWT_SECRET: TEST_JWT_SECRET, SEAL_KEY: keyText, LOG_LEVEL: 'silent' };
      const keyFile = join(dir, 'pg-key.json');
      writeFileSync(keyFile, JSON.stringify(key.publicDocument()));
      const heldFile = join(dir, 'held.json');
      writeFileSync(heldFile, JSON.stringify(latest));
      const before = await cli(['verify', '--seal-only', '--expect', heldFile], env);
      expect(before.out).toContain('SEAL OK');
      expect(before.code).toBe(0);
      const bundle = join(dir, 'bundle');
      const exported = await cli(['export-audit', '--to', bundle], env);
      expect(exported.code).toBe(0);
      expect(JSON.parse(readFileSync(join(bundle, 'manifest.json'), 'utf8'))).toMatchObject({ scope: 'whole log', keyId: key.keyId });
      expect((await verifier([bundle, '--key', keyFile, '--expect', heldFile])).code).toBe(0);
      // A region's bundle: the streams placed in the county, each event with its inclusion proof.
      const region = join(dir, 'bundle-county');
      expect((await cli(['export-audit', '--to', region, '--unit', '990101000000'], env)).out).toMatch(/exported the unit 990101000000: \d+ events, \d+ checkpoints, \d+ inclusion proofs/);
      expect(JSON.parse(readFileSync(join(region, 'manifest.json'), 'utf8'))).toMatchObject({ scope: 'unit 990101000000', wholeStreams: true });
      expect((await verifier([region, '--key', keyFile])).out).toMatch(/^OK: \d+ events checked/);
      const sql = await rawClient(t.schema);
      try {
        await sql.query(`update events set data = jsonb_set(data, '{amount}', '"9999999.00"') where stream_id = 'fundbatch-SL-B' and stream_revision = 0`);
      } finally {
        await sql.end();
      }
      const after = await cli(['verify', '--seal-only', '--key', keyFile], env);
      expect(after.code).toBe(1);
      expect(after.out).toMatch(/TAMPERED altered: event [0-9a-f-]+ \(fundbatch-SL-B revision 0/);
      const second = join(dir, 'bundle-2');
      await cli(['export-audit', '--to', second], env);
      const outside = await verifier([second, '--key', keyFile]);
      expect(outside.code).toBe(1);
      expect(outside.out).toContain('BAD altered: event');
      // Emptying the seal's tables leaves a log with no checkpoint: with a key to trust, that is a finding too.
      const cut = await rawClient(t.schema);
      try {
        await cut.query('delete from seal_checkpoints');
      } finally {
        await cut.end();
      }
      const emptied = await cli(['verify', '--seal-only', '--key', keyFile], env);
      expect(emptied.code).toBe(1);
      expect(emptied.out).toMatch(/TAMPERED no_checkpoints: the log has \d+ events and no signed checkpoint/);
    }, 180_000); // seven cli processes, each starting ts-node: on a loaded two-core machine one minute was seen to be too short
  }
});
