import { formatFen, type Fen } from '../money';

/**
 * The glossary of money figures: every view, CSV, export and page uses these names with these
 * meanings, and computes the derived ones only here. Movements are gross (an allocation stays
 * counted when money later comes back); money coming back is its own figure, never netted into
 * another.
 *
 * A batch (one 文号 line at one unit):
 *   received + returnedFromBatches = allocated + returned + held + paid + balance
 *   balance   = unallocated + available
 *   available = committed − returnedFromProjects − held − paid
 * A project:        committed = returned + held + paid + balance
 * A region (a unit and everything below it; movements between its own batches are internal):
 *                   received  = returned + held + paid + balance
 */
export const FIGURES = {
  received: { zh: '收到下达', en: 'received', means: 'money that came in from above: the appropriation itself, or the parent batch’s allocation (never a return)' },
  allocated: { zh: '下拨下级', en: 'allocated', means: 'money passed down to child batches, gross (returns from them are returnedFromBatches)' },
  committed: { zh: '安排项目', en: 'committed', means: 'money committed to projects, gross (money a project sends back is returnedFromProjects)' },
  returnedFromBatches: { zh: '下级退回', en: 'returned from child batches', means: 'money child batches sent back up to this batch' },
  returnedFromProjects: { zh: '项目结余退回', en: 'returned from projects', means: 'money projects sent back to the batch that committed it' },
  returned: { zh: '退回上级', en: 'returned up', means: 'money sent back up: to the parent batch, or out of the ledger for a root appropriation (for a project: back to its batches; for a region: out of it)' },
  held: { zh: '冻结在途', en: 'held', means: 'money held for payments requested and not yet executed, rejected or failed' },
  paid: { zh: '已支付', en: 'paid', means: 'money paid out by executed payments, less reversals (退票/追回)' },
  unallocated: { zh: '未分配', en: 'unallocated', means: 'money in a batch not yet allocated, committed or returned: what it may still pass on' },
  available: { zh: '项目可支付', en: 'available', means: 'money committed to projects that is neither held, paid nor returned: what payments may still draw' },
  balance: { zh: '结余', en: 'balance (unspent)', means: 'money still at this node that is neither held, paid nor passed on: unallocated plus available' },
} as const;
export type FigureName = keyof typeof FIGURES;

/** The figures each kind of node has, in the order views, exports and documents show them. */
export const BATCH_FIGURES = ['received', 'returnedFromBatches', 'returnedFromProjects', 'allocated', 'committed', 'returned', 'held', 'paid', 'unallocated',
  'available', 'balance'] as const satisfies readonly FigureName[];
export const PROJECT_FIGURES = ['committed', 'returned', 'held', 'paid', 'balance'] as const satisfies readonly FigureName[];
export const REGION_FIGURES = ['received', 'returned', 'allocated', 'committed', 'returnedFromProjects', 'held', 'paid', 'balance'] as const satisfies readonly FigureName[];

/** What a batch's events move, gross. */
export type BatchMoves = {
  received: Fen; allocated: Fen; committed: Fen; returnedFromBatches: Fen; returnedFromProjects: Fen; returned: Fen; held: Fen; paid: Fen;
};
export type BatchFigures = BatchMoves & { unallocated: Fen; available: Fen; balance: Fen };

export function batchFiguresOfMoves(m: BatchMoves): BatchFigures {
  const unallocated = m.received + m.returnedFromBatches + m.returnedFromProjects - m.allocated - m.committed - m.returned;
  const available = m.committed - m.returnedFromProjects - m.held - m.paid;
  return { ...m, unallocated, available, balance: unallocated + available };
}

/** The identity a batch's figures must satisfy whatever they were computed from; a non-empty answer names the broken ones. */
export function batchIdentityBreaks(f: BatchFigures): string[] {
  const out: string[] = [];
  const inflow = f.received + f.returnedFromBatches, outflow = f.allocated + f.returned + f.held + f.paid + f.balance;
  if (inflow !== outflow) out.push(`received + returnedFromBatches (${inflow}) ≠ allocated + returned + held + paid + balance (${outflow})`);
  if (f.balance !== f.unallocated + f.available) out.push(`balance (${f.balance}) ≠ unallocated + available (${f.unallocated + f.available})`);
  for (const name of ['unallocated', 'available', 'held', 'paid'] as const) if (f[name] < 0n) out.push(`${name} is negative (${f[name]} fen)`);
  return out;
}

export type ProjectMoves = { committed: Fen; returned: Fen; held: Fen; paid: Fen };
export type ProjectFigures = ProjectMoves & { balance: Fen };
export const projectFiguresOfMoves = (m: ProjectMoves): ProjectFigures => ({ ...m, balance: m.committed - m.returned - m.held - m.paid });

export type RegionMoves = { received: Fen; returned: Fen; allocated: Fen; committed: Fen; returnedFromProjects: Fen; held: Fen; paid: Fen };
export type RegionFigures = RegionMoves & { balance: Fen };
export const regionFiguresOfMoves = (m: RegionMoves): RegionFigures => ({ ...m, balance: m.received - m.returned - m.held - m.paid });

/** Column headers for exports: the Chinese name with the English one, so a printed sheet and the API agree. */
export const figureHeader = (name: FigureName) => `${FIGURES[name].zh} (${name})`;

/** Figures as the API speaks them: yuan strings, same names. */
export function figuresInYuan<T extends Record<string, Fen>>(f: T): { [K in keyof T]: string } {
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, formatFen(v)])) as { [K in keyof T]: string };
}
