import type { INestApplicationContext } from '@nestjs/common';
import { fenFromFormatted, formatFen, parseYuan, type Principal } from '@yuantrace/domain';
import { BulkLoadEventStore, EventStore, type Db } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { unitFigures } from '@yuantrace/read-models';
import { READ_DB } from '../infrastructure/tokens';
import { LedgerService, type Caller } from '../commands/ledger.service';
import { PersonalDataVault } from '../personal-data/personal-data-vault';
import type { Command, Manifest } from './generator';

const FINANCE: Caller = { principal: { id: 'loader-finance', role: 'finance', scope: '990000000000' } satisfies Principal, correlationId: 'bulk-load' };
const APPROVER: Caller = { principal: { id: 'loader-approver', role: 'approver', scope: '990000000000' } satisfies Principal, correlationId: 'bulk-load' };

/**
 * Runs one generated command through the same service the HTTP controllers call, so every rule
 * of every decider applies (no shortcut around them). Commands are idempotent: re-running a
 * prefix after an interruption changes nothing.
 */
export async function runCommand(ledger: LedgerService, c: Command): Promise<void> {
  const a = c as Record<string, any>;
  switch (c.op) {
    case 'unit': return void (await ledger.registerAdminUnit(FINANCE, { code: a.code, name: a.name, level: a.level, parentCode: a.parentCode }));
    case 'batch': return void (await ledger.issueBatch(FINANCE, { ...a, amount: parseYuan(a.amount) } as never));
    case 'allocate': return void (await ledger.allocate(FINANCE, a.batchId, { allocationId: a.allocationId, target: a.target, amount: parseYuan(a.amount),
      effectiveDate: a.effectiveDate, documentNo: a.documentNo }));
    case 'project': {
      const { op: _, budget, ...d } = a;
      return void (await ledger.proposeProject(FINANCE, { ...d, budgetFen: parseYuan(budget).toString() } as never));
    }
    case 'milestone': return void (await ledger.recordMilestone(FINANCE, a.projectId, { milestoneId: a.milestoneId, kind: a.kind, date: a.date,
      percentComplete: a.percentComplete ?? null, result: a.result ?? null, publicUntil: a.publicUntil ?? null, documentNo: a.documentNo ?? null, note: null }));
    case 'household': return void (await ledger.registerHousehold(FINANCE, a as never));
    case 'householdStatus': return void (await ledger.changeHouseholdStatus(FINANCE, a.householdId, { status: a.status, date: a.date, reason: a.reason, documentNo: null }));
    case 'payment': return void (await ledger.requestPayment(FINANCE, { ...a, amount: parseYuan(a.amount) } as never));
    case 'approve': return void (await ledger.decidePayment(APPROVER, a.paymentId, { approved: true, comment: '', effectiveDate: a.effectiveDate }));
    case 'execute': return void (await ledger.executePayment(FINANCE, a.paymentId, { channel: a.channel, bankReference: a.bankReference, effectiveDate: a.effectiveDate }));
    case 'fail': return void (await ledger.failPayment(FINANCE, a.paymentId, { reason: a.reason, effectiveDate: a.effectiveDate }));
    case 'reverse': return void (await ledger.reversePayment(FINANCE, a.paymentId, { reason: a.reason, effectiveDate: a.effectiveDate, documentNo: a.documentNo }));
    case 'return': return void (await ledger.returnFunds(FINANCE, a.batchId, { returnId: a.returnId, amount: parseYuan(a.amount), reason: a.reason,
      effectiveDate: a.effectiveDate, ...(a.allocationId ? { allocationId: a.allocationId } : {}) }));
    default:
      throw new Error(`unknown command ${c.op}`);
  }
}

/** Loads commands, resuming after the last recorded one; progress is stored every `every` commands. */
/**
 * Commands may be given as their JSON lines, parsed one at a time as they run: a county's
 * 1.8 million commands parsed up front held gigabytes the loader then collected over and over.
 */
export async function loadCommands(app: INestApplicationContext, loadId: string, commands: ReadonlyArray<Command | string>, onProgress?: (done: number) => void,
  every = 200) {
  const db = app.get<Db>(READ_DB);
  const ledger = app.get(LedgerService);
  // On a write-behind store the buffer is flushed before progress is recorded, so a resume
  // always starts from what is really in the database.
  const store = app.get(EventStore);
  const bulk = store instanceof BulkLoadEventStore;
  const vault = app.get(PersonalDataVault);
  if (bulk) await vault.startWriteBehind();
  const flush = async () => {
    if (!bulk) return;
    // Values before the events that refer to them.
    await vault.flushWriteBehind();
    await store.flush();
  };
  await db.query('create table if not exists load_progress (load_id text primary key, done int not null, updated_at timestamptz not null default now())');
  const r = await db.query<{ done: number }>('select done from load_progress where load_id = $1', [loadId]);
  const start = r.rows[0]?.done ?? 0;
  for (let i = start; i < commands.length; i++) {
    const command = commands[i];
    await runCommand(ledger, typeof command === 'string' ? (JSON.parse(command) as Command) : command);
    if ((i + 1) % every === 0 || i + 1 === commands.length) {
      await flush();
      await db.query(`insert into load_progress (load_id, done) values ($1, $2) on conflict (load_id) do update set done = $2, updated_at = now()`, [loadId, i + 1]);
      onProgress?.(i + 1);
    }
  }
  return { resumedAt: start, loaded: commands.length - start };
}

/** Compares the loaded books (read models, after the projections catch up) with the manifest. */
export async function checkManifest(app: INestApplicationContext, manifest: Manifest): Promise<string[]> {
  await app.get(ProjectionRunner).waitUntilCaughtUp(600_000);
  const db = app.get<Db>(READ_DB);
  const problems: string[] = [];
  const yuan = (fen: unknown) => formatFen(BigInt((fen as string) ?? 0));
  const roots = await db.query<{ source: string; total: string }>('select source, sum(amount_fen)::text as total from rm_batches where parent_batch_id is null group by source order by source');
  const appropriated = Object.fromEntries(roots.rows.map((x) => [x.source, yuan(x.total)]));
  if (JSON.stringify(appropriated) !== JSON.stringify(manifest.totals.appropriatedBySource)) {
    problems.push(`appropriated by source: books ${JSON.stringify(appropriated)}, manifest ${JSON.stringify(manifest.totals.appropriatedBySource)}`);
  }
  const paid = await db.query<{ k: string; total: string }>(
    `select source || ':' || fiscal_year as k, sum(case when event_type = 'HoldPosted' then amount_fen else -amount_fen end)::text as total
     from postings where event_type in ('HoldPosted', 'PaymentReversalCredited') group by source, fiscal_year order by 1`);
  const paidBy = Object.fromEntries(paid.rows.filter((x) => BigInt(x.total) !== 0n).map((x) => [x.k, yuan(x.total)]));
  if (JSON.stringify(paidBy) !== JSON.stringify(manifest.totals.paidBySourceAndYear)) {
    problems.push(`paid by source and year: books ${JSON.stringify(paidBy)}, manifest ${JSON.stringify(manifest.totals.paidBySourceAndYear)}`);
  }
  const county = await unitFigures(db, '990101000000', {});
  const net = formatFen(fenFromFormatted(county.received) - fenFromFormatted(county.returned));
  if (net !== manifest.totals.countyReceived) problems.push(`county received less returned: books ${net}, manifest ${manifest.totals.countyReceived}`);
  if (county.paid !== manifest.totals.countyPaid) problems.push(`county paid: books ${county.paid}, manifest ${manifest.totals.countyPaid}`);
  if (county.householdsReached !== manifest.totals.householdsReached) {
    problems.push(`households reached: books ${county.householdsReached}, manifest ${manifest.totals.householdsReached}`);
  }
  return problems;
}
