import type { EventOf, LedgerEventType } from '@yuantrace/domain';
import type { RecordedEvent, SqlExecutor } from '@yuantrace/event-store';
import type { Projection } from '@yuantrace/projections';

/** A recorded event whose type and data are the domain's (the record's position, ids and metadata beside them). */
export type Recorded<T extends LedgerEventType> = { [K in T]: Omit<RecordedEvent, 'type' | 'data'> & EventOf<K> }[T];

/**
 * A projection that declares the event types it handles: apply() sees only those, typed, so a
 * switch on `e.type` narrows `e.data` to the domain's shape. The runner still hands every event
 * to the projection and moves its checkpoint over the ones it ignores.
 */
export function typedProjection<T extends LedgerEventType>(p: Omit<Projection, 'apply'> & {
  handles: readonly T[];
  apply(tx: SqlExecutor, events: ReadonlyArray<Recorded<T>>): Promise<void>;
}): Projection & { handles: readonly T[] } {
  const handled = new Set<string>(p.handles);
  return {
    ...p,
    async apply(tx, events) {
      const mine = events.filter((e) => handled.has(e.type)) as unknown as Array<Recorded<T>>;
      if (mine.length > 0) await p.apply(tx, mine);
    },
  };
}
