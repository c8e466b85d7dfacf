import type { INestApplicationContext } from '@nestjs/common';
import { fenFromFormatted, formatFen, MIGRATED_SOURCE, parseYuan, type Principal } from '@yuantrace/domain';
import { BulkLoadEventStore, deterministicUuid, EventStore, type Db, type NewEvent } from '@yuantrace/event-store';
import { ProjectionRunner } from '@yuantrace/projections';
import { unitFigures } from '@yuantrace/read-models';
import { READ_DB } from '../infrastructure/tokens';
import { LedgerService, type Caller } from '../commands/ledger.service';
import { OversightService } from '../commands/oversight.service';
import { PersonalDataVault } from '../personal-data/personal-data-vault';
import type { Command, Manifest } from './generator';

const FINANCE: Caller = { principal: { id: 'loader-finance', role: 'finance', scope: '990000000000' } satisfies Principal, correlationId: 'bulk-load' };
const APPROVER: Caller = { principal: { id: 'loader-approver', role: 'approver', scope: '990000000000' } satisfies Principal, correlationId: 'bulk-load' };

/**
 * Runs one generated command through the same service the HTTP controllers call, so every rule
 * of every decider applies (no shortcut around them). Commands are idempotent: re-running a
 * prefix after an interruption changes nothing.
 */
export async function runCommand(ledger: LedgerService, c: Command, more?: { oversight: OversightService; legacy: LegacyImport }): Promise<void> {
  const a = c as Record<string, any>;
  switch (c.op) {
    case 'unit': return void (await ledger.registerAdminUnit(FINANCE, { code: a.code, name: a.name, level: a.level, parentCode: a.parentCode }));
    case 'batch': {
      const { op: _, lineItems, amount, ...b } = a;
      return void (await ledger.issueBatch(FINANCE, { ...b, amount: parseYuan(amount),
        ...(lineItems ? { lineItems: (lineItems as Array<{ label: string; amount: string }>).map((l) => ({ label: l.label, amount: parseYuan(l.amount) })) } : {}) } as never));
    }
    case 'roster': {
      if (!more) throw new Error('a roster command needs the oversight service');
      return void (await more.oversight.recordRosterPerson(FINANCE, { personId: a.personId, name: a.name, role: a.role, unitCode: a.unitCode, idNumber: a.idNumber,
        ...(a.account ? { account: a.account } : {}), from: a.from, relatives: a.relatives }));
    }
    case 'legacy': {
      if (!more) throw new Error('a legacy record needs the event store');
      return more.legacy.append(a);
    }
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

/**
 * Records migrated from the old system before the ledger's command rules (op `legacy`): written
 * straight to the event store, as the ledger would refuse them as commands. A payment stream
 * (requested, approved, executed) moves no money in its batch (no hold, no posting), so the books
 * and the manifest's totals are as without it; a household stream registers members whose
 * identity numbers may already be another household's. Appending an existing stream again is
 * skipped, so a resumed load stays idempotent.
 */
export class LegacyImport {
  static readonly METADATA = { actor: { principalId: 'legacy-import', role: 'finance' }, source: MIGRATED_SOURCE } as const;

  constructor(private readonly store: EventStore, private readonly vault: PersonalDataVault) {}

  async append(a: Record<string, any>): Promise<void> {
    const stream = a.kind === 'payment' ? `payment-${a.paymentId}` : a.kind === 'household' ? `household-${a.householdId}` : undefined;
    if (!stream) throw new Error(`unknown legacy record ${a.kind}`);
    if ((await this.store.readStream(stream, { maxCount: 1 })).length > 0) return;
    const metadata = { ...LegacyImport.METADATA, commandId: `legacy:${stream}`, correlationId: 'legacy-import' };
    const event = (type: string, data: Record<string, unknown>, i: number): NewEvent => ({ id: deterministicUuid('legacy', stream, String(i), type), type, data, metadata });
    if (a.kind === 'household') {
      const members = [];
      for (const m of a.members as Array<{ name: string; idNumber: string; birthYear: number; relation: string }>) {
        const { ref, masked } = await this.vault.protect('id_number', m.idNumber);
        members.push({ name: m.name, idRef: ref, idMasked: masked, birthYear: m.birthYear, relation: m.relation });
      }
      await this.store.appendToStream(stream, [event('HouseholdRegistered', { householdId: a.householdId, unitCode: a.unitCode, members, category: a.category,
        causes: a.causes, registeredOn: a.registeredOn }, 0)], { expectedRevision: 'no_stream' });
      return;
    }
    const account = await this.vault.protect('account', a.payee.account);
    const amountFen = parseYuan(a.amount).toString();
    const request = { paymentId: a.paymentId, projectId: a.projectId, allocationId: a.allocationId, batchId: a.batchId,
      payee: { type: a.payee.type, id: a.payee.id, name: a.payee.name, accountRef: account.ref, accountMasked: account.masked },
      amountFen, purpose: a.purpose, installment: a.installment, effectiveDate: a.effectiveDate, unitCode: a.unitCode, requestedBy: a.requestedBy };
    await this.store.appendToStream(stream, [
      event('PaymentRequested', request, 0),
      event('PaymentApproved', { paymentId: a.paymentId, approvedBy: a.approvedBy, comment: '历史数据迁移', effectiveDate: a.effectiveDate }, 1),
      event('PaymentExecuted', { paymentId: a.paymentId, channel: a.channel, bankReference: a.bankReference, effectiveDate: a.effectiveDate, amountFen }, 2),
    ], { expectedRevision: 'no_stream' });
  }
}

/**
 * The streams a bulk load keeps folded in memory: all of them. A load touches every stream, and with
 * the api's cache (STATE_CACHE_SIZE) a batch paying thousands is read again and again (the benchmark
 * loaded a county at under 3,000 events/s so, against about 20,000 with every stream kept).
 */
export const BULK_LOAD_STATE_CACHE_SIZE = 5_000_000;

/**
 * Loads commands, resuming after the last recorded one; progress is stored every `every` commands.
 * Commands may be given as their JSON lines, parsed one at a time as they run: a county's
 * 1.8 million commands parsed up front held gigabytes the loader then collected over and over.
 */
export async function loadCommands(app: INestApplicationContext, loadId: string, commands: ReadonlyArray<Command | string>, onProgress?: (done: number) => void,
  every = 200) {
  const db = app.get<Db>(READ_DB);
  const ledger = app.get(LedgerService);
  const more = { oversight: app.get(OversightService), legacy: new LegacyImport(app.get(EventStore), app.get(PersonalDataVault)) };
  // On a write-behind store progress is recorded only once the write holding those commands'
  // events has finished, so a resume always starts from what is really in the database.
  const store = app.get(EventStore);
  const bulk = store instanceof BulkLoadEventStore;
  const vault = app.get(PersonalDataVault);
  if (bulk) await vault.startWriteBehind();
  await db.query('create table if not exists load_progress (load_id text primary key, done int not null, updated_at timestamptz not null default now())');
  const r = await db.query<{ done: number }>('select done from load_progress where load_id = $1', [loadId]);
  const start = r.rows[0]?.done ?? 0;
  // Values before the events that refer to them. The events are written while the next commands
  // are decided; progress is recorded only for what a finished write holds.
  let written = start;
  let writing = start;
  const record = async (done: number) => {
    if (done === written) return;
    await db.query(`insert into load_progress (load_id, done) values ($1, $2) on conflict (load_id) do update set done = $2, updated_at = now()`, [loadId, done]);
    written = done;
  };
  const flush = async (done: number, last: boolean) => {
    if (bulk) {
      await vault.flushWriteBehind();
      await store.flushInBackground(); // returns once the write before it is done
      await record(writing);
      writing = done;
      if (last) await store.flush();
    }
    if (last || !bulk) await record(done);
  };
  for (let i = start; i < commands.length; i++) {
    const command = commands[i];
    await runCommand(ledger, typeof command === 'string' ? (JSON.parse(command) as Command) : command, more);
    if ((i + 1) % every === 0 || i + 1 === commands.length) {
      await flush(i + 1, i + 1 === commands.length);
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
