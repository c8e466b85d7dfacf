import { afterEach, describe, expect, test } from '@jest/globals';
import type { BatchHeader, LedgerEvent, PaymentRequestPayload } from '@yuantrace/domain';
import { adminUnitsProjection } from './admin-units/admin-units.projection';
import { fundBatchesProjection } from './fund-batches/fund-batches.projection';
import { paymentsProjection } from './payments/payments.projection';
import { postingsProjection } from './postings/postings.projection';
import { projectsProjection } from './projects/projects.projection';
import { given, type Given } from './shared/testing/given-events';

/** Given events → rows, projection by projection, on an in-memory PGlite. */
const header = (batchId: string, over: Partial<BatchHeader> = {}): BatchHeader => ({ batchId, parentBatchId: null, allocationId: null, rootBatchId: batchId,
  rootDocumentNo: 'D', documentNo: 'D', title: 't', source: 'PROVINCIAL_POVERTY', issuerLevel: 'PROVINCIAL', recipientUnitCode: '990000000000', fiscalYear: 2016,
  purpose: 'p', countsTowardHouseholdShare: false, amountFen: '100000', effectiveDate: '2016-02-01', ...over });
const at = (stream: string, event: LedgerEvent): Given => ({ stream, event });
const request = (paymentId: string, over: Partial<PaymentRequestPayload> = {}): PaymentRequestPayload => ({ paymentId, projectId: 'P', allocationId: 'L', batchId: 'C',
  payee: { type: 'contractor', id: 'K', name: '公司', accountRef: 'ref', accountMasked: '***1' }, amountFen: '1000', purpose: 'x', installment: 'progress',
  effectiveDate: '2016-05-01', unitCode: '990101001001', requestedBy: 'clerk', ...over });

/** A province batch R with a county child C (the child then voided) and a root V voided outright. */
const voids: Given[] = [
  at('fundbatch-R', { type: 'FundBatchIssued', data: header('R') }),
  at('fundbatch-R', { type: 'FundsAllocated', data: { batchId: 'R', allocationId: 'A-C', target: { type: 'batch', batchId: 'C', recipientUnitCode: '990101000000' },
    amountFen: '30000', effectiveDate: '2016-02-10', documentNo: 'D1', rootBatchId: 'R', source: 'PROVINCIAL_POVERTY', fiscalYear: 2016, purpose: 'p' } }),
  at('fundbatch-C', { type: 'FundBatchIssued', data: header('C', { parentBatchId: 'R', allocationId: 'A-C', rootBatchId: 'R', recipientUnitCode: '990101000000',
    amountFen: '30000', effectiveDate: '2016-02-10' }) }),
  at('fundbatch-C', { type: 'FundBatchVoided', data: { batchId: 'C', amountFen: '30000', reason: '单位错误', effectiveDate: '2016-02-11', replacedBy: null,
    toBatchId: 'R', allocationId: 'A-C' } }),
  at('fundbatch-R', { type: 'AllocationVoided', data: { batchId: 'R', allocationId: 'A-C', childBatchId: 'C', amountFen: '30000', reason: '单位错误',
    effectiveDate: '2016-02-11' } }),
  at('fundbatch-V', { type: 'FundBatchIssued', data: header('V', { amountFen: '500' }) }),
  at('fundbatch-V', { type: 'FundBatchVoided', data: { batchId: 'V', amountFen: '500', reason: '误录', effectiveDate: '2016-02-02', replacedBy: 'R',
    toBatchId: null, allocationId: null } }),
  at('fundbatch-R', { type: 'FundBatchClosed', data: { batchId: 'R', balanceFen: '0', effectiveDate: '2016-12-31', disposal: 'returned', carriedOverTo: null } }),
];

describe('read-model projections, given events → rows', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  test('postings: a void moves money back where it came from — a child to its parent, a root out to its issuer; the child’s own void posts nothing', async () => {
    const g = await given([postingsProjection], voids);
    close = g.close;
    expect(await g.rows(`select event_type, from_account, to_account, amount_fen::text as amount from postings order by commit_position`)).toEqual([
      { event_type: 'FundBatchIssued', from_account: 'external', to_account: 'batch:R', amount: '100000' },
      { event_type: 'FundsAllocated', from_account: 'batch:R', to_account: 'batch:C', amount: '30000' },
      { event_type: 'AllocationVoided', from_account: 'batch:C', to_account: 'batch:R', amount: '30000' },
      { event_type: 'FundBatchIssued', from_account: 'external', to_account: 'batch:V', amount: '500' },
      { event_type: 'FundBatchVoided', from_account: 'batch:V', to_account: 'external', amount: '500' },
    ]);
    // The region rollups: the county received the allocation and gave it back (received 0); the province allocated and had it voided (allocated 0).
    const flows = await g.rows(`select unit_prefix, sum(received)::text as received, sum(allocated)::text as allocated from unit_flows group by unit_prefix order by unit_prefix`);
    expect(flows).toEqual([{ unit_prefix: '99', received: '100000', allocated: '0' }, { unit_prefix: '9901', received: '0', allocated: '0' },
      { unit_prefix: '990101', received: '0', allocated: '0' }]);
  });

  test('fund_batches: a batch’s life dated on both axes, a closure’s disposal and a void’s reason and replacement kept; its money moves are the postings’', async () => {
    const g = await given([fundBatchesProjection], voids);
    close = g.close;
    expect(await g.rows(`select batch_id, event_type, effective_date::text as date, detail from rm_batch_events order by recorded_at`)).toEqual([
      { batch_id: 'R', event_type: 'FundBatchIssued', date: '2016-02-01', detail: null },
      { batch_id: 'R', event_type: 'FundsAllocated', date: '2016-02-10', detail: null },
      { batch_id: 'C', event_type: 'FundBatchIssued', date: '2016-02-10', detail: null },
      { batch_id: 'C', event_type: 'FundBatchVoided', date: '2016-02-11', detail: { reason: '单位错误', replacedBy: null } },
      { batch_id: 'V', event_type: 'FundBatchIssued', date: '2016-02-01', detail: null },
      { batch_id: 'V', event_type: 'FundBatchVoided', date: '2016-02-02', detail: { reason: '误录', replacedBy: 'R' } },
      { batch_id: 'R', event_type: 'FundBatchClosed', date: '2016-12-31', detail: { disposal: 'returned', carriedOverTo: null, unallocated: '0' } },
    ]);
    expect(await g.rows(`select batch_id, allocation_id, target_type, target_batch_id, target_unit_code, project_id from rm_allocations`)).toEqual([
      { batch_id: 'R', allocation_id: 'A-C', target_type: 'batch', target_batch_id: 'C', target_unit_code: '990101000000', project_id: null }]);
  });

  test('projects: the proposal and each milestone with its date, and nothing from other streams', async () => {
    const g = await given([projectsProjection], [
      at('project-P', { type: 'ProjectProposed', data: { projectId: 'P', name: '村道', type: 'ROAD', unitCode: '990101001001', implementer: '村委', budgetFen: '100000',
        plannedStart: '2016-04-01', plannedEnd: '2016-10-31' } }),
      at('project-P', { type: 'ProjectMilestoneRecorded', data: { projectId: 'P', milestoneId: 'M1', kind: 'approved', date: '2016-04-05', percentComplete: null,
        result: null, publicUntil: null, documentNo: '县扶贫办〔2016〕3号', note: null } }),
      at('project-P', { type: 'ProjectMilestoneRecorded', data: { projectId: 'P', milestoneId: 'M2', kind: 'progress', date: '2016-05-20', percentComplete: 40,
        result: null, publicUntil: null, documentNo: null, note: '路基完成' } }),
      ...voids,
    ]);
    close = g.close;
    expect(await g.rows(`select project_id, name, budget_fen::text as budget from rm_projects`)).toEqual([{ project_id: 'P', name: '村道', budget: '100000' }]);
    expect(await g.rows(`select milestone_id, kind, effective_date::text as date, percent_complete, document_no, note from rm_project_milestones order by effective_date`))
      .toEqual([{ milestone_id: 'M1', kind: 'approved', date: '2016-04-05', percent_complete: null, document_no: '县扶贫办〔2016〕3号', note: null },
        { milestone_id: 'M2', kind: 'progress', date: '2016-05-20', percent_complete: 40, document_no: null, note: '路基完成' }]);
  });

  test('payments: a re-payment keeps the payment it replaces; the replaced payment’s link event adds no history step', async () => {
    const g = await given([paymentsProjection], [
      at('payment-F', { type: 'PaymentRequested', data: request('F') }),
      at('payment-F', { type: 'PaymentApproved', data: { paymentId: 'F', approvedBy: 'boss', comment: '', effectiveDate: '2016-05-02' } }),
      at('payment-F', { type: 'PaymentFailed', data: { paymentId: 'F', reason: '退票', effectiveDate: '2016-05-03', amountFen: '1000' } }),
      at('payment-G', { type: 'PaymentRequested', data: request('G', { replacesPaymentId: 'F', effectiveDate: '2016-05-04' }) }),
      at('payment-F', { type: 'PaymentReplaced', data: { paymentId: 'F', replacedBy: 'G', effectiveDate: '2016-05-04' } }),
    ]);
    close = g.close;
    expect(await g.rows(`select payment_id, replaces_payment_id from rm_payments order by payment_id`)).toEqual([
      { payment_id: 'F', replaces_payment_id: null }, { payment_id: 'G', replaces_payment_id: 'F' }]);
    expect(await g.rows(`select payment_id, status, actor, effective_date::text as date from rm_payment_history order by payment_id, seq`)).toEqual([
      { payment_id: 'F', status: 'requested', actor: 'clerk', date: '2016-05-01' }, { payment_id: 'F', status: 'approved', actor: 'clerk', date: '2016-05-02' },
      { payment_id: 'F', status: 'failed', actor: 'clerk', date: '2016-05-03' }, { payment_id: 'G', status: 'requested', actor: 'clerk', date: '2016-05-04' }]);
  });

  test('admin_units: each stream is placed in the unit its first event names; a bank reference names none', async () => {
    const g = await given([adminUnitsProjection], [
      at('adminunit-990101000000', { type: 'AdminUnitRegistered', data: { code: '990101000000', name: '演示县', level: 'county', parentCode: null } } as LedgerEvent),
      ...voids,
      at('payment-F', { type: 'PaymentRequested', data: request('F') }),
      at('bankref-one_card.abc', { type: 'BankReferenceUsed', data: { channel: 'one_card', bankReference: 'X', paymentId: 'F', effectiveDate: '2016-05-03' } }),
    ]);
    close = g.close;
    expect(await g.rows(`select stream_id, unit_code from rm_stream_units order by stream_id`)).toEqual([
      { stream_id: 'adminunit-990101000000', unit_code: '990101000000' }, { stream_id: 'fundbatch-C', unit_code: '990101000000' },
      { stream_id: 'fundbatch-R', unit_code: '990000000000' }, { stream_id: 'fundbatch-V', unit_code: '990000000000' },
      { stream_id: 'payment-F', unit_code: '990101001001' }]);
  });
});
