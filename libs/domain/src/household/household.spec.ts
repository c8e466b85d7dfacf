import { describe, expect, test } from '@jest/globals';
import { eligibilityOn, householdDecider, type HouseholdEvent, type HouseholdRegistered } from './household';
import { validateIdNumber, withCheckDigit } from './identity-number';
import { specFor } from '../testing/given-when-then';

const spec = specFor(householdDecider);
const registration: HouseholdRegistered['data'] = {
  householdId: 'H1', unitCode: '990101001001', category: 'general', causes: ['ILLNESS'], registeredOn: '2015-10-01',
  members: [
    { name: '张三', idRef: 'pii:a', idMasked: '9901**********0011', birthYear: 1970, relation: 'head' },
    { name: '张小', idRef: 'pii:b', idMasked: '9901**********0022', birthYear: 2005, relation: 'child' },
  ],
};
const registered: HouseholdEvent = { type: 'HouseholdRegistered', data: registration };
const change = (status: 'exited' | 'relapsed' | 'removed', date: string) => ({ householdId: 'H1', status, date, reason: 'x', documentNo: null });

describe('identity numbers (GB 11643)', () => {
  const good = withCheckDigit('99010119700101001');
  test('a valid number gives its birth date', () => expect(validateIdNumber(good, 'head.idNumber')).toEqual({ idNumber: good, birthDate: '1970-01-01' }));
  test.each([
    ['9901011970010100', 'invalid_id_number'],
    [good.slice(0, 17) + (good[17] === '0' ? '1' : '0'), 'invalid_check_digit'],
    [withCheckDigit('99010119700230001'), 'invalid_birth_date'],
    [withCheckDigit('99010118000101001'), 'invalid_birth_date'],
  ])('%s is refused with %s', (id, code) => expect(() => validateIdNumber(id, 'f')).toThrow(expect.objectContaining({ code, field: 'f' })));
});

describe('the household registry', () => {
  test('a household is registered once', () => {
    spec([]).when({ type: 'RegisterHousehold', registration }).then([registered]);
    spec([registered]).when({ type: 'RegisterHousehold', registration }).then([]);
    spec([registered]).when({ type: 'RegisterHousehold', registration: { ...registration, category: 'wubao' } }).thenRejects('id_reused_with_different_payload');
  });
  test.each([
    [{ members: registration.members.slice(1) }, 'head_required'],
    [{ causes: [] }, 'cause_required'],
    [{ members: [registration.members[0], { ...registration.members[1], idRef: 'pii:a' }] }, 'duplicate_member'],
  ])('refuses %j with %s', (over, code) => spec([]).when({ type: 'RegisterHousehold', registration: { ...registration, ...over } as never }).thenRejects(code));
  test('脱贫, 返贫 and 剔除 follow the life cycle', () => {
    spec([registered]).when({ type: 'ChangeStatus', change: change('exited', '2017-12-01') })
      .then([{ type: 'HouseholdStatusChanged', data: change('exited', '2017-12-01') }]);
    spec([registered]).when({ type: 'ChangeStatus', change: change('relapsed', '2017-12-01') }).thenRejects('relapsed_from_registered');
    const removed: HouseholdEvent = { type: 'HouseholdStatusChanged', data: change('removed', '2016-01-01') };
    spec([registered, removed]).when({ type: 'ChangeStatus', change: change('exited', '2017-12-01') }).thenRejects('exited_from_removed');
    spec([registered]).when({ type: 'ChangeStatus', change: change('exited', '2015-01-01') }).thenRejects('status_date_before_previous');
    spec([]).when({ type: 'ChangeStatus', change: change('exited', '2017-12-01') }).thenRejects('household_not_found');
  });
  test('eligibility on a date: exited stays eligible (四个不摘); removed does not; not yet registered does not', () => {
    const fold = (events: HouseholdEvent[]) => events.reduce(householdDecider.evolve, householdDecider.initialState());
    const exited = fold([registered, { type: 'HouseholdStatusChanged', data: change('exited', '2017-12-01') }]);
    expect(eligibilityOn(exited, '2018-09-01')).toBe('eligible');
    const removed = fold([registered, { type: 'HouseholdStatusChanged', data: change('removed', '2016-06-01') }]);
    expect(eligibilityOn(removed, '2016-05-31')).toBe('eligible');
    expect(eligibilityOn(removed, '2016-06-01')).toBe('removed');
    expect(eligibilityOn(fold([registered]), '2015-09-30')).toBe('not_registered');
  });
});
