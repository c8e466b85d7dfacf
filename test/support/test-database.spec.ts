import { describe, expect, test } from '@jest/globals';
import { chooseTestDatabase, DEFAULT_TEST_DATABASE_URL } from './test-database';

describe('which PostgreSQL the suites use', () => {
  test('a configured TEST_DATABASE_URL is used as given, even when the default answers or it does not', () => {
    expect(chooseTestDatabase('postgres://u@db:6543/x', true)).toEqual({ use: 'configured', url: 'postgres://u@db:6543/x' });
    expect(chooseTestDatabase('postgres://u@db:6543/x', false)).toEqual({ use: 'configured', url: 'postgres://u@db:6543/x' });
  });
  test('without one, the local default when it answers', () => {
    expect(chooseTestDatabase(undefined, true)).toEqual({ use: 'default', url: DEFAULT_TEST_DATABASE_URL });
    expect(chooseTestDatabase('  ', true)).toEqual({ use: 'default', url: DEFAULT_TEST_DATABASE_URL });
  });
  test('and a private server when nothing answers', () => {
    expect(chooseTestDatabase(undefined, false)).toEqual({ use: 'private' });
    expect(chooseTestDatabase('', false)).toEqual({ use: 'private' });
  });
});
