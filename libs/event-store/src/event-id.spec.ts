import { describe, expect, test } from '@jest/globals';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { deterministicUuid, isUuid } from './event-id';

/** The ids as first defined: stored events carry them, and a retried command is recognised by them, so they may never change. */
function asFirstDefined(...parts: string[]): string {
  const b = Buffer.from(createHash('sha1').update('yuantrace:event').update('\u0000').update(parts.join('\u0000')).digest().subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

describe('deterministicUuid', () => {
  test('property: the same id as first defined for any parts (Chinese, NULs, empty), a version 5 UUID', () => {
    fc.assert(fc.property(fc.array(fc.string({ unit: 'binary' }), { maxLength: 6 }), (parts) => {
      const id = deterministicUuid(...parts);
      expect(id).toBe(asFirstDefined(...parts));
      expect(isUuid(id)).toBe(true);
      expect(id[14]).toBe('5');
    }), { numRuns: 500 });
    expect(deterministicUuid('cmd-1', 'payment-P1', '0', 'PaymentRequested', '{"amountFen":"100"}')).toBe(asFirstDefined('cmd-1', 'payment-P1', '0', 'PaymentRequested', '{"amountFen":"100"}'));
  });
});
