import { generate, checkManifest, loadCommands } from '@yuantrace/ledger';
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { EventStore } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { readModelProjections, verifyReadModels } from '@yuantrace/read-models';
import { READ_DB } from '@yuantrace/ledger';
import { startTestApp } from '../support/app';
import request from 'supertest';
import { fenFromFormatted } from '@yuantrace/domain';
import { csvLines } from '../support/exports';
import { bearer } from '../support/principals';
import { expectRollupsToMatchScan } from '../support/rollups';

let t: Awaited<ReturnType<typeof startTestApp>>;
beforeAll(async () => {
  t = await startTestApp('postgres');
});
afterAll(async () => t?.close());

test('a generated county loads through the deciders, resumes after an interruption, and matches its manifest to the fen', async () => {
  const { commands, manifest, anomalies } = generate('tiny', 3, { households: 40, years: [2016, 2017] });
  // Interrupted after part of the file: the second run resumes where the first stopped.
  const part = Math.floor(commands.length / 2);
  await loadCommands(t.app, 'test-load', commands.slice(0, part), undefined, 50);
  const second = await loadCommands(t.app, 'test-load', commands, undefined, 50);
  expect(second.resumedAt).toBe(part);
  expect(second.loaded).toBe(commands.length - part);
  expect(await checkManifest(t.app, manifest)).toEqual([]);
  // The anomalies are in the log: every legacy record as migrated, the roster through its service.
  const store = t.app.get(EventStore);
  const legacy = anomalies.filter((a) => a.legacy).flatMap((a) => a.subjectRefs.filter((r) => r.startsWith('payment:G-PAY-L')));
  expect(legacy.length).toBeGreaterThanOrEqual(10);
  for (const ref of legacy) {
    const events = await store.readStream(`payment-${ref.slice('payment:'.length)}`);
    expect(events.map((e) => [e.type, e.metadata.source])).toEqual([['PaymentRequested', 'legacy-import'], ['PaymentApproved', 'legacy-import'], ['PaymentExecuted', 'legacy-import']]);
  }
  const roster = commands.filter((c) => c.op === 'roster');
  expect((await store.readStream(`roster-${(roster[0] as Record<string, any>).personId}`)).map((e) => e.type)).toEqual(['RosterPersonRecorded']);
  await t.app.get(ProjectionRunner).waitUntilCaughtUp();
  const report = await verifyReadModels(t.app.get(EventStore), t.app.get(READ_DB), readModelProjections());
  // Legacy records (migrated payments the ledger would refuse) hold no money: the books have no defect for them.
  expect(report.defects).toEqual([]);
  expect(report).toMatchObject({ ok: true, differences: [], conservation: [] });
  // A generated county has reversals, returns and households reached across years: the unit
  // rollups agree with the scan over postings for every unit at dates spread over the period.
  expect(await expectRollupsToMatchScan(t.app.get(READ_DB))).toBeGreaterThan(100);

  // Every view that lists a migrated payment says so, and no figure counts it: a project's paid is
  // the sum of its own executed payments, whatever migrated records stand beside them.
  const get = (path: string) => request(t.app.getHttpServer()).get(path).set('authorization', bearer(t.app, 'nationalInspector')).expect(200);
  const migratedId = legacy[0].slice('payment:'.length);
  const view = (await get(`/payments/${migratedId}`)).body;
  expect(view).toMatchObject({ paymentId: migratedId, status: 'executed', migrated: true });
  expect((await get(`/payments/${migratedId}/trace`)).body.payment).toMatchObject({ paymentId: migratedId, migrated: true });
  const project = (await get(`/projects/${view.projectId}`)).body;
  const listed = project.payments as Array<{ paymentId: string; status: string; amount: string; migrated: boolean }>;
  expect(listed.filter((x) => x.migrated).map((x) => x.paymentId)).toContain(migratedId);
  expect(listed.some((x) => !x.migrated && x.status === 'executed')).toBe(true);
  const ownPaid = listed.filter((x) => !x.migrated && x.status === 'executed').reduce((s, x) => s + fenFromFormatted(x.amount), 0n);
  expect(fenFromFormatted(project.paid)).toBe(ownPaid);
  const list = (await get(`/payments?projectId=${view.projectId}&limit=500`)).body.items as Array<{ paymentId: string; migrated: boolean }>;
  expect(list.filter((x) => x.migrated).map((x) => x.paymentId).sort()).toEqual(listed.filter((x) => x.migrated).map((x) => x.paymentId).sort());
  const csv = csvLines((await get(`/payments?projectId=${view.projectId}&format=csv`)).text);
  const source = csv[0].indexOf('记录来源');
  expect(csv.find((l) => l[0] === migratedId)?.[source]).toBe('旧系统迁移（未经本账拨付，不计入金额）');
  expect(csv.filter((l) => l[source] === '本账').length).toBe(list.filter((x) => !x.migrated).length);
});

test('the bulk path (write-behind store, flushed in batches) gives the same books', async () => {
  const { dropSchema, openTestPg, uniqueSchema } = await import('../support/databases');
  const { createApp } = await import('../../apps/api/src/app');
  const { loadConfig } = await import('@yuantrace/ledger');
  const { BulkLoadEventStore, PostgresEventStore } = await import('@yuantrace/event-store');
  const schema = uniqueSchema('bulk');
  // The runner holds a connection per projection for its lock, beside those the load uses.
  const db = await openTestPg(schema, 10 + readModelProjections().length);
  const store = await BulkLoadEventStore.over(await PostgresEventStore.create(db));
  const config = loadConfig({ DATABASE_URL: 'postgres://postgres@127.0.0.1/test', DATABASE_SCHEMA: schema, JWT_SECRET: 'test-secret-of-enough-length', LOG_LEVEL: 'silent' });
  const app = await createApp(config, { storage: { db, store } });
  try {
    const { commands, manifest } = generate('tiny', 3, { households: 40, years: [2016, 2017] });
    await loadCommands(app, 'bulk', commands, undefined, 500);
    expect(store.buffered).toBe(0);
    // Personal data went through the vault's write-behind buffer: every member's number and
    // every account is stored, and a second household claiming a member's number is refused.
    // (A removed household gives its members' numbers back.)
    const removed = new Set(commands.filter((c) => c.op === 'householdStatus' && (c as Record<string, any>).status === 'removed')
      .map((c) => (c as Record<string, any>).householdId));
    const households = (commands.filter((c) => c.op === 'household') as Array<Record<string, any>>).filter((h) => !removed.has(h.householdId));
    const persons = households.reduce((n, h) => n + 1 + h.members.length, 0);
    const claims = await db.query<{ n: string }>('select count(*)::text as n from identity_claims');
    expect(Number(claims.rows[0].n)).toBe(persons);
    const { LedgerService } = await import('@yuantrace/ledger');
    const { op: _op, ...registration } = { ...households[0], householdId: 'G-HH-COPY' } as Record<string, unknown>;
    await expect(app.get(LedgerService).registerHousehold({ principal: { id: 'f', role: 'finance', scope: '990000000000' }, correlationId: 'c' }, registration as never))
      .rejects.toMatchObject({ code: 'identity_number_taken' });
    await app.get(ProjectionRunner).start();
    expect(await checkManifest(app, manifest)).toEqual([]);
    const report = await verifyReadModels(store, db, readModelProjections());
    expect(report.ok).toBe(true);
  } finally {
    await app.close();
    await dropSchema(schema);
  }
});
