import type { Projection } from '@yuantrace/projections';

/** Every read model's projection, in the order they are set up. */
export function readModelProjections(): Projection[] {
  return [];
}
