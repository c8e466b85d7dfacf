import type { Db } from '@yuantrace/event-store';
import { householdReading, paymentTraceReading } from '@yuantrace/read-models';

/**
 * Opens the request pool's connections before the api listens, each having run the reads asked
 * most often once (for an id no one has: nothing is returned, but the connection is open, its
 * server process has the tables' catalogs, and the statements are prepared on it). Left to the
 * first requests, on the county the first twenty household views of a fresh api took 43–113 ms
 * each, enough to set the p99 of its first thousand. Best effort: on a database whose read
 * models are not set up yet the reads fail and the connections are open all the same.
 */
export async function openReadConnections(db: Db, connections: number): Promise<void> {
  if (db.kind !== 'postgres') return;
  await Promise.all(Array.from({ length: connections }, () => db.transaction(async (tx) => {
    await householdReading(tx, '', {});
    await paymentTraceReading(tx, '', {});
  }).catch(() => undefined)));
}
