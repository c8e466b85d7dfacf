import type { Projection } from '@yuantrace/projections';
import { adminUnitsProjection } from './admin-units/admin-units.projection';
import { fundBatchesProjection } from './fund-batches/fund-batches.projection';
import { householdsProjection } from './households/households.projection';
import { paymentsProjection } from './payments/payments.projection';
import { casesProjection } from './cases/cases.projection';
import { postingsProjection } from './postings/postings.projection';
import { projectsProjection } from './projects/projects.projection';
import { redFlagsProjection } from './alerts/red-flags.projection';
import { eventIndexProjection } from './event-index/event-index.projection';
import { batchUnspentProjection } from './batch-unspent/batch-unspent.projection';

export * from './shared/basis';
// The read side's questions, one folder each.
export * from './queries/batches/batch-queries';
export * from './queries/payments/payment-queries';
export * from './queries/projects/project-queries';
export * from './queries/regions/region-queries';
export * from './queries/disclosure/disclosure-query';
export * from './queries/households/household-queries';
export * from './alerts/alert-queries';
export { redFlagsProjection, ruleSetVersionsKnown } from './alerts/red-flags.projection';
export * from './queries/cases/case-queries';
// Lists and lookups (paged, filtered, scoped) and the event index behind the audit log's filters.
export * from './queries/lists/list-page';
export * from './queries/lists/payment-list';
export * from './queries/lists/project-list';
export * from './queries/lists/batch-list';
export * from './queries/lists/household-list';
export * from './queries/lists/event-list';
export * from './queries/lists/lookups';
export { LEDGER_EVENT_TYPES, isKnownEventType } from './event-index/event-index.projection';

/** Every read model's projection, in the order they are set up. */
export function readModelProjections(): Projection[] {
  return [adminUnitsProjection, projectsProjection, fundBatchesProjection, paymentsProjection, householdsProjection, postingsProjection,
    eventIndexProjection, batchUnspentProjection, casesProjection, redFlagsProjection];
}
export * from './verify';
export { unitOfEvent } from './admin-units/admin-units.projection';
