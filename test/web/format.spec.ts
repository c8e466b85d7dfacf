import { describe, expect, test } from '@jest/globals';
import { drawnYuan, percentOf, sumYuan, yuan } from '../../apps/web/src/lib/format';

describe('the console’s money formatting', () => {
  test('an amount becomes a number only to be drawn: fen and the api’s yuan strings give the same yuan', () => {
    expect(drawnYuan(38_000_012n)).toBe(380000.12);
    expect(drawnYuan('380000.12')).toBe(380000.12);
    expect(drawnYuan('-0.05')).toBe(-0.05);
    expect(drawnYuan(0n)).toBe(0);
  });

  test('sums and shares are taken in integers, not floats', () => {
    // 0.1 + 0.2 in floats is 0.30000000000000004; in fen it is 0.30.
    expect(sumYuan(['0.10', '0.20'])).toBe('0.30');
    expect(percentOf('1.00', '3.00')).toBe('33.3%');
    expect(percentOf('1.00', '0.00')).toBe('—');
    expect(yuan('1234567.80')).toBe('1,234,567.80');
  });
});
