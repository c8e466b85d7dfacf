import { notFound } from '@yuantrace/domain';
import { describeBasis, type Basis } from '@yuantrace/read-models';

/** An unknown id is a 404 naming it; a known one that did not exist under the basis says so, never an empty silence. */
export function missing(what: string, id: string, existsAtAll: boolean, basis: Basis) {
  if (!existsAtAll) return notFound(`${what.replace(/ /g, '_')}_not_found`, `${what} ${id} does not exist`, 'id');
  const b = describeBasis(basis);
  return notFound('not_found_as_of', `${what} ${id} had not been recorded ${b.asOf ? `by ${b.asOf}` : ''}${b.asOf && b.knownAt ? ' as known ' : ''}${b.knownAt ? `at ${b.knownAt}` : ''}`.trim(), b.asOf ? 'asOf' : 'knownAt');
}
