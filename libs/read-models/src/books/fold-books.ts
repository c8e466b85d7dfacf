import { canonicalKey, fenFromJson, isMigrated, type Fen } from '@yuantrace/domain';

/**
 * An independent fold of the event log into double-entry books, and the cross-stream checks
 * that only the whole log can answer.
 *
 * It reads raw events and nothing else: not the postings projection, not the fund-batch
 * decider. Verify compares its balances with the postings table, so a bug in either side of
 * the comparison shows up as a defect instead of being copied into both.
 *
 * Accounts (the same names the postings table uses, so the two can be compared):
 *   external                      outside the ledger: an issuer's budget, a treasury taking money back
 *   batch:<batchId>               a batch's free balance
 *   line:<batchId>:<allocationId> committed to a project and neither held nor paid
 *   hold:<batchId>:<allocationId> held for requested payments
 *   payee:<type>:<id>             paid out
 * A balance is what came into the account minus what left it.
 */

export type BookEvent = { readonly id: string; readonly streamId: string; readonly type: string; readonly data: Record<string, unknown>;
  readonly metadata?: Record<string, unknown> };
/** Payments migrated from the old system (appended with this metadata source) never held money in a batch of this ledger. */
export type BookLeg = { from: string; to: string; amount: Fen; rootBatchId: string };

export const DEFECT_CODES = [
  // double entry: the books against the fold
  'event_legs_mismatch', 'account_mismatch', 'root_unbalanced', 'negative_account', 'malformed_event',
  // cross-stream consistency
  'orphan_allocation', 'orphan_hold', 'payment_without_hold', 'hold_state_mismatch', 'overspent_allocation', 'negative_balance',
  'budget_exceeded', 'advance_cap_exceeded', 'conflicting_decisions',
] as const;
export type DefectCode = (typeof DEFECT_CODES)[number];
export type BookDefect = { code: DefectCode; subject: string; message: string };

const OUTSIDE = (account: string) => account === 'external' || account.startsWith('payee:');

type Issue = { batchId: string; parentBatchId: string | null; allocationId: string | null; amount: Fen; rootBatchId: string; eventId: string };
type Allocation = { batchId: string; allocationId: string; target: { type: string; batchId?: string; projectId?: string }; amount: Fen; rootBatchId: string };
type Commitment = { projectId: string; allocationId: string; batchId: string; amount: Fen };
type HoldStatus = 'held' | 'posted' | 'released' | 'reversed';
type Hold = { batchId: string; allocationId: string; paymentId: string; amount: Fen; requestKey: string; installment: string; projectId: string; payee: string; status: HoldStatus };
type PaymentStatus = 'requested' | 'approved' | 'rejected' | 'executed' | 'failed' | 'reversed';
type Payment = { paymentId: string; requestKey: string | null; batchId: string | null; status: PaymentStatus | null; approvals: number; rejections: number; settlements: number;
  legacy?: boolean };
type Claims = { claimed: Fen; peakClaimed: Fen; advances: Fen; peakEvent: string; /** per advance percent in force, the most ever advanced under it */ advancePeaks: Map<number, Fen> };

/** Which hold status each payment status goes with: the hold and the payment are written in one append. */
const HOLD_FOR: Record<PaymentStatus, HoldStatus> = {
  requested: 'held', approved: 'held', executed: 'posted', rejected: 'released', failed: 'released', reversed: 'reversed',
};

/** What a request is, for matching a batch's hold with its payment: the fields both sides must agree on. */
function requestKey(r: Record<string, any> | undefined): string | null {
  if (!r || typeof r !== 'object') return null;
  return canonicalKey([r.projectId, r.allocationId, r.batchId, r.amountFen, r.payee ?? null]);
}

export class BooksFold {
  /** Every account's balance after the events applied so far. */
  readonly balances = new Map<string, Fen>();
  private readonly defects: BookDefect[] = [];
  /** Money that came from or went outside (issuer, payees), per account: the rest of a balance moved inside the ledger. */
  private readonly boundary = new Map<string, Fen>();
  /** The first time each account went below zero, and its lowest balance. */
  private readonly negatives = new Map<string, { eventId: string; eventType: string; lowest: Fen }>();
  private readonly issues = new Map<string, Issue>(); // by stream
  private readonly allocations = new Map<string, Allocation>(); // batchId|allocationId
  private readonly allocationRoots = new Map<string, string>(); // child batch → the root its parent's allocation carried
  private readonly commitments = new Map<string, Commitment>(); // project stream|allocationId
  private readonly budgets = new Map<string, Fen>();
  private readonly holds = new Map<string, Hold>(); // batchId|paymentId
  private readonly holdsByPayment = new Map<string, string[]>();
  private readonly payments = new Map<string, Payment>(); // by stream
  private readonly claims = new Map<string, Claims>();

  /** Folds one event (events must come in global order) and returns the money legs it moves. */
  apply(e: BookEvent): BookLeg[] {
    try {
      return this.fold(e);
    } catch (err) {
      this.defects.push({ code: 'malformed_event', subject: `event:${e.id.toLowerCase()}`, message: `${e.type} on ${e.streamId} cannot be read: ${(err as Error).message}` });
      return [];
    }
  }

  private fold(e: BookEvent): BookLeg[] {
    const x = e.data as Record<string, any>;
    switch (e.type) {
      case 'FundBatchIssued': {
        const issue: Issue = { batchId: x.batchId, parentBatchId: x.parentBatchId ?? null, allocationId: x.allocationId ?? null, amount: fenFromJson(x.amountFen),
          rootBatchId: x.rootBatchId, eventId: e.id };
        if (!this.issues.has(e.streamId)) this.issues.set(e.streamId, issue);
        // A child batch's money arrived with its parent's allocation; only a root appropriation brings money in.
        return issue.parentBatchId ? [] : this.move(e, 'external', `batch:${x.batchId}`, issue.amount, x.rootBatchId);
      }
      case 'FundsAllocated': {
        const amount = fenFromJson(x.amountFen);
        const target = x.target ?? {};
        this.allocations.set(`${x.batchId}|${x.allocationId}`, { batchId: x.batchId, allocationId: x.allocationId, target, amount, rootBatchId: x.rootBatchId });
        if (target.type === 'batch') {
          this.allocationRoots.set(target.batchId, x.rootBatchId);
          return this.move(e, `batch:${x.batchId}`, `batch:${target.batchId}`, amount, x.rootBatchId);
        }
        return this.move(e, `batch:${x.batchId}`, `line:${x.batchId}:${x.allocationId}`, amount, x.rootBatchId);
      }
      case 'AllocationFundsReturned':
        return this.move(e, `line:${x.batchId}:${x.allocationId}`, `batch:${x.batchId}`, fenFromJson(x.amountFen), this.rootOf(x.batchId));
      case 'FundsReturned':
        return this.move(e, `batch:${x.batchId}`, x.toBatchId ? `batch:${x.toBatchId}` : 'external', fenFromJson(x.amountFen), this.rootOf(x.batchId));
      case 'FundBatchVoided':
        // A root's void sends its amount back to the issuer; a child's moves with its parent's AllocationVoided.
        return x.toBatchId ? [] : this.move(e, `batch:${x.batchId}`, 'external', fenFromJson(x.amountFen), this.rootOf(x.batchId));
      case 'AllocationVoided':
        return this.move(e, `batch:${x.childBatchId}`, `batch:${x.batchId}`, fenFromJson(x.amountFen), this.rootOf(x.batchId));
      case 'FundsHeld': {
        const amount = fenFromJson(x.amountFen);
        const r = (x.request ?? {}) as Record<string, any>;
        const line = this.allocations.get(`${x.batchId}|${x.allocationId}`);
        const hold: Hold = { batchId: x.batchId, allocationId: x.allocationId, paymentId: x.paymentId, amount, requestKey: requestKey(r) ?? '',
          installment: String(r.installment ?? ''), projectId: line?.target.projectId ?? r.projectId, payee: `payee:${r.payee?.type}:${r.payee?.id}`, status: 'held' };
        const key = `${x.batchId}|${x.paymentId}`;
        if (!this.holds.has(key)) {
          this.holds.set(key, hold);
          this.holdsByPayment.set(x.paymentId, [...(this.holdsByPayment.get(x.paymentId) ?? []), key]);
        }
        this.claim(e, hold, amount, typeof r.rules?.advanceMaxPercent === 'number' ? r.rules.advanceMaxPercent : null);
        return this.move(e, `line:${x.batchId}:${x.allocationId}`, `hold:${x.batchId}:${x.allocationId}`, amount, this.rootOf(x.batchId));
      }
      case 'HoldPosted':
      case 'HoldReleased':
      case 'PaymentReversalCredited': {
        const amount = fenFromJson(x.amountFen);
        const hold = this.holds.get(`${x.batchId}|${x.paymentId}`);
        const line = `line:${x.batchId}:${x.allocationId}`, held = `hold:${x.batchId}:${x.allocationId}`;
        // Without its hold the payee is unknown; the leg still moves so the balances show it.
        const payee = hold?.payee ?? `payee:?:${x.paymentId}`;
        if (hold) {
          hold.status = e.type === 'HoldPosted' ? 'posted' : e.type === 'HoldReleased' ? 'released' : 'reversed';
          // Posting moves a claim from held to paid; releasing or reversing gives it back.
          if (e.type !== 'HoldPosted') this.claim(e, hold, -amount, null);
        }
        const root = this.rootOf(x.batchId);
        if (e.type === 'HoldPosted') return this.move(e, held, payee, amount, root);
        if (e.type === 'HoldReleased') return this.move(e, held, line, amount, root);
        return this.move(e, payee, line, amount, root);
      }
      case 'ProjectProposed':
        if (!this.budgets.has(x.projectId)) this.budgets.set(x.projectId, fenFromJson(x.budgetFen));
        return [];
      case 'ProjectFundsCommitted':
        this.commitments.set(`${e.streamId}|${x.allocationId}`, { projectId: x.projectId, allocationId: x.allocationId, batchId: x.batchId, amount: fenFromJson(x.amountFen) });
        return [];
      case 'PaymentRequested':
      case 'PaymentApproved':
      case 'PaymentRejected':
      case 'PaymentExecuted':
      case 'PaymentFailed':
      case 'PaymentReversed': {
        let p = this.payments.get(e.streamId);
        if (!p) {
          p = { paymentId: x.paymentId, requestKey: null, batchId: null, status: null, approvals: 0, rejections: 0, settlements: 0 };
          this.payments.set(e.streamId, p);
        }
        if (e.type === 'PaymentRequested') {
          p.requestKey = requestKey(x);
          p.batchId = x.batchId;
          p.legacy = isMigrated(e.metadata);
          p.status = 'requested';
        } else if (e.type === 'PaymentApproved') {
          p.approvals++;
          p.status = 'approved';
        } else if (e.type === 'PaymentRejected') {
          p.rejections++;
          p.status = 'rejected';
        } else if (e.type === 'PaymentExecuted' || e.type === 'PaymentFailed') {
          p.settlements++;
          p.status = e.type === 'PaymentExecuted' ? 'executed' : 'failed';
        } else {
          p.status = 'reversed';
        }
        return [];
      }
      default:
        // ReturnReceived (the parent's side of a FundsReturned), closings, milestones, claims on the
        // project stream and everything else move no money of their own.
        return [];
    }
  }

  /** One leg: money leaves `from` and enters `to`. Balanced by construction; what is checked is where it lands. */
  private move(e: BookEvent, from: string, to: string, amount: Fen, rootBatchId: string): BookLeg[] {
    if (amount <= 0n) throw new Error(`amountFen must be positive, not ${amount}`);
    const fromBalance = (this.balances.get(from) ?? 0n) - amount;
    this.balances.set(from, fromBalance);
    this.balances.set(to, (this.balances.get(to) ?? 0n) + amount);
    if (OUTSIDE(from) && !OUTSIDE(to)) this.boundary.set(to, (this.boundary.get(to) ?? 0n) + amount);
    if (OUTSIDE(to) && !OUTSIDE(from)) this.boundary.set(from, (this.boundary.get(from) ?? 0n) - amount);
    if (fromBalance < 0n && !OUTSIDE(from)) {
      const seen = this.negatives.get(from);
      if (!seen) this.negatives.set(from, { eventId: e.id.toLowerCase(), eventType: e.type, lowest: fromBalance });
      else if (fromBalance < seen.lowest) seen.lowest = fromBalance;
    }
    return [{ from, to, amount, rootBatchId }];
  }

  /** Held plus paid against the hold's project, and advances among them; peaks kept for the checks at the end. */
  private claim(e: BookEvent, hold: Hold, delta: Fen, advancePercent: number | null) {
    if (!hold.projectId) return;
    let c = this.claims.get(hold.projectId);
    if (!c) {
      c = { claimed: 0n, peakClaimed: 0n, advances: 0n, peakEvent: '', advancePeaks: new Map() };
      this.claims.set(hold.projectId, c);
    }
    c.claimed += delta;
    if (c.claimed > c.peakClaimed) {
      c.peakClaimed = c.claimed;
      c.peakEvent = e.id.toLowerCase();
    }
    if (hold.installment !== 'advance') return;
    c.advances += delta;
    // The cap is the one the request was checked under; a request that names none is not judged.
    if (delta > 0n && advancePercent !== null && c.advances > (c.advancePeaks.get(advancePercent) ?? 0n)) c.advancePeaks.set(advancePercent, c.advances);
  }

  private rootOf(batchId: string): string {
    return this.issues.get(`fundbatch-${batchId}`)?.rootBatchId ?? this.allocationRoots.get(batchId) ?? '?';
  }

  private accountRoot(account: string): string | null {
    const [kind, batchId] = account.split(':');
    return kind === 'batch' || kind === 'line' || kind === 'hold' ? this.rootOf(batchId) : null;
  }

  /** The defects only the whole log can show. Call once, after the last event. */
  finish(): BookDefect[] {
    const out = [...this.defects];
    const add = (code: DefectCode, subject: string, message: string) => out.push({ code, subject, message });

    // No account but the outside ones may ever go below zero, in log order.
    for (const [account, n] of this.negatives) {
      const code: DefectCode = account.startsWith('batch:') ? 'negative_balance' : account.startsWith('line:') ? 'overspent_allocation' : 'negative_account';
      const what = code === 'overspent_allocation' ? 'held and paid beyond what the allocation committed net of returns' : 'went below zero';
      add(code, account, `${account} ${what}: first at ${n.eventType} ${n.eventId}, lowest ${n.lowest} fen`);
    }

    // Per root appropriation: what came in from outside less what went out equals what it still holds.
    // A leg between two appropriations' accounts (an allocation into a batch of another origin) breaks it.
    const drift = new Map<string, Fen>();
    for (const [account, balance] of this.balances) {
      const root = this.accountRoot(account);
      if (root === null) continue;
      drift.set(root, (drift.get(root) ?? 0n) + balance - (this.boundary.get(account) ?? 0n));
    }
    for (const [root, d] of drift) {
      if (d !== 0n) add('root_unbalanced', `root:${root}`, `appropriation ${root} holds ${d} fen ${d > 0n ? 'more' : 'less'} than came in from its issuer and payees less what went out: money crossed to or from another appropriation`);
    }

    // Each allocation has its other half: the child batch issued from it, or the project's commitment.
    const matchedIssues = new Set<string>();
    const matchedCommitments = new Set<string>();
    for (const a of this.allocations.values()) {
      const subject = `allocation:${a.batchId}:${a.allocationId}`;
      if (a.target.type === 'batch') {
        const stream = `fundbatch-${a.target.batchId}`;
        const child = this.issues.get(stream);
        if (child && child.parentBatchId === a.batchId && child.allocationId === a.allocationId && child.amount === a.amount) matchedIssues.add(stream);
        else add('orphan_allocation', subject, child
          ? `${a.amount} fen allocated to batch ${a.target.batchId}, which was issued from ${child.parentBatchId}/${child.allocationId} for ${child.amount} fen`
          : `${a.amount} fen allocated to batch ${a.target.batchId}, which was never issued`);
      } else {
        const key = `project-${a.target.projectId}|${a.allocationId}`;
        const c = this.commitments.get(key);
        if (c && c.batchId === a.batchId && c.amount === a.amount) matchedCommitments.add(key);
        else add('orphan_allocation', subject, c
          ? `${a.amount} fen committed to project ${a.target.projectId}, whose stream records ${c.amount} fen from batch ${c.batchId}`
          : `${a.amount} fen committed to project ${a.target.projectId}, whose stream does not record it`);
      }
    }
    for (const [stream, i] of this.issues) {
      if (i.parentBatchId && !matchedIssues.has(stream)) {
        add('orphan_allocation', `allocation:${i.parentBatchId}:${i.allocationId}`, `batch ${i.batchId} was issued for ${i.amount} fen from ${i.parentBatchId}/${i.allocationId}, which made no such allocation`);
      }
    }
    for (const [key, c] of this.commitments) {
      if (!matchedCommitments.has(key)) {
        add('orphan_allocation', `allocation:${c.batchId}:${c.allocationId}`, `project ${c.projectId} records ${c.amount} fen from batch ${c.batchId}, which made no such allocation`);
      }
    }

    // Each hold has its payment request and each request its hold, with the same request and matching states.
    const paymentByStream = (paymentId: string) => this.payments.get(`payment-${paymentId}`);
    for (const h of this.holds.values()) {
      const p = paymentByStream(h.paymentId);
      if (!p || p.requestKey !== h.requestKey) {
        add('orphan_hold', `payment:${h.paymentId}`, p?.requestKey
          ? `batch ${h.batchId} holds ${h.amount} fen for payment ${h.paymentId}, whose request differs`
          : `batch ${h.batchId} holds ${h.amount} fen for payment ${h.paymentId}, which was never requested`);
      }
    }
    for (const p of this.payments.values()) {
      const subject = `payment:${p.paymentId}`;
      const decisions = p.approvals + p.rejections;
      const conflicting = (p.approvals > 0 && p.rejections > 0) || decisions > 1 || p.settlements > 1;
      if (conflicting) {
        add('conflicting_decisions', subject, `payment ${p.paymentId} was approved ${p.approvals}, rejected ${p.rejections} and settled ${p.settlements} times; one of each at most`);
      }
      if (p.requestKey === null || p.status === null) continue;
      const hold = p.batchId ? this.holds.get(`${p.batchId}|${p.paymentId}`) : undefined;
      if (!hold && p.legacy) continue;
      if (!hold || hold.requestKey !== p.requestKey) {
        add('payment_without_hold', subject, hold
          ? `payment ${p.paymentId} was requested, but batch ${p.batchId} holds money for a different request`
          : `payment ${p.paymentId} was requested, but batch ${p.batchId} holds nothing for it`);
        continue;
      }
      // With conflicting decisions there is no one status to compare; that defect is already named.
      if (!conflicting && HOLD_FOR[p.status] !== hold.status) {
        add('hold_state_mismatch', subject, `payment ${p.paymentId} is ${p.status} but its hold on batch ${hold.batchId} is ${hold.status}`);
      }
    }

    // A project's payments stay within its budget, and its advances within the share its rules allowed.
    for (const [projectId, c] of this.claims) {
      const budget = this.budgets.get(projectId);
      if (budget === undefined) continue;
      if (c.peakClaimed > budget) {
        add('budget_exceeded', `project:${projectId}`, `held and paid reached ${c.peakClaimed} fen (at ${c.peakEvent}), beyond the budget of ${budget} fen`);
      }
      for (const [percent, advanced] of c.advancePeaks) {
        const cap = (budget * BigInt(percent)) / 100n;
        if (advanced > cap) {
          add('advance_cap_exceeded', `project:${projectId}`, `advances held or paid reached ${advanced} fen, beyond ${percent}% of the budget (${cap} fen)`);
          break;
        }
      }
    }
    return out;
  }
}

/** The whole fold over a list of events: legs per event, final balances and defects. */
export function foldBooks(events: readonly BookEvent[]): { legs: Map<string, BookLeg[]>; balances: Map<string, Fen>; defects: BookDefect[] } {
  const fold = new BooksFold();
  const legs = new Map<string, BookLeg[]>();
  for (const e of events) {
    const l = fold.apply(e);
    if (l.length) legs.set(e.id.toLowerCase(), l);
  }
  return { legs, balances: fold.balances, defects: fold.finish() };
}
