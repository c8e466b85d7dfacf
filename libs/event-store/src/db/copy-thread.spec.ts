import { expect, test } from '@jest/globals';
import fc from 'fast-check';
import { COPY_FIELD_SOURCE } from './copy-thread';
import { copyField } from './db';

/** The COPY thread's escaping is its own text (a worker runs it as source): it must write every field as copyField does. */
// eslint-disable-next-line @typescript-eslint/no-implied-eval
const threadField = new Function(`return ${COPY_FIELD_SOURCE}`)() as (v: string | null) => string;

test('the COPY thread escapes backslash, tab, newline and carriage return as copyField does, and writes null as \\N', () => {
  expect(threadField('a\tb\nc\rd\\e')).toBe('a\\tb\\nc\\rd\\\\e');
  expect(threadField('{"a":"b\\"c"}')).toBe('{"a":"b\\\\"c"}');
  expect(threadField(null)).toBe('\\N');
  expect(threadField('\\N')).toBe('\\\\N');
});

test('property: the COPY thread and copyField write every string alike', () => {
  const hostile = fc.constantFrom('\\', '\\\\', '\t', '\n', '\r', '\r\n', '\\N', '\\.', '"', '张德贵', '👨‍👩‍👧', '');
  const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 30 }), fc.array(fc.oneof(hostile, fc.string({ maxLength: 3 })), { maxLength: 8 }).map((a) => a.join('')));
  fc.assert(fc.property(text, (s) => threadField(s) === copyField(s)), { numRuns: 2000 });
});
