import { formatFen } from '@yuantrace/domain';

/**
 * The money arithmetic of the read side over postings, written once. Every query that sums
 * held or paid money uses these expressions (the glossary's held and paid, libs/domain figures.ts),
 * and the rollups use their TypeScript twins, so a posting counts the same way everywhere.
 */
const col = (alias: string, c: string) => (alias ? `${alias}.${c}` : c);

/** A posting's contribution to held money: into a hold, out of it when posted or released. */
export const heldDelta = (alias = '') =>
  `case when ${col(alias, 'event_type')} = 'FundsHeld' then ${col(alias, 'amount_fen')} when ${col(alias, 'event_type')} in ('HoldPosted', 'HoldReleased') then -${col(alias, 'amount_fen')} else 0 end`;
/** A posting's contribution to paid money: executed, less reversed. */
export const paidDelta = (alias = '') =>
  `case when ${col(alias, 'event_type')} = 'HoldPosted' then ${col(alias, 'amount_fen')} when ${col(alias, 'event_type')} = 'PaymentReversalCredited' then -${col(alias, 'amount_fen')} else 0 end`;
export const HELD_DELTA = heldDelta();
export const PAID_DELTA = paidDelta();

/** The same two rules for one leg in memory (rollups). */
export const heldDeltaOf = (eventType: string, amount: bigint): bigint =>
  eventType === 'FundsHeld' ? amount : eventType === 'HoldPosted' || eventType === 'HoldReleased' ? -amount : 0n;
export const paidDeltaOf = (eventType: string, amount: bigint): bigint =>
  eventType === 'HoldPosted' ? amount : eventType === 'PaymentReversalCredited' ? -amount : 0n;

/** Sums come back from pg as strings (bigint) and from PGlite as strings or numbers. */
export const n = (v: unknown) => BigInt((v as string | number | bigint | null) ?? 0);
export const yuan = (v: unknown) => formatFen(n(v));
