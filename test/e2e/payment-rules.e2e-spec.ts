import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { startTestApp } from '../support/app';
import { client } from '../support/http';

/** The payment thresholds the deciders apply, as the api states them for the console's gates. */
describe('GET /rule-sets/payments', () => {
  const RULES = [
    { effectiveFrom: '2014-01-01', advanceMaxPercent: 30 },
    { effectiveFrom: '2017-01-01', advanceMaxPercent: 20, publicityMinDays: 10 },
  ];
  let t: Awaited<ReturnType<typeof startTestApp>>;
  let api: ReturnType<typeof client>;
  beforeAll(async () => {
    t = await startTestApp('embedded', { PAYMENT_RULES: JSON.stringify(RULES) });
    api = client(t.app);
  });
  afterAll(async () => t?.close());

  test('every configured set, the one in force on asOf, and the benefit programmes', async () => {
    const before = (await api.as('village').get('/rule-sets/payments?asOf=2016-12-31').expect(200)).body;
    expect(before.inForce).toEqual({ effectiveFrom: '2014-01-01', advanceMaxPercent: 30, publicityMinDays: 7 });
    expect(before.versions.map((v: { advanceMaxPercent: number }) => v.advanceMaxPercent)).toEqual([30, 20]);
    expect(before.benefitTypes).toContain('EDUCATION');
    expect(before.benefitTypes).not.toContain('ROAD');
    const after = (await api.as('countyFinance').get('/rule-sets/payments?asOf=2017-01-01').expect(200)).body;
    expect(after.inForce).toEqual({ effectiveFrom: '2017-01-01', advanceMaxPercent: 20, publicityMinDays: 10 });
  });

  test('a date before the first set is a named 400; a bad date too', async () => {
    const r = await api.as('auditor').get('/rule-sets/payments?asOf=2010-01-01');
    expect({ status: r.status, code: r.body.error.code }).toEqual({ status: 400, code: 'no_payment_rule' });
    const bad = await api.as('auditor').get('/rule-sets/payments?asOf=2017-02-30');
    expect(bad.status).toBe(400);
  });
});
