import { expect, test } from '@jest/globals';
import { KeyedMutex } from './keyed-mutex';

test('tasks on one key run one at a time, in order; other keys run alongside; a failure does not block the queue', async () => {
  const m = new KeyedMutex();
  const log: string[] = [];
  const task = (name: string, ms: number, fail = false) => async () => {
    log.push(`${name}+`);
    await new Promise((r) => setTimeout(r, ms));
    log.push(`${name}-`);
    if (fail) throw new Error(name);
    return name;
  };
  const results = await Promise.allSettled([m.run('a', task('a1', 20, true)), m.run('a', task('a2', 5)), m.run('b', task('b1', 5))]);
  expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
  expect(log.indexOf('a1-')).toBeLessThan(log.indexOf('a2+'));
  expect(log.indexOf('b1+')).toBeLessThan(log.indexOf('a1-'));
});
