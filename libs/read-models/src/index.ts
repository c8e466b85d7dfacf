import type { Projection } from '@yuantrace/projections';
import { adminUnitsProjection } from './admin-units/admin-units.projection';
import { fundBatchesProjection } from './fund-batches/fund-batches.projection';
import { householdsProjection } from './households/households.projection';
import { paymentsProjection } from './payments/payments.projection';
import { postingsProjection } from './postings/postings.projection';
import { projectsProjection } from './projects/projects.projection';

export * from './shared/basis';
// The read side's questions, one folder each.
export * from './queries/batches/batch-queries';
export * from './queries/payments/payment-queries';
export * from './queries/projects/project-queries';
export * from './queries/regions/region-queries';
export * from './queries/disclosure/disclosure-query';
export * from './queries/households/household-queries';

/** Every read model's projection, in the order they are set up. */
export function readModelProjections(): Projection[] {
  return [adminUnitsProjection, projectsProjection, fundBatchesProjection, paymentsProjection, householdsProjection, postingsProjection];
}
export * from './verify';
export { unitOfEvent } from './admin-units/admin-units.projection';
