import { describe, test } from '@jest/globals';
import { adminUnitDecider, type AdminUnitState } from './admin-unit';
import { specFor } from '../testing/given-when-then';

const spec = specFor(adminUnitDecider);
const province: AdminUnitState = { status: 'registered', code: '990000000000', name: '演示省', level: 'province', parentCode: null };
const county: AdminUnitState = { status: 'registered', code: '990101000000', name: '演示县', level: 'county', parentCode: '990100000000' };

describe('admin units', () => {
  test('a province needs no parent', () =>
    spec([]).when({ code: '990000000000', name: '演示省', level: 'province', parentCode: null, parent: undefined })
      .then([{ type: 'AdminUnitRegistered', data: { code: '990000000000', name: '演示省', level: 'province', parentCode: null } }]));
  test('a township under its county', () =>
    spec([]).when({ code: '990101001000', name: '一乡', level: 'township', parentCode: '990101000000', parent: county })
      .then([{ type: 'AdminUnitRegistered', data: { code: '990101001000', name: '一乡', level: 'township', parentCode: '990101000000' } }]));
  test.each([
    [{ code: '99', level: 'province', parentCode: null }, 'invalid_unit_code'],
    [{ code: '990101000000', level: 'village', parentCode: '990100000000' }, 'code_does_not_fit_level'],
    [{ code: '990000000000', level: 'province', parentCode: '990000000000' }, 'province_has_no_parent'],
    [{ code: '990101001000', level: 'township', parentCode: null }, 'parent_required'],
    [{ code: '990102001000', level: 'township', parentCode: '990101000000' }, 'code_outside_parent'],
    [{ code: '990101001000', level: 'township', parentCode: '990101000000', parent: { status: 'none' } }, 'parent_not_found'],
    [{ code: '990100000000', level: 'city', parentCode: '990101000000' }, 'parent_level_not_above'],
    [{ code: '990101001000', level: 'hamlet', parentCode: '990101000000' }, 'invalid_level'],
  ])('refuses %j with %s', (c, code) =>
    spec([]).when({ name: 'x', parent: county, ...c } as never).thenRejects(code));
  test('the same unit again is a no-op; a new name is a rename; level and parent cannot change', () => {
    const reg = { type: 'AdminUnitRegistered' as const, data: { code: '990000000000', name: '演示省', level: 'province' as const, parentCode: null } };
    spec([reg]).when({ code: '990000000000', name: '演示省', level: 'province', parentCode: null, parent: undefined }).then([]);
    spec([reg]).when({ code: '990000000000', name: '示范省', level: 'province', parentCode: null, parent: undefined })
      .then([{ type: 'AdminUnitRenamed', data: { code: '990000000000', name: '示范省', previousName: '演示省' } }]);
    spec([reg]).when({ code: '990000000000', name: '演示省', level: 'city', parentCode: null, parent: province }).thenRejects('code_does_not_fit_level');
  });
});
