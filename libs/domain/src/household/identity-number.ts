import { invalid } from '../rejection';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK = '10X98765432';

/**
 * A resident identity number (GB 11643-1999): 6-digit area code, birth date YYYYMMDD, 3-digit
 * sequence, check character. Returns the birth date; refuses a wrong format, a date that does
 * not exist, or a wrong check character, naming the field.
 */
export function validateIdNumber(value: unknown, field: string): { idNumber: string; birthDate: string } {
  if (typeof value !== 'string' || !/^[0-9]{17}[0-9Xx]$/.test(value)) {
    throw invalid('invalid_id_number', `${field} must be an 18-character identity number (17 digits and a check digit or X)`, field);
  }
  const id = value.toUpperCase();
  const birth = `${id.slice(6, 10)}-${id.slice(10, 12)}-${id.slice(12, 14)}`;
  const d = new Date(`${birth}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== birth || birth < '1900-01-01' || birth > '2100-01-01') {
    throw invalid('invalid_birth_date', `${field} holds a birth date that does not exist: ${birth}`, field);
  }
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(id[i]) * WEIGHTS[i];
  if (CHECK[sum % 11] !== id[17]) throw invalid('invalid_check_digit', `${field} has a wrong check digit`, field);
  return { idNumber: id, birthDate: birth };
}

/** Completes 17 digits with their check character (for test data and the generator). */
export function withCheckDigit(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += Number(first17[i]) * WEIGHTS[i];
  return first17 + CHECK[sum % 11];
}
