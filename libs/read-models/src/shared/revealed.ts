/**
 * The personal data a reading reveals within its own statement (one round trip, not two): the
 * vault's SQL (`reveal`, given only for a reader it lets see them) over the refs `refsSql`
 * selects, as a column `revealed`; `null` for everyone else.
 */
export const revealedColumn = (reveal: ((refsSql: string) => string) | undefined, refsSql: string) =>
  `${reveal ? `(${reveal(refsSql)})` : 'null'} as revealed`;

/** That column's values by ref (empty when nothing was revealed). */
export const revealedOf = (row: { revealed: Record<string, string> | null }) => new Map(Object.entries(row.revealed ?? {}));
