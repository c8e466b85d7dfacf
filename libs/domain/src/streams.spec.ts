import { expect, test } from '@jest/globals';
import { parseStreamName, Streams } from './index';

test('stream names are <category>-<id>, built by one function per category', () => {
  expect(Streams.fundBatch('FB-2016.01')).toBe('fundbatch-FB-2016.01');
  expect(parseStreamName('payment-p_1')).toEqual({ category: 'payment', id: 'p_1' });
});

test('unknown categories and illegal ids are refused with a clear error', () => {
  expect(() => parseStreamName('ledger-1')).toThrow(/no known category/);
  expect(() => parseStreamName('payment-')).toThrow(/invalid id/);
  expect(() => Streams.payment('a b')).toThrow(/letters, digits/);
  expect(() => Streams.payment('x'.repeat(65))).toThrow(/1–64/);
});
