import * as crypto from 'node:crypto';

/**
 * Deterministic event ids (a name-based UUID, version 5 layout over SHA-1) from the parts that
 * name an event: see eventIdOf in handle-command.ts for which parts and why.
 */
const NAMESPACE = 'yuantrace:event';

/** SHA-1 of one string: one call where Node has crypto.hash (20.12 and later); every command hashes one per event. */
const sha1 = typeof (crypto as { hash?: unknown }).hash === 'function'
  ? (text: string) => (crypto as unknown as { hash: (alg: string, data: string, out: 'buffer') => Buffer }).hash('sha1', text, 'buffer')
  : (text: string) => crypto.createHash('sha1').update(text).digest();

export function deterministicUuid(...parts: string[]): string {
  const hash = sha1(`${NAMESPACE}\u0000${parts.join('\u0000')}`);
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}


const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);
