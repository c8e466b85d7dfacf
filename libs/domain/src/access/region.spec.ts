import { expect, test } from '@jest/globals';
import { maskAccount, maskIdNumber, NATIONAL_SCOPE, withinScope } from './index';

test('a scope covers its unit and every sub-unit, and nothing beside it', () => {
  expect(withinScope('990101000000', '990101000000')).toBe(true);
  expect(withinScope('990101000000', '990101001002')).toBe(true);
  expect(withinScope('990101000000', '990102001002')).toBe(false);
  expect(withinScope('990101001002', '990101001002123')).toBe(true);
  expect(withinScope('990101001002', '990101001003')).toBe(false);
  expect(withinScope('990000000000', '980101001003')).toBe(false);
  expect(withinScope(NATIONAL_SCOPE, '980101001003')).toBe(true);
});

test('masking keeps just enough to recognise a record', () => {
  expect(maskIdNumber('430121199001011234')).toBe('4301**********1234');
  expect(maskAccount('6222020200112233445')).toBe('***************3445');
  expect(maskAccount('123')).toBe('***');
});
