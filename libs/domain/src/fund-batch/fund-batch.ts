import { canonicalKey } from '../canonical';
import { Map as IMap } from 'immutable';
import type { Decider } from '../decider';
import { fenFromJson, fenToJson, formatFen, type Fen } from '../money';
import { conflict, invalid, ruleBroken } from '../rejection';
import type { BusinessDate } from '../dates';
import { batchFiguresOfMoves, type BatchFigures } from '../figures/figures';

/** Fund source categories (DOMAIN.md §1.3, F1–F19). Integration (整合) is not a source. */
export const FUND_SOURCES = [
  'CENTRAL_SPECIAL_POVERTY', 'LOTTERY_WELFARE', 'PROVINCIAL_POVERTY', 'CITY_MATCHING', 'COUNTY_BUDGET',
  'SECTOR_AGRI', 'WORK_FOR_RELIEF', 'ETHNIC_DEVELOPMENT', 'PAIRING_UNIT', 'CADRE_DONATION', 'SOCIAL_DONATION',
  'ENTERPRISE_INKIND', 'HOUSEHOLD_SELF_FUNDED', 'INTEREST_SUBSIDY', 'WORK_TEAM_FUNDING', 'SOCIAL_ASSISTANCE',
  'INSURANCE', 'ASSET_INCOME',
] as const;
export type FundSource = (typeof FUND_SOURCES)[number];

export const ISSUER_LEVELS = ['CENTRAL', 'PROVINCIAL', 'CITY', 'COUNTY', 'TOWNSHIP', 'VILLAGE', 'NON_GOV'] as const;
export type IssuerLevel = (typeof ISSUER_LEVELS)[number];

export type AllocationTarget =
  | { type: 'batch'; batchId: string; recipientUnitCode: string }
  | { type: 'project'; projectId: string };

/** What a batch is: the 下达 document line it came from and the origin it passes on to every child. */
export type BatchHeader = {
  batchId: string;
  parentBatchId: string | null;
  /** The parent's allocation that created this batch (null for a root appropriation). */
  allocationId: string | null;
  rootBatchId: string;
  rootDocumentNo: string;
  documentNo: string;
  title: string;
  source: FundSource;
  issuerLevel: IssuerLevel;
  recipientUnitCode: string;
  fiscalYear: number;
  purpose: string;
  countsTowardHouseholdShare: boolean;
  amountFen: string;
  effectiveDate: BusinessDate;
  /** The document's own lines, when it lists them (absent on batches recorded before lines were kept). */
  lineItems?: Array<{ label: string; amountFen: string }>;
};

// ---- events: plain data; fen as decimal strings; names never change ----
export type FundBatchIssued = { type: 'FundBatchIssued'; data: BatchHeader };
export type FundsAllocated = {
  type: 'FundsAllocated';
  data: { batchId: string; allocationId: string; target: AllocationTarget; amountFen: string; effectiveDate: BusinessDate; documentNo: string;
    rootBatchId: string; source: FundSource; fiscalYear: number; purpose: string };
};
export type AllocationFundsReturned = {
  type: 'AllocationFundsReturned';
  data: { batchId: string; allocationId: string; projectId: string; returnId: string; amountFen: string; reason: string; effectiveDate: BusinessDate };
};
export type FundsReturned = {
  type: 'FundsReturned';
  data: { batchId: string; returnId: string; amountFen: string; reason: string; effectiveDate: BusinessDate;
    toBatchId: string | null; allocationId: string | null };
};
export type ReturnReceived = {
  type: 'ReturnReceived';
  data: { batchId: string; returnId: string; fromBatchId: string; allocationId: string; amountFen: string; effectiveDate: BusinessDate };
};
export type PaymentRequestPayload = {
  paymentId: string;
  projectId: string;
  allocationId: string;
  batchId: string;
  /**
   * The account itself is personal data and stays out of the log: events carry a reference into
   * the personal-data vault and a masked form, so an erasure leaves the money trail whole.
   */
  payee: { type: string; id: string; name: string; accountRef: string; accountMasked: string };
  amountFen: string;
  purpose: string;
  installment: string;
  effectiveDate: BusinessDate;
  unitCode: string;
  requestedBy: string;
  /** A re-payment names the failed or reversed payment it pays again for. */
  replacesPaymentId?: string;
  /** The dated payment rule set the request was checked under (R-14), so an audit can tell which applied. */
  rules?: { effectiveFrom: string; advanceMaxPercent: number; publicityMinDays?: number };
};
export type FundsHeld = {
  type: 'FundsHeld';
  data: { batchId: string; allocationId: string; paymentId: string; amountFen: string; effectiveDate: BusinessDate; request: PaymentRequestPayload };
};
export type HoldPosted = {
  type: 'HoldPosted';
  data: { batchId: string; allocationId: string; paymentId: string; amountFen: string; effectiveDate: BusinessDate };
};
export type HoldReleased = {
  type: 'HoldReleased';
  data: { batchId: string; allocationId: string; paymentId: string; amountFen: string; reason: 'rejected' | 'failed'; effectiveDate: BusinessDate };
};
export type PaymentReversalCredited = {
  type: 'PaymentReversalCredited';
  data: { batchId: string; allocationId: string; paymentId: string; amountFen: string; effectiveDate: BusinessDate; documentNo: string; reason: string };
};
/**
 * balanceFen: what was left in the batch when it closed (unallocated). Closures since batch life
 * was completed dispose of the remainder in the same command, so it is 0 and `disposal` says how
 * (returned up, or carried over to the named batch); older closures have no disposal.
 */
export type FundBatchClosed = {
  type: 'FundBatchClosed';
  data: { batchId: string; balanceFen: string; effectiveDate: BusinessDate; disposal?: 'none' | 'returned' | 'carriedOver'; carriedOverTo?: string | null };
};
/** 撤销: a batch entered by mistake that moved no money; its amount goes back where it came from. */
export type FundBatchVoided = {
  type: 'FundBatchVoided';
  data: { batchId: string; amountFen: string; reason: string; effectiveDate: BusinessDate; replacedBy: string | null;
    toBatchId: string | null; allocationId: string | null };
};
/** On the parent of a voided child batch: the allocation that created the child is undone. */
export type AllocationVoided = {
  type: 'AllocationVoided';
  data: { batchId: string; allocationId: string; childBatchId: string; amountFen: string; reason: string; effectiveDate: BusinessDate };
};

export type FundBatchEvent =
  | FundBatchIssued | FundsAllocated | AllocationFundsReturned | FundsReturned | ReturnReceived
  | FundsHeld | HoldPosted | HoldReleased | PaymentReversalCredited | FundBatchClosed | FundBatchVoided | AllocationVoided;

// ---- state ----
export type HoldState = { allocationId: string; amount: Fen; status: 'held' | 'posted' | 'released' | 'reversed'; requestKey: string; installment: string };
export type AllocationLine = {
  allocationId: string;
  target: AllocationTarget;
  amount: Fen;
  key: string;
  /** Project lines only: unspent money sent back to the batch, and money held and paid. */
  returned: Fen;
  held: Fen;
  paid: Fen;
  /** Advances held or paid on this line (R-14 caps them), kept as a running total. */
  advances: Fen;
  /** The allocation's business date: nothing is drawn from or returned off the line before it. */
  effectiveDate: BusinessDate;
  /** A child batch's line undone when the child was voided: it no longer counts as allocated. */
  voided?: boolean;
};
export type OpenBatch = {
  status: 'open' | 'closed' | 'voided';
  header: BatchHeader;
  creationKey: string;
  amount: Fen;
  receivedBack: Fen;
  returnedUp: Fen;
  lines: IMap<string, AllocationLine>;
  holds: IMap<string, HoldState>;
  returns: IMap<string, string>;
  receipts: IMap<string, string>;
  /** The latest business date among the batch's events: it is closed on or after it, so no view shows it closed with money still moving. */
  lastMovedOn: BusinessDate;
  /** How it was closed or voided: the same command again is a no-op, another one is refused. */
  ended?: { on: BusinessDate; disposal?: FundBatchClosed['data']['disposal']; carriedOverTo?: string | null; reason?: string; replacedBy?: string | null };
};
export type FundBatchState = { status: 'none' } | OpenBatch;

/** A batch's figures in the glossary's terms (figures/figures.ts), from its own events. */
export function batchFigures(s: OpenBatch): BatchFigures {
  let allocated = 0n, committed = 0n, returnedFromProjects = 0n, held = 0n, paid = 0n;
  for (const line of s.lines.values()) {
    if (line.target.type === 'batch') allocated += line.voided ? 0n : line.amount;
    else {
      committed += line.amount;
      returnedFromProjects += line.returned;
      held += line.held;
      paid += line.paid;
    }
  }
  return batchFiguresOfMoves({ received: s.amount, allocated, committed, returnedFromBatches: s.receivedBack, returnedFromProjects, returned: s.returnedUp,
    held, paid });
}

export const lineAvailable = (l: AllocationLine): Fen => l.amount - l.returned - l.held - l.paid;

// ---- commands ----
export type FundBatchCommand =
  | { type: 'IssueBatch'; header: BatchHeader }
  | { type: 'Allocate'; allocationId: string; target: AllocationTarget; amount: Fen; effectiveDate: BusinessDate; documentNo: string }
  | { type: 'ReturnUnspent'; returnId: string; amount: Fen; reason: string; effectiveDate: BusinessDate; allocationId?: string }
  | { type: 'CreditReturn'; returnId: string; fromBatchId: string; allocationId: string; amount: Fen; effectiveDate: BusinessDate }
  | { type: 'Hold'; request: PaymentRequestPayload }
  | { type: 'PostHold'; paymentId: string; effectiveDate: BusinessDate }
  | { type: 'ReleaseHold'; paymentId: string; reason: 'rejected' | 'failed'; effectiveDate: BusinessDate }
  | { type: 'CreditReversal'; paymentId: string; effectiveDate: BusinessDate; documentNo: string; reason: string }
  | { type: 'CloseBatch'; effectiveDate: BusinessDate; disposal?: 'none' | 'returned' | 'carriedOver'; carriedOverTo?: string | null }
  | { type: 'VoidBatch'; reason: string; effectiveDate: BusinessDate; replacedBy: string | null }
  | { type: 'VoidAllocation'; allocationId: string; childBatchId: string; reason: string; effectiveDate: BusinessDate };

/** Idempotency keys compare payloads canonically: stored events come back from jsonb reordered. */
const keyOf = canonicalKey;

function requireOpen(state: FundBatchState, forWhat: string): OpenBatch {
  if (state.status === 'none') throw ruleBroken('batch_not_found', `the fund batch does not exist (${forWhat})`, 'batchId');
  return state;
}
function requireNotClosed(s: OpenBatch) {
  if (s.status === 'voided') throw ruleBroken('batch_voided', `fund batch ${s.header.batchId} was voided (撤销); nothing moves in or out of it`, 'batchId');
  if (s.status === 'closed') {
    throw ruleBroken('batch_closed', `fund batch ${s.header.batchId} is closed; no money may move out of it but what reached it after its closure, returned up`, 'batchId');
  }
}
/**
 * Money moving into or out of a closed batch (what reached it after its closure) is dated on or after
 * the closure, and money moving out also on or after the batch's last movement (the day the money
 * came): dated between, the batch's views as of those days would show it closed and holding money,
 * or holding less than nothing.
 */
function requireLateMovement(s: OpenBatch, date: BusinessDate, out: boolean) {
  const closedOn = s.ended?.on ?? s.lastMovedOn;
  if (date < closedOn) {
    throw ruleBroken('date_before_closure', `fund batch ${s.header.batchId} closed on ${closedOn}; money that reached it since moves on or after that day`, 'effectiveDate');
  }
  if (out) requireNotBeforeLastMovement(s, date, 'what reached it after its closure is returned on or after it');
}
/** Dated before a movement the batch records, an act on it would show in views as of the days between as not yet done. */
function requireNotBeforeLastMovement(s: OpenBatch, date: BusinessDate, rule: string) {
  if (date < s.lastMovedOn) {
    throw ruleBroken('date_before_last_movement', `effectiveDate ${date} is before the batch's last movement on ${s.lastMovedOn}; ${rule}`, 'effectiveDate');
  }
}
function requireNotBefore(s: OpenBatch, date: BusinessDate, field = 'effectiveDate') {
  if (date < s.header.effectiveDate) {
    throw ruleBroken('date_before_batch', `${field} ${date} is before the batch's effective date ${s.header.effectiveDate}`, field);
  }
}
const insufficient = (what: string, available: Fen, wanted: Fen) =>
  ruleBroken('insufficient_balance', `${what} has ${formatFen(available)} yuan available; ${formatFen(wanted)} requested`, 'amount');

function decide(c: FundBatchCommand, state: FundBatchState): FundBatchEvent[] {
  switch (c.type) {
    case 'IssueBatch': {
      const key = keyOf(c.header);
      if (state.status !== 'none') {
        if (state.creationKey === key) return [];
        throw conflict('id_reused_with_different_payload', `fund batch ${c.header.batchId} exists with different details`, 'batchId');
      }
      return [{ type: 'FundBatchIssued', data: c.header }];
    }
    case 'Allocate': {
      const s = requireOpen(state, 'allocate');
      const key = keyOf([c.target, c.amount.toString(), c.effectiveDate, c.documentNo]);
      const existing = s.lines.get(c.allocationId);
      if (existing) {
        if (existing.key === key) return [];
        throw conflict('id_reused_with_different_payload', `allocation ${c.allocationId} exists with different details`, 'allocationId');
      }
      requireNotClosed(s);
      requireNotBefore(s, c.effectiveDate);
      if (c.target.type === 'batch' && c.target.batchId === s.header.batchId) {
        throw invalid('allocation_to_itself', 'a batch cannot allocate to itself', 'target.batchId');
      }
      const { unallocated } = batchFigures(s);
      if (c.amount > unallocated) throw insufficient(`fund batch ${s.header.batchId}`, unallocated, c.amount);
      const h = s.header;
      return [{ type: 'FundsAllocated', data: { batchId: h.batchId, allocationId: c.allocationId, target: c.target, amountFen: fenToJson(c.amount),
        effectiveDate: c.effectiveDate, documentNo: c.documentNo, rootBatchId: h.rootBatchId, source: h.source, fiscalYear: h.fiscalYear, purpose: h.purpose } }];
    }
    case 'ReturnUnspent': {
      const s = requireOpen(state, 'return');
      const key = keyOf([c.amount.toString(), c.reason, c.effectiveDate, c.allocationId ?? null]);
      const seen = s.returns.get(c.returnId);
      if (seen !== undefined) {
        if (seen === key) return [];
        throw conflict('id_reused_with_different_payload', `return ${c.returnId} exists with different details`, 'returnId');
      }
      requireNotBefore(s, c.effectiveDate);
      if (c.allocationId !== undefined) {
        // 结余退回 from a project commitment to this batch's own balance.
        const line = s.lines.get(c.allocationId);
        if (!line) throw ruleBroken('allocation_not_found', `batch ${s.header.batchId} has no allocation ${c.allocationId}`, 'allocationId');
        if (line.target.type !== 'project') {
          throw ruleBroken('not_a_project_allocation', `allocation ${c.allocationId} went to a child batch: return from that batch instead`, 'allocationId');
        }
        if (c.effectiveDate < line.effectiveDate) {
          throw ruleBroken('date_before_allocation', `effectiveDate ${c.effectiveDate} is before allocation ${c.allocationId} was made (${line.effectiveDate})`, 'effectiveDate');
        }
        if (s.status === 'closed') requireLateMovement(s, c.effectiveDate, true);
        const available = lineAvailable(line);
        if (c.amount > available) throw insufficient(`allocation ${c.allocationId}`, available, c.amount);
        return [{ type: 'AllocationFundsReturned', data: { batchId: s.header.batchId, allocationId: c.allocationId, projectId: line.target.projectId,
          returnId: c.returnId, amountFen: fenToJson(c.amount), reason: c.reason, effectiveDate: c.effectiveDate } }];
      }
      if (s.status === 'closed') {
        // Money can still reach a closed batch: a transfer the bank sent back (退票), a child's return. Its closure left
        // nothing unallocated, so what is unallocated now came after it, and returning it up is all a closed batch may do.
        requireLateMovement(s, c.effectiveDate, true);
      } else {
        requireNotClosed(s);
      }
      const { unallocated } = batchFigures(s);
      if (c.amount > unallocated) throw insufficient(`fund batch ${s.header.batchId}`, unallocated, c.amount);
      return [{ type: 'FundsReturned', data: { batchId: s.header.batchId, returnId: c.returnId, amountFen: fenToJson(c.amount), reason: c.reason,
        effectiveDate: c.effectiveDate, toBatchId: s.header.parentBatchId, allocationId: s.header.allocationId } }];
    }
    case 'CreditReturn': {
      const s = requireOpen(state, 'credit a return');
      const key = keyOf([c.fromBatchId, c.allocationId, c.amount.toString(), c.effectiveDate]);
      const seen = s.receipts.get(c.returnId);
      if (seen !== undefined) {
        if (seen === key) return [];
        throw conflict('id_reused_with_different_payload', `return ${c.returnId} was credited with different details`, 'returnId');
      }
      const line = s.lines.get(c.allocationId);
      if (!line || line.target.type !== 'batch' || line.target.batchId !== c.fromBatchId) {
        throw ruleBroken('return_not_from_child', `batch ${c.fromBatchId} did not receive allocation ${c.allocationId} from ${s.header.batchId}`, 'allocationId');
      }
      // Into a closed batch, not before its closure: its books would show it closed and holding money on the days between.
      if (s.status === 'closed') requireLateMovement(s, c.effectiveDate, false);
      return [{ type: 'ReturnReceived', data: { batchId: s.header.batchId, returnId: c.returnId, fromBatchId: c.fromBatchId, allocationId: c.allocationId,
        amountFen: fenToJson(c.amount), effectiveDate: c.effectiveDate } }];
    }
    case 'Hold': {
      const s = requireOpen(state, 'hold');
      const r = c.request;
      const key = keyOf(r);
      const existing = s.holds.get(r.paymentId);
      if (existing) {
        if (existing.requestKey === key) return [];
        throw conflict('id_reused_with_different_payload', `payment ${r.paymentId} exists with different details`, 'paymentId');
      }
      requireNotClosed(s);
      requireNotBefore(s, r.effectiveDate);
      const line = s.lines.get(r.allocationId);
      if (!line || line.target.type !== 'project' || line.target.projectId !== r.projectId) {
        throw ruleBroken('allocation_not_for_project', `allocation ${r.allocationId} was not made to project ${r.projectId}`, 'allocationId');
      }
      if (r.effectiveDate < line.effectiveDate) {
        throw ruleBroken('date_before_allocation', `the payment is dated ${r.effectiveDate}, before allocation ${r.allocationId} was made (${line.effectiveDate})`, 'effectiveDate');
      }
      const amount = fenFromJson(r.amountFen);
      const available = lineAvailable(line);
      if (amount > available) throw insufficient(`allocation ${r.allocationId}`, available, amount);
      return [{ type: 'FundsHeld', data: { batchId: s.header.batchId, allocationId: r.allocationId, paymentId: r.paymentId, amountFen: r.amountFen,
        effectiveDate: r.effectiveDate, request: r } }];
    }
    case 'PostHold':
    case 'ReleaseHold':
    case 'CreditReversal': {
      const s = requireOpen(state, 'settle a hold');
      const hold = s.holds.get(c.paymentId);
      if (!hold) throw ruleBroken('hold_not_found', `batch ${s.header.batchId} holds nothing for payment ${c.paymentId}`, 'paymentId');
      const base = { batchId: s.header.batchId, allocationId: hold.allocationId, paymentId: c.paymentId, amountFen: fenToJson(hold.amount), effectiveDate: c.effectiveDate };
      if (c.type === 'PostHold') {
        if (hold.status === 'posted' || hold.status === 'reversed') return [];
        if (hold.status !== 'held') throw ruleBroken('hold_not_open', `the hold for payment ${c.paymentId} was ${hold.status}`, 'paymentId');
        return [{ type: 'HoldPosted', data: base }];
      }
      if (c.type === 'ReleaseHold') {
        if (hold.status === 'released') return [];
        if (hold.status !== 'held') throw ruleBroken('hold_not_open', `the hold for payment ${c.paymentId} was ${hold.status}`, 'paymentId');
        return [{ type: 'HoldReleased', data: { ...base, reason: c.reason } }];
      }
      if (hold.status === 'reversed') return [];
      if (hold.status !== 'posted') throw ruleBroken('payment_not_executed', `payment ${c.paymentId} was never paid out`, 'paymentId');
      return [{ type: 'PaymentReversalCredited', data: { ...base, documentNo: c.documentNo, reason: c.reason } }];
    }
    case 'CloseBatch': {
      const s = requireOpen(state, 'close');
      if (s.status === 'closed') return [];
      requireNotClosed(s);
      requireNotBefore(s, c.effectiveDate);
      // Dated before a movement it records, the batch would show closed on days money still moved through it (and a negative balance).
      requireNotBeforeLastMovement(s, c.effectiveDate, 'a batch is closed on or after it');
      const f = batchFigures(s);
      if (f.held > 0n) throw ruleBroken('holds_outstanding', `batch ${s.header.batchId} still holds ${formatFen(f.held)} yuan for payments in flight`, 'batchId');
      // Closing must not strand money: whatever is left is returned or carried over by the same command (decideClosure).
      if (f.balance > 0n) {
        throw ruleBroken('remainder_not_disposed', `batch ${s.header.batchId} still has ${formatFen(f.balance)} yuan (unallocated ${formatFen(f.unallocated)}, `
          + `available on projects ${formatFen(f.available)}); close it with remainder "return" or "carryOver"`, 'remainder');
      }
      return [{ type: 'FundBatchClosed', data: { batchId: s.header.batchId, balanceFen: fenToJson(f.unallocated), effectiveDate: c.effectiveDate,
        disposal: c.disposal ?? 'none', carriedOverTo: c.carriedOverTo ?? null } }];
    }
    case 'VoidBatch': {
      const s = requireOpen(state, 'void');
      if (s.status === 'voided') {
        const v = s.ended;
        if (v && v.on === c.effectiveDate && v.reason === c.reason && (v.replacedBy ?? null) === (c.replacedBy ?? null)) return [];
        const was = `${v?.on} (${v?.reason}${v?.replacedBy ? `, replaced by ${v.replacedBy}` : ''})`;
        throw ruleBroken('batch_voided', `fund batch ${s.header.batchId} was voided on ${was}; a void is not recorded again with other details`, 'batchId');
      }
      requireNotClosed(s);
      requireNotBefore(s, c.effectiveDate);
      // Only a batch that moved no money can be voided: otherwise its history is real and is corrected by returns.
      if (s.lines.size > 0 || s.holds.size > 0 || s.returns.size > 0 || s.receipts.size > 0) {
        throw ruleBroken('batch_has_moved_money', `fund batch ${s.header.batchId} has already allocated, held or returned money; return what is left instead of voiding it`, 'batchId');
      }
      if (c.replacedBy === s.header.batchId) throw invalid('replaced_by_itself', 'a batch cannot replace itself', 'replacedBy');
      return [{ type: 'FundBatchVoided', data: { batchId: s.header.batchId, amountFen: fenToJson(s.amount), reason: c.reason, effectiveDate: c.effectiveDate,
        replacedBy: c.replacedBy, toBatchId: s.header.parentBatchId, allocationId: s.header.allocationId } }];
    }
    case 'VoidAllocation': {
      const s = requireOpen(state, 'void an allocation');
      const line = s.lines.get(c.allocationId);
      if (!line || line.target.type !== 'batch' || line.target.batchId !== c.childBatchId) {
        throw ruleBroken('return_not_from_child', `batch ${c.childBatchId} did not receive allocation ${c.allocationId} from ${s.header.batchId}`, 'allocationId');
      }
      if (line.voided) return [];
      // The money comes back to a batch that can still pass it on.
      requireNotClosed(s);
      return [{ type: 'AllocationVoided', data: { batchId: s.header.batchId, allocationId: c.allocationId, childBatchId: c.childBatchId,
        amountFen: fenToJson(line.amount), reason: c.reason, effectiveDate: c.effectiveDate } }];
    }
  }
}

function evolve(state: FundBatchState, e: FundBatchEvent): FundBatchState {
  const next = evolveFigures(state, e);
  if (next.status === 'none') return next;
  const date = (e.data as { effectiveDate?: unknown }).effectiveDate;
  return typeof date === 'string' && date > next.lastMovedOn ? { ...next, lastMovedOn: date } : next;
}

function evolveFigures(state: FundBatchState, e: FundBatchEvent): FundBatchState {
  if (e.type === 'FundBatchIssued') {
    return { status: 'open', header: e.data, creationKey: keyOf(e.data), amount: fenFromJson(e.data.amountFen), receivedBack: 0n, returnedUp: 0n,
      lines: IMap(), holds: IMap(), returns: IMap(), receipts: IMap(), lastMovedOn: e.data.effectiveDate };
  }
  if (state.status === 'none') return state;
  const s = state;
  const updateLine = (id: string, f: (l: AllocationLine) => AllocationLine) => s.lines.update(id, (l) => f(l!));
  switch (e.type) {
    case 'FundsAllocated': {
      const d = e.data;
      const line: AllocationLine = { allocationId: d.allocationId, target: d.target, amount: fenFromJson(d.amountFen),
        key: keyOf([d.target, d.amountFen, d.effectiveDate, d.documentNo]), returned: 0n, held: 0n, paid: 0n, advances: 0n, effectiveDate: d.effectiveDate };
      return { ...s, lines: s.lines.set(d.allocationId, line) };
    }
    case 'AllocationFundsReturned': {
      const amount = fenFromJson(e.data.amountFen);
      return { ...s, lines: updateLine(e.data.allocationId, (l) => ({ ...l, returned: l.returned + amount })),
        returns: s.returns.set(e.data.returnId, keyOf([e.data.amountFen, e.data.reason, e.data.effectiveDate, e.data.allocationId])) };
    }
    case 'FundsReturned':
      return { ...s, returnedUp: s.returnedUp + fenFromJson(e.data.amountFen),
        returns: s.returns.set(e.data.returnId, keyOf([e.data.amountFen, e.data.reason, e.data.effectiveDate, null])) };
    case 'ReturnReceived':
      return { ...s, receivedBack: s.receivedBack + fenFromJson(e.data.amountFen),
        receipts: s.receipts.set(e.data.returnId, keyOf([e.data.fromBatchId, e.data.allocationId, e.data.amountFen, e.data.effectiveDate])) };
    case 'FundsHeld': {
      const amount = fenFromJson(e.data.amountFen);
      const advance = e.data.request.installment === 'advance' ? amount : 0n;
      return { ...s, lines: updateLine(e.data.allocationId, (l) => ({ ...l, held: l.held + amount, advances: l.advances + advance })),
        holds: s.holds.set(e.data.paymentId, { allocationId: e.data.allocationId, amount, status: 'held', requestKey: keyOf(e.data.request), installment: e.data.request.installment }) };
    }
    case 'HoldPosted':
    case 'HoldReleased':
    case 'PaymentReversalCredited': {
      const amount = fenFromJson(e.data.amountFen);
      const status = e.type === 'HoldPosted' ? 'posted' : e.type === 'HoldReleased' ? 'released' : 'reversed';
      // A released or reversed advance no longer counts against the advance cap.
      const advance = s.holds.get(e.data.paymentId)?.installment === 'advance' && e.type !== 'HoldPosted' ? amount : 0n;
      const lines = updateLine(e.data.allocationId, (l) =>
        e.type === 'HoldPosted' ? { ...l, held: l.held - amount, paid: l.paid + amount }
        : e.type === 'HoldReleased' ? { ...l, held: l.held - amount, advances: l.advances - advance }
        : { ...l, paid: l.paid - amount, advances: l.advances - advance });
      return { ...s, lines, holds: s.holds.update(e.data.paymentId, (h) => ({ ...h!, status })) };
    }
    case 'FundBatchClosed':
      return { ...s, status: 'closed', ended: { on: e.data.effectiveDate, disposal: e.data.disposal ?? 'none', carriedOverTo: e.data.carriedOverTo ?? null } };
    case 'FundBatchVoided':
      // Nothing was received, after all: the amount went back where it came from.
      return { ...s, status: 'voided', amount: 0n, ended: { on: e.data.effectiveDate, reason: e.data.reason, replacedBy: e.data.replacedBy } };
    case 'AllocationVoided':
      return { ...s, lines: updateLine(e.data.allocationId, (l) => ({ ...l, voided: true })) };
  }
}

export const fundBatchDecider: Decider<FundBatchState, FundBatchCommand, FundBatchEvent> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};
