import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { JwtService } from '@nestjs/jwt';
import request from 'supertest';
import { startTestApp, TEST_JWT_SECRET } from '../support/app';
import { registerCounty } from '../support/county';
import { bearer } from '../support/principals';

/** Tokens and query parameters read strictly: nothing an attacker can stretch. */
describe('access details (embedded)', () => {
  let t: Awaited<ReturnType<typeof startTestApp>>;
  const get = (path: string, auth: string) => request(t.app.getHttpServer()).get(path).set('authorization', auth);
  beforeAll(async () => {
    t = await startTestApp('embedded', { JWT_SECRET: TEST_JWT_SECRET });
    await registerCounty(t.app);
  }, 60_000);
  afterAll(async () => t?.close());

  test('a token signed with the real secret but without an expiry, or minted to outlive the limit, is refused', async () => {
    const jwt = new JwtService({ secret: TEST_JWT_SECRET });
    const claims = { sub: 'aud', role: 'auditor', scope: '990000000000' };
    const forever = jwt.sign(claims, { algorithm: 'HS256', issuer: 'yuantrace' });
    const sixtyDays = jwt.sign(claims, { algorithm: 'HS256', issuer: 'yuantrace', expiresIn: 60 * 86400 });
    const aDay = jwt.sign(claims, { algorithm: 'HS256', issuer: 'yuantrace', expiresIn: 86400 });
    for (const token of [forever, sixtyDays]) {
      const r = await get('/admin-units/990101000000/summary', `Bearer ${token}`);
      expect({ status: r.status, code: r.body.error?.code }).toEqual({ status: 401, code: 'invalid_token' });
    }
    await get('/admin-units/990101000000/summary', `Bearer ${aDay}`).expect(200);
  });

  test('an impossible calendar day or time in knownAt is a 400, never silently the next day', async () => {
    for (const knownAt of ['2016-02-30T00:00:00Z', '2016-13-01T00:00:00Z', '2016-02-28T24:00:00Z', '2016-02-28T23:60:00Z']) {
      const r = await get(`/admin-units/990101000000/summary?knownAt=${encodeURIComponent(knownAt)}`, bearer(t.app, 'auditor'));
      expect({ knownAt, status: r.status, code: r.body.error?.code }).toEqual({ knownAt, status: 400, code: 'invalid_instant' });
    }
    await get(`/admin-units/990101000000/summary?knownAt=${encodeURIComponent('2016-02-29T23:59:59+08:00')}`, bearer(t.app, 'auditor')).expect(200);
  });

  test('numeric query parameters are plain whole numbers', async () => {
    for (const limit of [' 10', '0x10', '1e2', '10.0', '+10', '010', '-1', '0', '501']) {
      const r = await get(`/events?limit=${encodeURIComponent(limit)}`, bearer(t.app, 'auditor'));
      expect({ limit, status: r.status, code: r.body.error?.code }).toEqual({ limit, status: 400, code: 'invalid_limit' });
    }
    const ok = await get('/events?limit=10', bearer(t.app, 'auditor')).expect(200);
    expect(ok.body.events.length).toBeLessThanOrEqual(10);
  });
});
