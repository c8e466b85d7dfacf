import { canonicalKey } from '../canonical';
import type { Decider } from '../decider';
import type { BusinessDate } from '../dates';
import type { PaymentRequestPayload } from '../fund-batch/fund-batch';
import { conflict, ruleBroken } from '../rejection';

export const PAYEE_TYPES = ['household', 'contractor', 'collective', 'enterprise', 'person'] as const;
export const INSTALLMENTS = ['advance', 'progress', 'final', 'single'] as const;
export const CHANNELS = ['treasury_direct', 'bank_transfer', 'one_card', 'cash', 'in_kind'] as const;
export type Channel = (typeof CHANNELS)[number];

/** One payment's life, stream `payment-<id>`: requested → approved | rejected → executed | failed; executed → reversed. */
export type PaymentRequested = { type: 'PaymentRequested'; data: PaymentRequestPayload };
/** effectiveDate: the business date of the 审核 (absent on events recorded before approvals carried one). */
export type PaymentApproved = { type: 'PaymentApproved'; data: { paymentId: string; approvedBy: string; comment: string; effectiveDate?: BusinessDate } };
export type PaymentRejected = { type: 'PaymentRejected'; data: { paymentId: string; rejectedBy: string; comment: string; effectiveDate?: BusinessDate } };
export type PaymentExecuted = {
  type: 'PaymentExecuted';
  data: { paymentId: string; channel: Channel; bankReference: string; effectiveDate: BusinessDate; amountFen: string };
};
export type PaymentFailed = { type: 'PaymentFailed'; data: { paymentId: string; reason: string; effectiveDate: BusinessDate; amountFen: string } };
export type PaymentReversed = {
  type: 'PaymentReversed';
  data: { paymentId: string; reason: string; effectiveDate: BusinessDate; documentNo: string; amountFen: string };
};
/** On a failed or reversed payment: the payment that pays again in its place (a re-payment after 退票 or 追回). */
export type PaymentReplaced = { type: 'PaymentReplaced'; data: { paymentId: string; replacedBy: string; effectiveDate: BusinessDate } };
export type PaymentEvent = PaymentRequested | PaymentApproved | PaymentRejected | PaymentExecuted | PaymentFailed | PaymentReversed | PaymentReplaced;

export type PaymentStatus = 'requested' | 'approved' | 'rejected' | 'executed' | 'failed' | 'reversed';
export type PaymentState =
  | { status: 'none' }
  | { status: PaymentStatus; request: PaymentRequestPayload; requestKey: string; decidedBy?: string; decisionKey?: string; settlementKey?: string; reversalKey?: string;
      decidedOn?: BusinessDate; executedOn?: BusinessDate; reversedOn?: BusinessDate; replacedBy?: string };

export type PaymentCommand =
  | { type: 'RecordRequest'; request: PaymentRequestPayload }
  | { type: 'Decide'; approved: boolean; comment: string; approver: string; effectiveDate: BusinessDate }
  | { type: 'Execute'; channel: Channel; bankReference: string; effectiveDate: BusinessDate }
  | { type: 'Fail'; reason: string; effectiveDate: BusinessDate }
  | { type: 'Reverse'; reason: string; effectiveDate: BusinessDate; documentNo: string };

/** Idempotency keys compare payloads canonically: stored events come back from jsonb reordered. */
const keyOf = canonicalKey;

function decide(c: PaymentCommand, state: PaymentState): PaymentEvent[] {
  if (c.type === 'RecordRequest') {
    if (state.status !== 'none') {
      if (state.requestKey === keyOf(c.request)) return [];
      throw conflict('id_reused_with_different_payload', `payment ${c.request.paymentId} exists with different details`, 'paymentId');
    }
    return [{ type: 'PaymentRequested', data: c.request }];
  }
  if (state.status === 'none') throw ruleBroken('payment_not_found', 'the payment does not exist', 'paymentId');
  const id = state.request.paymentId;
  const amountFen = state.request.amountFen;
  switch (c.type) {
    case 'Decide': {
      const key = keyOf([c.approved, c.comment, c.approver, c.effectiveDate]);
      if (state.decisionKey !== undefined) {
        if (state.decisionKey === key) return [];
        throw ruleBroken('payment_already_decided', `payment ${id} was already ${state.decisionKey.startsWith('[true') ? 'approved' : 'rejected'}`, 'approved');
      }
      // 审核 by a second person (DOMAIN.md R-30): the requester never approves their own payment.
      if (c.approver === state.request.requestedBy) {
        throw ruleBroken('approver_is_requester', `payment ${id} was requested by ${c.approver}, who may not also approve or reject it`, 'approved');
      }
      if (c.effectiveDate < state.request.effectiveDate) {
        throw ruleBroken('date_before_request', `effectiveDate ${c.effectiveDate} is before the request's ${state.request.effectiveDate}`, 'effectiveDate');
      }
      return c.approved
        ? [{ type: 'PaymentApproved', data: { paymentId: id, approvedBy: c.approver, comment: c.comment, effectiveDate: c.effectiveDate } }]
        : [{ type: 'PaymentRejected', data: { paymentId: id, rejectedBy: c.approver, comment: c.comment, effectiveDate: c.effectiveDate } }];
    }
    case 'Execute':
    case 'Fail': {
      const key = keyOf(c);
      if (state.settlementKey !== undefined) {
        if (state.settlementKey === key) return [];
        throw ruleBroken('payment_already_settled', `payment ${id} was already ${state.status === 'reversed' ? 'executed' : state.status}`, 'paymentId');
      }
      if (state.status !== 'approved') {
        throw ruleBroken('payment_not_approved', `payment ${id} is ${state.status}; only an approved payment can be ${c.type === 'Execute' ? 'executed' : 'failed'}`, 'paymentId');
      }
      const since = state.decidedOn ?? state.request.effectiveDate;
      if (c.effectiveDate < since) {
        throw ruleBroken('date_before_approval', `effectiveDate ${c.effectiveDate} is before the payment was approved (${since})`, 'effectiveDate');
      }
      return c.type === 'Execute'
        ? [{ type: 'PaymentExecuted', data: { paymentId: id, channel: c.channel, bankReference: c.bankReference, effectiveDate: c.effectiveDate, amountFen } }]
        : [{ type: 'PaymentFailed', data: { paymentId: id, reason: c.reason, effectiveDate: c.effectiveDate, amountFen } }];
    }
    case 'Reverse': {
      const key = keyOf(c);
      if (state.reversalKey !== undefined) {
        if (state.reversalKey === key) return [];
        throw ruleBroken('payment_already_reversed', `payment ${id} was already reversed`, 'paymentId');
      }
      if (state.status !== 'executed') {
        throw ruleBroken('payment_not_executed', `payment ${id} is ${state.status}; only an executed payment can be reversed`, 'paymentId');
      }
      if (c.effectiveDate < (state.executedOn ?? state.request.effectiveDate)) {
        throw ruleBroken('date_before_execution', `effectiveDate ${c.effectiveDate} is before the payment was executed (${state.executedOn})`, 'effectiveDate');
      }
      return [{ type: 'PaymentReversed', data: { paymentId: id, reason: c.reason, effectiveDate: c.effectiveDate, documentNo: c.documentNo, amountFen } }];
    }
  }
}

function evolve(state: PaymentState, e: PaymentEvent): PaymentState {
  if (e.type === 'PaymentRequested') return { status: 'requested', request: e.data, requestKey: keyOf(e.data) };
  if (state.status === 'none') return state;
  switch (e.type) {
    case 'PaymentApproved':
      return { ...state, status: 'approved', decidedBy: e.data.approvedBy, decidedOn: e.data.effectiveDate ?? state.request.effectiveDate,
        decisionKey: keyOf([true, e.data.comment, e.data.approvedBy, e.data.effectiveDate ?? state.request.effectiveDate]) };
    case 'PaymentRejected':
      return { ...state, status: 'rejected', decidedBy: e.data.rejectedBy, decidedOn: e.data.effectiveDate ?? state.request.effectiveDate,
        decisionKey: keyOf([false, e.data.comment, e.data.rejectedBy, e.data.effectiveDate ?? state.request.effectiveDate]) };
    case 'PaymentExecuted':
      return { ...state, status: 'executed', executedOn: e.data.effectiveDate,
        settlementKey: keyOf({ type: 'Execute', channel: e.data.channel, bankReference: e.data.bankReference, effectiveDate: e.data.effectiveDate }) };
    case 'PaymentFailed':
      return { ...state, status: 'failed', settlementKey: keyOf({ type: 'Fail', reason: e.data.reason, effectiveDate: e.data.effectiveDate }) };
    case 'PaymentReversed':
      return { ...state, status: 'reversed', reversedOn: e.data.effectiveDate,
        reversalKey: keyOf({ type: 'Reverse', reason: e.data.reason, effectiveDate: e.data.effectiveDate, documentNo: e.data.documentNo }) };
    case 'PaymentReplaced':
      return { ...state, replacedBy: e.data.replacedBy };
  }
}

/**
 * A payment may pay again for one that did not reach its payee: a failed transfer (退票) or a
 * reversed payment, of the same project and payee, not already replaced, dated after it ended.
 */
export function decideReplacement(replaced: PaymentState, by: PaymentRequestPayload): PaymentEvent[] {
  if (replaced.status === 'none') throw ruleBroken('replaced_payment_not_found', `payment ${by.replacesPaymentId} does not exist`, 'replacesPaymentId');
  const r = replaced.request;
  if (replaced.replacedBy === by.paymentId) return [];
  if (replaced.replacedBy) throw conflict('payment_already_replaced', `payment ${r.paymentId} was already paid again by ${replaced.replacedBy}`, 'replacesPaymentId');
  if (replaced.status !== 'failed' && replaced.status !== 'reversed') {
    throw ruleBroken('replaced_payment_not_failed', `payment ${r.paymentId} is ${replaced.status}; only a failed or reversed payment is paid again`, 'replacesPaymentId');
  }
  if (r.projectId !== by.projectId || r.payee.type !== by.payee.type || r.payee.id !== by.payee.id) {
    throw ruleBroken('replacement_differs', `payment ${r.paymentId} was to ${r.payee.type} ${r.payee.id} on project ${r.projectId}; a re-payment goes to the same payee on the same project`, 'replacesPaymentId');
  }
  return [{ type: 'PaymentReplaced', data: { paymentId: r.paymentId, replacedBy: by.paymentId, effectiveDate: by.effectiveDate } }];
}

/** The bank reference stream (Streams.bankReference): which payment a reference and channel were used for. */
export type BankReferenceUsed = { type: 'BankReferenceUsed'; data: { channel: Channel; bankReference: string; paymentId: string; effectiveDate: BusinessDate } };
export type BankReferenceState = { status: 'none' } | { status: 'used'; paymentId: string };
export const bankReferenceFold = {
  initialState: (): BankReferenceState => ({ status: 'none' }),
  evolve: (s: BankReferenceState, e: BankReferenceUsed): BankReferenceState => (s.status === 'none' ? { status: 'used', paymentId: e.data.paymentId } : s),
};

/** A bank reference names one transfer: reused on the same channel for another payment it is refused (a double payment or a typing slip). */
export function decideBankReference(s: BankReferenceState, c: { channel: Channel; bankReference: string; paymentId: string; effectiveDate: BusinessDate }): BankReferenceUsed[] {
  if (s.status === 'used') {
    if (s.paymentId === c.paymentId) return [];
    throw conflict('bank_reference_reused', `bank reference ${c.bankReference} on ${c.channel} was already used for payment ${s.paymentId} (references are compared without regard to case, spaces or full-width forms)`, 'bankReference');
  }
  return [{ type: 'BankReferenceUsed', data: c }];
}

export const paymentDecider: Decider<PaymentState, PaymentCommand, PaymentEvent> = {
  initialState: () => ({ status: 'none' }),
  decide,
  evolve,
};
