import { randomUUID } from 'node:crypto';
import type { LedgerEvent } from '@yuantrace/domain';
import { PgliteDb, type RecordedEvent } from '@yuantrace/event-store';
import type { Projection } from '@yuantrace/projections';

/**
 * Projection specs: given events, the rows a projection writes, on an in-memory PGlite (the
 * embedded store's own engine), with no event store, runner or api around them. Events are
 * recorded in the order given, one stream per (category, id) as the domain names them.
 */
export type Given = { stream: string; event: LedgerEvent; recordedAt?: string; actor?: string };

export async function given(projections: readonly Projection[], events: readonly Given[]): Promise<{
  rows: (sql: string) => Promise<Array<Record<string, unknown>>>; db: PgliteDb; close: () => Promise<void>;
}> {
  const db = await PgliteDb.open(undefined);
  const revisions = new Map<string, bigint>();
  const recorded: RecordedEvent[] = events.map((g, i) => {
    const revision = revisions.get(g.stream) ?? 0n;
    revisions.set(g.stream, revision + 1n);
    return { id: randomUUID(), streamId: g.stream, revision, type: g.event.type, data: g.event.data as unknown as Record<string, unknown>,
      metadata: { actor: { principalId: g.actor ?? 'clerk', role: 'finance' } } as RecordedEvent['metadata'],
      position: { commit: BigInt(i + 1), prepare: BigInt(i + 1) }, recordedAt: new Date(g.recordedAt ?? `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`) };
  });
  await db.transaction(async (tx) => {
    for (const p of projections) await p.setup(tx);
    for (const p of projections) await p.apply(tx, recorded);
  });
  return {
    rows: async (sql) => (await db.query<Record<string, unknown>>(sql)).rows,
    db,
    close: () => db.close(),
  };
}
