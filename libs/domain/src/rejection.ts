/**
 * Every refusal the domain can give is a named rejection. The kind says which HTTP family it
 * belongs to; the mapping to status codes lives in one place (apps/api error filter).
 *   invalid   – the input itself is malformed (400)
 *   not_found – it names something that does not exist (404)
 *   conflict  – it collides with what exists: id reuse, concurrency (409)
 *   rule      – well-formed, but a business rule refuses it (422)
 */
export type RejectionKind = 'invalid' | 'not_found' | 'conflict' | 'rule' | 'unauthenticated' | 'forbidden';

export class Rejection extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly kind: RejectionKind,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'Rejection';
  }
}

export const invalid = (code: string, message: string, field?: string) =>
  new Rejection(code, message, 'invalid', field);
export const notFound = (code: string, message: string, field?: string) =>
  new Rejection(code, message, 'not_found', field);
export const conflict = (code: string, message: string, field?: string) =>
  new Rejection(code, message, 'conflict', field);
export const ruleBroken = (code: string, message: string, field?: string) =>
  new Rejection(code, message, 'rule', field);
