import { describe, expect, test } from '@jest/globals';
import { formatFen, parseYuan, Rejection } from './index';

describe('money: yuan strings in, integer fen inside', () => {
  test.each([
    ['380000.00', 38000000n],
    ['380000', 38000000n],
    ['0.01', 1n],
    ['1.5', 150n],
    ['10000000000000', 1000000000000000n],
  ])('parses %s as %s fen', (input, fen) => {
    expect(parseYuan(input)).toBe(fen);
  });

  test.each([
    ['1.001', /at most two decimals/],
    ['-5', /at most two decimals/],
    ['0', /greater than zero/],
    ['0.00', /greater than zero/],
    ['10000000000000.01', /10\^13/],
    ['1e5', /at most two decimals/],
    [' 12', /at most two decimals/],
    ['012', /at most two decimals/],
  ])('refuses %s', (input, message) => {
    expect(() => parseYuan(input)).toThrow(message);
  });

  test('refuses numbers: amounts travel as strings so no float ever touches them', () => {
    try {
      parseYuan(380000.5, 'budget');
      throw new Error('expected a rejection');
    } catch (e) {
      expect(e).toBeInstanceOf(Rejection);
      expect((e as Rejection).field).toBe('budget');
      expect((e as Rejection).kind).toBe('invalid');
    }
  });

  test.each([
    [38000000n, '380000.00'],
    [1n, '0.01'],
    [0n, '0.00'],
    [-150n, '-1.50'],
    [123456789012345678n, '1234567890123456.78'],
  ])('formats %s fen as %s', (fen, text) => {
    expect(formatFen(fen)).toBe(text);
  });
});

test('amounts this system formatted read back exactly, sign and zero included', () => {
  const { fenFromFormatted } = require('./index');
  for (const fen of [0n, 1n, -150n, 123456789012345678n]) expect(fenFromFormatted(formatFen(fen))).toBe(fen);
  expect(() => fenFromFormatted('1.5')).toThrow(/formatted as yuan/);
});
