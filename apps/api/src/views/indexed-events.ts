import { comparePositions, formatPosition, type EventStore, type RecordedEvent } from '@yuantrace/event-store';
import type { IndexedEvent } from '@yuantrace/read-models';

/**
 * The events an index page names, read from the store by stream and revision (the one read
 * every store offers), consecutive revisions of a stream in one read, and returned in the
 * index's global order. An event the store no longer answers for is left out rather than invented.
 */
export async function readIndexedEvents(store: EventStore, indexed: readonly IndexedEvent[]): Promise<RecordedEvent[]> {
  const runs: Array<{ stream: string; from: bigint; count: number }> = [];
  const byStream = new Map<string, bigint[]>();
  for (const e of indexed) byStream.set(e.streamId, [...(byStream.get(e.streamId) ?? []), e.revision]);
  for (const [stream, revisions] of byStream) {
    revisions.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const r of revisions) {
      const last = runs[runs.length - 1];
      if (last && last.stream === stream && last.from + BigInt(last.count) === r) last.count++;
      else runs.push({ stream, from: r, count: 1 });
    }
  }
  const found: RecordedEvent[] = [];
  // A few reads at a time: enough to overlap round trips without taking every pooled connection.
  for (let i = 0; i < runs.length; i += 8) {
    const reads = await Promise.all(runs.slice(i, i + 8).map((r) => store.readStream(r.stream, { fromRevision: r.from, maxCount: r.count })));
    for (const events of reads) found.push(...events);
  }
  const wanted = new Set(indexed.map((e) => `${e.streamId}@${e.revision}`));
  return found.filter((e) => wanted.has(`${e.streamId}@${e.revision}`)).sort((a, b) => comparePositions(a.position, b.position));
}

/** An event as the audit log shows it. */
export const renderEvent = (e: RecordedEvent) => ({
  position: formatPosition(e.position), streamId: e.streamId, revision: e.revision.toString(), eventId: e.id, type: e.type,
  recordedAt: e.recordedAt.toISOString(), data: e.data, metadata: e.metadata,
});
