import {
  fenFromJson,
  fundBatchDecider,
  paymentDecider,
  projectDecider,
  Rejection,
  Streams,
  type Actor,
  type BatchHeader,
  type FundBatchEvent,
  type PaymentEvent,
} from '@yuantrace/domain';
import type { CommandHandler, StoredEvent } from './command-handler';

/**
 * The second legs of the flows that cross streams (DESIGN.md §3). Each reacts to one stored
 * event and issues the next command with an id derived from that event, so running it twice,
 * inline and again from the process manager, is harmless:
 *   FundsAllocated(batch)   → child batch FundBatchIssued
 *   FundsAllocated(project) → project ProjectFundsCommitted
 *   FundsReturned           → parent ReturnReceived
 *   FundsHeld               → payment PaymentRequested
 *   PaymentExecuted         → batch HoldPosted
 *   PaymentRejected/Failed  → batch HoldReleased
 *   PaymentReversed         → batch PaymentReversalCredited
 */
export async function followUp(commands: CommandHandler, event: StoredEvent): Promise<void> {
  const origin = {
    actor: (event.metadata.actor as Actor) ?? { principalId: 'system', role: 'system' },
    correlationId: String(event.metadata.correlationId ?? event.id),
    causationId: event.id,
  };
  const commandId = `follow:${event.id}`;
  const e = { type: event.type, data: event.data } as FundBatchEvent | PaymentEvent;
  switch (e.type) {
    case 'FundsAllocated': {
      const d = e.data;
      if (d.target.type === 'batch') {
        const parent = await commands.load(fundBatchDecider, Streams.fundBatch(d.batchId));
        if (parent.status === 'none') return;
        const p = parent.header;
        const header: BatchHeader = {
          batchId: d.target.batchId, parentBatchId: d.batchId, allocationId: d.allocationId, rootBatchId: p.rootBatchId,
          rootDocumentNo: p.rootDocumentNo, documentNo: d.documentNo, title: p.title, source: p.source, issuerLevel: p.issuerLevel,
          recipientUnitCode: d.target.recipientUnitCode, fiscalYear: p.fiscalYear, purpose: p.purpose,
          countsTowardHouseholdShare: p.countsTowardHouseholdShare, amountFen: d.amountFen, effectiveDate: d.effectiveDate,
        };
        await commands.handle(fundBatchDecider, Streams.fundBatch(d.target.batchId), { type: 'IssueBatch', header }, commandId, origin);
      } else {
        await commands.handle(projectDecider, Streams.project(d.target.projectId), {
          type: 'CommitFunds', allocationId: d.allocationId, batchId: d.batchId, rootBatchId: d.rootBatchId, source: d.source,
          amount: fenFromJson(d.amountFen), effectiveDate: d.effectiveDate,
        }, commandId, origin);
      }
      return;
    }
    case 'FundsReturned': {
      const d = e.data;
      if (!d.toBatchId || !d.allocationId) return; // a root batch returns to the issuing treasury, outside the ledger
      await commands.handle(fundBatchDecider, Streams.fundBatch(d.toBatchId), {
        type: 'CreditReturn', returnId: d.returnId, fromBatchId: d.batchId, allocationId: d.allocationId, amount: fenFromJson(d.amountFen), effectiveDate: d.effectiveDate,
      }, commandId, origin);
      return;
    }
    case 'FundsHeld':
      await commands.handle(paymentDecider, Streams.payment(e.data.paymentId), { type: 'RecordRequest', request: e.data.request }, commandId, origin);
      return;
    case 'PaymentExecuted':
    case 'PaymentRejected':
    case 'PaymentFailed':
    case 'PaymentReversed': {
      const payment = await commands.load(paymentDecider, Streams.payment(e.data.paymentId));
      if (payment.status === 'none') return;
      const batch = Streams.fundBatch(payment.request.batchId);
      const paymentId = e.data.paymentId;
      const command =
        e.type === 'PaymentExecuted' ? { type: 'PostHold' as const, paymentId, effectiveDate: e.data.effectiveDate }
        : e.type === 'PaymentReversed' ? { type: 'CreditReversal' as const, paymentId, effectiveDate: e.data.effectiveDate, documentNo: e.data.documentNo, reason: e.data.reason }
        : { type: 'ReleaseHold' as const, paymentId, reason: e.type === 'PaymentRejected' ? ('rejected' as const) : ('failed' as const),
            effectiveDate: e.type === 'PaymentFailed' ? e.data.effectiveDate : payment.request.effectiveDate };
      await commands.handle(fundBatchDecider, batch, command, commandId, origin);
      return;
    }
    default:
      return;
  }
}

/** Does this event start a flow that has a second leg? */
export const startsFlow = (type: string) =>
  ['FundsAllocated', 'FundsReturned', 'FundsHeld', 'PaymentExecuted', 'PaymentRejected', 'PaymentFailed', 'PaymentReversed'].includes(type);

/** A refusal in a second leg is a data problem to report, not a reason to stop the process manager. */
export const isRefusal = (e: unknown) => e instanceof Rejection;
