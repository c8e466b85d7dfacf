import { formatFen, parseYuan, type Fen } from '../money';
import { ruleBroken } from '../rejection';
import { ISSUER_LEVELS, type IssuerLevel } from './fund-batch';

/**
 * The largest single appropriation an issuing level plausibly sends in one 文号 line. A batch is
 * the root of everything below it and can only be undone by a void, so a slip of the keyboard
 * (10,000,000,000,000.00 sent to a village) is refused at the door, naming the bound; a real
 * appropriation above it needs the bound raised in configuration (BATCH_AMOUNT_BOUNDS).
 */
export type AmountBounds = Record<IssuerLevel, Fen>;

export const DEFAULT_AMOUNT_BOUNDS: AmountBounds = {
  CENTRAL: 10_000_000_000_00n, // 100亿元
  PROVINCIAL: 5_000_000_000_00n, // 50亿元
  CITY: 1_000_000_000_00n, // 10亿元
  COUNTY: 500_000_000_00n, // 5亿元
  TOWNSHIP: 50_000_000_00n, // 5000万元
  VILLAGE: 10_000_000_00n, // 1000万元
  NON_GOV: 500_000_000_00n, // 5亿元
};

/** Parses `{"COUNTY":"800000000.00", …}`: levels named override the defaults. */
export function parseAmountBounds(json: string): AmountBounds {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('must be a JSON object such as {"COUNTY":"800000000.00"}');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error('must be a JSON object such as {"COUNTY":"800000000.00"}');
  const out = { ...DEFAULT_AMOUNT_BOUNDS };
  for (const [level, value] of Object.entries(raw)) {
    if (!(ISSUER_LEVELS as readonly string[]).includes(level)) throw new Error(`${level} is not an issuer level (${ISSUER_LEVELS.join(', ')})`);
    out[level as IssuerLevel] = parseYuan(value, level);
  }
  return out;
}

export function checkPlausibleAmount(level: IssuerLevel, amount: Fen, bounds: AmountBounds): void {
  const bound = bounds[level];
  if (amount > bound) {
    throw ruleBroken('amount_implausible', `${formatFen(amount)} yuan is more than a ${level} appropriation is expected to be (at most ${formatFen(bound)} yuan); `
      + 'check the amount, or raise BATCH_AMOUNT_BOUNDS if it is right', 'amount');
  }
}
