import { describe, expect, test } from '@jest/globals';
import { EXPORT_ROWS, ListQuery, MAX_LIMIT, onlyParameters } from './list-params';

describe('a list query', () => {
  const known = ['limit', 'offset', 'sort', 'format'];
  test('an export with no limit is the whole list (up to EXPORT_ROWS); a page asked for, or JSON, is the page', () => {
    expect(new ListQuery({}, known).page(['a'], 'a', 'csv')).toEqual({ limit: EXPORT_ROWS, offset: 0, sort: 'a' });
    expect(new ListQuery({}, known).page(['a'], 'a', 'xlsx').limit).toBe(EXPORT_ROWS);
    expect(new ListQuery({}, known).page(['a'], 'a', 'json').limit).toBe(100);
    expect(new ListQuery({}, known).page(['a'], 'a').limit).toBe(100);
    expect(new ListQuery({ limit: '7', offset: '3' }, known).page(['a'], 'a', 'csv')).toEqual({ limit: 7, offset: 3, sort: 'a' });
    expect(() => new ListQuery({ limit: String(MAX_LIMIT + 1) }, known).page(['a'], 'a', 'csv')).toThrow(/limit/);
    expect(EXPORT_ROWS).toBeGreaterThan(MAX_LIMIT);
  });

  test('a parameter the route does not know is refused, naming it and the known ones', () => {
    expect(() => onlyParameters({ asof: '2016-01-01' }, ['asOf', 'knownAt'])).toThrow('asof is not a parameter of this view (known: asOf, knownAt)');
    expect(() => new ListQuery({ foo: '1' }, known)).toThrow('foo is not a parameter of this list');
    expect(() => onlyParameters({ asOf: '2016-01-01' }, ['asOf', 'knownAt'])).not.toThrow();
  });
});
