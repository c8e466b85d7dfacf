import { describe, expect, test } from '@jest/globals';
import { Rejection } from '@yuantrace/domain';
import { CLOCK_LEEWAY_MS, parseBasis, parseInstant } from './basis';

const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof Rejection) return { code: e.code, field: e.field, message: e.message };
    throw e;
  }
  return undefined;
};

describe('a read’s basis is never in the future', () => {
  // 16:30 UTC is 00:30 the next day in Asia/Shanghai, the calendar business dates are kept in.
  const now = new Date('2026-12-05T16:30:00Z');

  test('asOf may be today in Asia/Shanghai, not the day after', () => {
    expect(parseBasis({ asOf: '2026-12-06' }, now)).toEqual({ asOf: '2026-12-06' });
    expect(parseBasis({ asOf: '2016-03-01' }, now)).toEqual({ asOf: '2016-03-01' });
    expect(refusal(() => parseBasis({ asOf: '2026-12-07' }, now))).toMatchObject({ code: 'date_in_future', field: 'asOf' });
    expect(refusal(() => parseBasis({ asOf: '2026-12-07' }, now))?.message).toContain('2026-12-06');
  });

  test('knownAt may run ahead of this clock by the leeway, not more', () => {
    const at = (ms: number) => new Date(now.getTime() + ms).toISOString();
    // Within the leeway it is read as now: the basis an answer states is never still to come.
    expect(parseBasis({ knownAt: at(CLOCK_LEEWAY_MS) }, now).knownAt).toEqual(now);
    expect(parseBasis({ knownAt: at(-1000) }, now).knownAt).toEqual(new Date(at(-1000)));
    expect(refusal(() => parseBasis({ knownAt: at(CLOCK_LEEWAY_MS + 1000) }, now))).toMatchObject({ code: 'instant_in_future', field: 'knownAt' });
    // The same instant written in another zone is the same instant.
    expect(refusal(() => parseBasis({ knownAt: '2026-12-06T00:33:00+08:00' }, now))).toBeUndefined();
    expect(refusal(() => parseBasis({ knownAt: '2026-12-06T00:36:00+08:00' }, now))).toMatchObject({ code: 'instant_in_future' });
  });

  test('a list’s instants (from, to) are checked as written and may lie ahead', () => {
    expect(parseInstant('2030-01-01T00:00:00Z', 'to')).toEqual(new Date('2030-01-01T00:00:00Z'));
    expect(refusal(() => parseInstant('2016-02-30T00:00:00Z', 'from'))).toMatchObject({ code: 'invalid_instant', field: 'from' });
    expect(refusal(() => parseInstant('yesterday', 'to'))?.message).toBe('to must be an ISO-8601 instant with a zone, e.g. 2016-07-01T00:00:00Z');
  });
});
