import { describe, expect, test } from '@jest/globals';
import { StateCache } from './state-cache';

describe('StateCache', () => {
  test('returns the latest state and never goes back to an older revision', () => {
    const c = new StateCache(10);
    c.set('s', 2n, 'two');
    c.set('s', 1n, 'one');
    expect(c.get('s')).toEqual({ revision: 2n, state: 'two' });
    c.set('s', 3n, 'three');
    expect(c.get('s')).toEqual({ revision: 3n, state: 'three' });
    c.delete('s');
    expect(c.get('s')).toBeUndefined();
  });

  test('keeps recently used streams and forgets ones unused for a whole capacity of others', () => {
    const c = new StateCache(4);
    c.set('a', 0n, 'a');
    c.set('b', 0n, 'b'); // young is full: a, b become the old generation
    c.set('c', 0n, 'c');
    expect(c.get('a')).toEqual({ revision: 0n, state: 'a' }); // a hit in the old generation moves a up; c, a become old
    c.set('d', 0n, 'd');
    c.set('e', 0n, 'e'); // d, e become old; c and a are dropped
    expect(c.get('b')).toBeUndefined();
    expect(c.get('c')).toBeUndefined();
    expect(c.get('d')).toEqual({ revision: 0n, state: 'd' });
    expect(c.size).toBeLessThanOrEqual(4);
  });

  test('a stale copy in the old generation does not shadow a newer state, nor survive a delete', () => {
    const c = new StateCache(4);
    c.set('a', 0n, 'a0');
    c.set('b', 0n, 'b'); // a0 is old now
    c.set('a', 1n, 'a1'); // a1 young
    expect(c.get('a')).toEqual({ revision: 1n, state: 'a1' });
    c.delete('a');
    expect(c.get('a')).toBeUndefined();
  });
});
