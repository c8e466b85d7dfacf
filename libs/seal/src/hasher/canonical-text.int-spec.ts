import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import type { Db } from '@yuantrace/event-store';
import { dropSchema, openTestPg, openTestPglite, uniqueSchema } from '../../../../test/support/databases';
import { canonicalFromText } from './canonical-text';
import * as v from '../verifier/yuantrace-verify';

// The sealer's catch-up writes canonical JSON from the texts PostgreSQL (or PGlite) gives for jsonb;
// the live path and the verifier write it from the values the driver parses. They must agree on
// whatever jsonb holds: members in jsonb's own order (shorter keys first), its spacing, numbers kept
// as they were written (1.50, 1E+2, integers past 2^53), every escape jsonb writes.
const key = fc.oneof(fc.constantFrom('0', '2', '10', '__proto__', 'a', 'ab', 'a!', 'a ', '名称', '\u{1F600}', 'a"b', 'a\\b', 'tab\t'), fc.string({ maxLength: 6 }));
const scalar = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.string({ maxLength: 8 }), fc.constantFrom('道路', '\u2028', '"\\/', '\u007f', '\u0001'));
const { json } = fc.letrec((tie) => ({
  json: fc.oneof({ depthSize: 'small' }, scalar, tie('array'), tie('object')),
  array: fc.array(tie('json'), { maxLength: 4 }),
  object: fc.dictionary(key, tie('json'), { maxKeys: 6 }),
}));
// jsonb refuses \u0000 in a string or a key.
const storable = (text: string) => !text.includes('\\u0000');

describe.each(['postgres', 'embedded'] as const)('canonical JSON from jsonb texts on %s', (backend) => {
  let db: Db;
  const schema = uniqueSchema('canon');
  beforeAll(async () => {
    db = backend === 'postgres' ? await openTestPg(schema, 2) : await openTestPglite();
  });
  afterAll(async () => {
    await db.close();
    if (backend === 'postgres') await dropSchema(schema);
  });

  test('equals the verifier\'s canonical JSON of the value the driver parses, for generated values and numbers as written', async () => {
    const texts = fc.sample(json, { numRuns: 400, seed: 17 }).map((x) => JSON.stringify(x)).filter(storable);
    texts.push('{"b": 1.50, "a": [1E+2, -0, 0.000001, 12345678901234567890, 1.7976931348623157e308], "aa": {"y": 1, "x": 2}}');
    const r = await db.query<{ parsed: unknown; text: string }>(
      `select j as parsed, j::text as text from unnest($1::text[]) with ordinality as t(s, n), lateral (select s::jsonb as j) x order by n`, [texts]);
    expect(r.rows).toHaveLength(texts.length);
    for (const row of r.rows) expect(canonicalFromText(row.text)).toBe(v.canonicalJson(row.parsed));
    // The texts really are jsonb's, not the texts sent: members reordered, spaced, numbers as numeric writes them.
    expect(r.rows.at(-1)!.text).toBe(`{"a": [100, 0, 0.000001, 12345678901234567890, 17976931348623157${'0'.repeat(292)}], "b": 1.50, "aa": {"x": 2, "y": 1}}`);
  });
});
