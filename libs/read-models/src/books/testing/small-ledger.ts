/**
 * A small, correct ledger written as raw events, for the books checks' tests: one root
 * appropriation, a child batch, a project funded from it, and payments in every state (paid,
 * rejected, reversed advance, pending), returns down and up. The tests add one broken event at a
 * time to it; the figures in the comments are what the correct books hold.
 */
export type LedgerEvent = { stream: string; type: string; data: Record<string, unknown> };

export const ROOT = 'R1';
export const CHILD = 'C1';
export const PROJECT = 'P1';
export const LINE = 'L1';
const COUNTY = '990101000000';
const TOWNSHIP = '990101001000';
const VILLAGE = '990101001002';
const DATE = '2016-04-01';
export const PAYEE = { type: 'contractor', id: 'K1', name: 'Road builders', accountRef: 'vault:k1', accountMasked: '6222********1234' };

const header = (batchId: string, amountFen: bigint, parent: { batchId: string; allocationId: string } | null, unit: string, rootBatchId = ROOT) => ({
  batchId, parentBatchId: parent?.batchId ?? null, allocationId: parent?.allocationId ?? null, rootBatchId, rootDocumentNo: `DOC-${rootBatchId}`,
  documentNo: `DOC-${batchId}`, title: `batch ${batchId}`, source: 'CENTRAL_SPECIAL_POVERTY', issuerLevel: parent ? 'COUNTY' : 'CENTRAL', recipientUnitCode: unit,
  fiscalYear: 2016, purpose: 'roads', countsTowardHouseholdShare: false, amountFen: amountFen.toString(), effectiveDate: '2016-03-01',
});

export function issueRoot(batchId: string, amountFen: bigint): LedgerEvent {
  return { stream: `fundbatch-${batchId}`, type: 'FundBatchIssued', data: header(batchId, amountFen, null, COUNTY, batchId) };
}

const allocated = (batchId: string, allocationId: string, target: Record<string, unknown>, amountFen: bigint, rootBatchId = ROOT): LedgerEvent => ({
  stream: `fundbatch-${batchId}`, type: 'FundsAllocated',
  data: { batchId, allocationId, target, amountFen: amountFen.toString(), effectiveDate: '2016-03-10', documentNo: `ALLOC-${allocationId}`,
    rootBatchId, source: 'CENTRAL_SPECIAL_POVERTY', fiscalYear: 2016, purpose: 'roads' },
});

/** The parent's allocation; the child's issue is the other half, in the same append. */
export const allocationToBatch = (parent: string, allocationId: string, child: string, amountFen: bigint) =>
  allocated(parent, allocationId, { type: 'batch', batchId: child, recipientUnitCode: TOWNSHIP }, amountFen);
export const childIssued = (parent: string, allocationId: string, child: string, amountFen: bigint): LedgerEvent =>
  ({ stream: `fundbatch-${child}`, type: 'FundBatchIssued', data: header(child, amountFen, { batchId: parent, allocationId }, TOWNSHIP) });

export const allocationToProject = (batchId: string, allocationId: string, projectId: string, amountFen: bigint) =>
  allocated(batchId, allocationId, { type: 'project', projectId }, amountFen);
export const projectCommitted = (batchId: string, allocationId: string, projectId: string, amountFen: bigint): LedgerEvent => ({
  stream: `project-${projectId}`, type: 'ProjectFundsCommitted',
  data: { projectId, allocationId, batchId, rootBatchId: ROOT, source: 'CENTRAL_SPECIAL_POVERTY', amountFen: amountFen.toString(), effectiveDate: '2016-03-10' },
});

export const projectProposed = (projectId: string, budgetFen: bigint): LedgerEvent => ({
  stream: `project-${projectId}`, type: 'ProjectProposed',
  data: { projectId, name: 'Village road', type: 'ROAD', unitCode: VILLAGE, implementer: 'township', budgetFen: budgetFen.toString(),
    plannedStart: '2016-03-01', plannedEnd: '2016-12-31' },
});

export type PaymentSpec = { paymentId: string; amountFen: bigint; installment?: string; batchId?: string; allocationId?: string; projectId?: string; advanceMaxPercent?: number };

export function paymentRequest(p: PaymentSpec) {
  return {
    paymentId: p.paymentId, projectId: p.projectId ?? PROJECT, allocationId: p.allocationId ?? LINE, batchId: p.batchId ?? CHILD, payee: PAYEE,
    amountFen: p.amountFen.toString(), purpose: 'road works', installment: p.installment ?? 'progress', effectiveDate: DATE, unitCode: VILLAGE,
    requestedBy: 'clerk-1', rules: { effectiveFrom: '2000-01-01', advanceMaxPercent: p.advanceMaxPercent ?? 30 },
  };
}

const holdRef = (p: PaymentSpec) => ({ batchId: p.batchId ?? CHILD, allocationId: p.allocationId ?? LINE, paymentId: p.paymentId, amountFen: p.amountFen.toString() });

export const held = (p: PaymentSpec): LedgerEvent => {
  const request = paymentRequest(p);
  return { stream: `fundbatch-${request.batchId}`, type: 'FundsHeld', data: { ...holdRef(p), effectiveDate: DATE, request } };
};
export const requested = (p: PaymentSpec): LedgerEvent => ({ stream: `payment-${p.paymentId}`, type: 'PaymentRequested', data: paymentRequest(p) });
export const approved = (p: PaymentSpec): LedgerEvent =>
  ({ stream: `payment-${p.paymentId}`, type: 'PaymentApproved', data: { paymentId: p.paymentId, approvedBy: 'head-1', comment: 'ok' } });
export const rejected = (p: PaymentSpec): LedgerEvent =>
  ({ stream: `payment-${p.paymentId}`, type: 'PaymentRejected', data: { paymentId: p.paymentId, rejectedBy: 'head-1', comment: 'no' } });
export const executed = (p: PaymentSpec): LedgerEvent => ({ stream: `payment-${p.paymentId}`, type: 'PaymentExecuted',
  data: { paymentId: p.paymentId, channel: 'bank_transfer', bankReference: `BANK-${p.paymentId}`, effectiveDate: '2016-04-05', amountFen: p.amountFen.toString() } });
export const failed = (p: PaymentSpec): LedgerEvent => ({ stream: `payment-${p.paymentId}`, type: 'PaymentFailed',
  data: { paymentId: p.paymentId, reason: 'account closed', effectiveDate: '2016-04-05', amountFen: p.amountFen.toString() } });
export const posted = (p: PaymentSpec): LedgerEvent =>
  ({ stream: `fundbatch-${p.batchId ?? CHILD}`, type: 'HoldPosted', data: { ...holdRef(p), effectiveDate: '2016-04-05' } });
export const released = (p: PaymentSpec, reason: 'rejected' | 'failed' = 'rejected'): LedgerEvent =>
  ({ stream: `fundbatch-${p.batchId ?? CHILD}`, type: 'HoldReleased', data: { ...holdRef(p), reason, effectiveDate: '2016-04-05' } });

// The payments of the correct ledger.
export const PAID: PaymentSpec = { paymentId: 'PAY1', amountFen: 100_000n };
export const REJECTED: PaymentSpec = { paymentId: 'PAY2', amountFen: 50_000n };
export const REVERSED: PaymentSpec = { paymentId: 'PAY3', amountFen: 30_000n, installment: 'advance' };
export const PENDING: PaymentSpec = { paymentId: 'PAY4', amountFen: 20_000n };
export const BUDGET = 500_000n;

/**
 * The correct ledger, in log order. Final balances (fen):
 *   external −999 000, batch:R1 404 000, batch:C1 205 000, line:C1:L1 270 000, hold:C1:L1 20 000, payee:contractor:K1 100 000.
 */
export function smallLedger(): LedgerEvent[] {
  return [
    issueRoot(ROOT, 1_000_000n),
    allocationToBatch(ROOT, 'A1', CHILD, 600_000n),
    childIssued(ROOT, 'A1', CHILD, 600_000n),
    projectProposed(PROJECT, BUDGET),
    allocationToProject(CHILD, LINE, PROJECT, 400_000n),
    projectCommitted(CHILD, LINE, PROJECT, 400_000n),
    held(PAID), requested(PAID), approved(PAID), executed(PAID), posted(PAID),
    held(REJECTED), requested(REJECTED), rejected(REJECTED), released(REJECTED),
    held(REVERSED), requested(REVERSED), approved(REVERSED), executed(REVERSED), posted(REVERSED),
    { stream: 'payment-PAY3', type: 'PaymentReversed',
      data: { paymentId: 'PAY3', reason: 'paid twice', effectiveDate: '2016-04-20', documentNo: 'RED-1', amountFen: '30000' } },
    { stream: `fundbatch-${CHILD}`, type: 'PaymentReversalCredited',
      data: { ...holdRef(REVERSED), effectiveDate: '2016-04-20', documentNo: 'RED-1', reason: 'paid twice' } },
    held(PENDING), requested(PENDING),
    { stream: `fundbatch-${CHILD}`, type: 'AllocationFundsReturned',
      data: { batchId: CHILD, allocationId: LINE, projectId: PROJECT, returnId: 'RET-1', amountFen: '10000', reason: 'surplus', effectiveDate: '2016-05-01' } },
    { stream: `fundbatch-${CHILD}`, type: 'FundsReturned',
      data: { batchId: CHILD, returnId: 'RET-2', amountFen: '5000', reason: 'surplus', effectiveDate: '2016-05-02', toBatchId: ROOT, allocationId: 'A1' } },
    { stream: `fundbatch-${ROOT}`, type: 'ReturnReceived',
      data: { batchId: ROOT, returnId: 'RET-2', fromBatchId: CHILD, allocationId: 'A1', amountFen: '5000', effectiveDate: '2016-05-02' } },
    { stream: `fundbatch-${ROOT}`, type: 'FundsReturned',
      data: { batchId: ROOT, returnId: 'RET-3', amountFen: '1000', reason: 'year end', effectiveDate: '2016-12-31', toBatchId: null, allocationId: null } },
  ];
}
