import { invalid } from './rejection';

/**
 * Money is integer fen (分) as bigint everywhere inside the system. The API speaks yuan as
 * decimal strings with at most two decimals ("380000.00"); events carry fen as decimal strings.
 * This is the only module that converts between them. No floats anywhere.
 */
export type Fen = bigint;

/** 10^13 yuan: far beyond any appropriation, small enough to stay exact in every layer. */
export const MAX_YUAN = 10n ** 13n;
export const MAX_FEN = MAX_YUAN * 100n;

const YUAN_PATTERN = /^(0|[1-9][0-9]*)(\.[0-9]{1,2})?$/;

/** Parses a positive yuan amount ("380000", "380000.5", "380000.50") into fen. */
export function parseYuan(input: unknown, field = 'amount'): Fen {
  if (typeof input !== 'string') {
    throw invalid('invalid_amount', `${field} must be a string of yuan such as "380000.00"`, field);
  }
  if (!YUAN_PATTERN.test(input)) {
    throw invalid(
      'invalid_amount',
      `${field} must be yuan with at most two decimals, such as "380000.00" (got "${input.slice(0, 40)}")`,
      field,
    );
  }
  const [whole, frac = ''] = input.split('.');
  const fen = BigInt(whole) * 100n + BigInt((frac + '00').slice(0, 2));
  if (fen <= 0n) throw invalid('invalid_amount', `${field} must be greater than zero`, field);
  if (fen > MAX_FEN) throw invalid('invalid_amount', `${field} must not exceed 10^13 yuan`, field);
  return fen;
}

/** Formats fen as yuan with exactly two decimals; negative amounts keep their sign. */
export function formatFen(fen: Fen): string {
  const negative = fen < 0n;
  const abs = negative ? -fen : fen;
  const whole = abs / 100n;
  const frac = (abs % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${whole}.${frac}`;
}

/**
 * Reads back an amount this system formatted (formatFen): signed, zero allowed. For user input
 * use parseYuan, which is strict about what a payment may be.
 */
export function fenFromFormatted(text: string): Fen {
  const m = /^(-?)([0-9]+)\.([0-9]{2})$/.exec(text);
  if (!m) throw invalid('invalid_amount', `not an amount formatted as yuan: ${text.slice(0, 40)}`);
  const fen = BigInt(m[2]) * 100n + BigInt(m[3]);
  return m[1] ? -fen : fen;
}

/** Fen as carried in event payloads: a decimal string of an integer. */
export const fenToJson = (fen: Fen): string => fen.toString();

export function fenFromJson(value: unknown): Fen {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' && /^-?[0-9]+$/.test(value)) return BigInt(value);
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw invalid('invalid_fen', `not an integer amount of fen: ${String(value)}`);
}
