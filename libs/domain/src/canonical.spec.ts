import { expect, test } from '@jest/globals';
import { canonicalKey } from './canonical';

test('the same payload in another key order (as jsonb returns it) has the same key', () => {
  const a = { paymentId: 'P1', payee: { type: 'household', id: 'H', name: '张三' }, amountFen: '100', n: 5n };
  const b = { n: 5n, amountFen: '100', payee: { name: '张三', id: 'H', type: 'household' }, paymentId: 'P1' };
  expect(canonicalKey(a)).toBe(canonicalKey(b));
  expect(canonicalKey(a)).not.toBe(canonicalKey({ ...b, amountFen: '101' }));
  expect(canonicalKey([{ b: 1, a: 2 }])).toBe('[{"a":2,"b":1}]');
});
