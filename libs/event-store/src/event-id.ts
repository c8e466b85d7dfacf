import { createHash } from 'node:crypto';

/**
 * Deterministic event ids (a name-based UUID, version 5 layout over SHA-1) from the parts that
 * name an event: see eventIdOf in handle-command.ts for which parts and why.
 */
const NAMESPACE = 'yuantrace:event';

export function deterministicUuid(...parts: string[]): string {
  const hash = createHash('sha1').update(NAMESPACE).update('\u0000').update(parts.join('\u0000')).digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}


const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);
