import { expect, test } from '@jest/globals';
import { bankReferenceKey, parseStreamName, Streams } from './index';

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

test('a bank reference keys its stream as the bank reads it: case, spaces and full-width forms make no other transfer', () => {
  const one = Streams.bankReference('one_card', 'BOC2016-0515');
  for (const written of ['boc2016-0515', 'BOC 2016-0515', 'ＢＯＣ２０１６－０５１５', 'Boc\u30002016 - 0515', 'ｂｏｃ2016-0515']) {
    expect({ written, stream: Streams.bankReference('one_card', written) }).toEqual({ written, stream: one });
  }
  expect(bankReferenceKey('一卡通-2016-0001')).toBe('一卡通-2016-0001');
  // Dashes of every width (a Chinese input method's 破折号 and 长音符 too) read as one.
  for (const dash of ['\u2010', '\u2013', '\u2014', '\u2212', '\uff0d', '\u30fc']) expect(bankReferenceKey(`一卡通${dash}2016${dash}0001`)).toBe('一卡通-2016-0001');
  // The stream such a reference was kept in before keys: its digest as written, the same stream for a reference already in key form.
  expect(Streams.bankReferenceAsWritten('one_card', 'BOC2016-0515')).toBe(one);
  expect(Streams.bankReferenceAsWritten('one_card', 'boc 2016-0515')).not.toBe(one);
  // Another reference, or the same on another channel, is another stream.
  expect(Streams.bankReference('one_card', 'BOC2016-0516')).not.toBe(one);
  expect(Streams.bankReference('bank_transfer', 'BOC2016-0515')).not.toBe(one);
  expect(Streams.bankReference('one_card', 'BOC2016-05150')).not.toBe(one);
});
