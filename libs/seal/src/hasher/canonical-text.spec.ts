import { describe, expect, jest, test } from '@jest/globals';
import fc from 'fast-check';
import { canonicalEventFromParts, canonicalEventFromTexts, canonicalFromText, eventEnvelope } from './canonical-text';
import * as v from '../verifier/yuantrace-verify';

/** What canonicalFromText must give for every text: the verifier's canonical JSON of the parsed value. */
const longWay = (text: string): string => v.canonicalJson(JSON.parse(text));

// Keys chosen to reach every branch that orders or gives up: integer-like keys (an object lists them
// first), __proto__, keys that begin one another, ' ' and '!' (below '"'), quotes and backslashes
// (escaped), non-ASCII, a character beyond the BMP (a surrogate pair) and one lone surrogate.
const trickyKey = fc.constantFrom('', '0', '2', '10', '01', '-1', '__proto__', 'constructor', 'a', 'ab', 'a!', 'a ', 'A', 'b', 'aa',
  '名称', '金额', 'é', 'e\u0301', '\u{1F600}', '\uFF61', '\ud800', 'a"b', 'a\\b', 'tab\t', 'x\u0000');
const key = fc.oneof(trickyKey, fc.string({ maxLength: 6 }), fc.string({ unit: 'binary', maxLength: 4 }));
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -0, 1e21, 1e-7, 2 ** 53, -(2 ** 53) - 2, 123456789012345, 0.1));
const text = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom('', '"', '\\', '/', '\u2028', '\u007f', '\ud83d', '道路'));
// Objects are generated as member lists, so that a text can hold a duplicate key.
type Node = null | boolean | number | string | { items: Node[] } | { members: Array<[string, Node]> };
const { node } = fc.letrec<{ node: Node; array: Node; object: Node }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, fc.constant(null), fc.boolean(), number, text, tie('array'), tie('object')),
  array: fc.array(tie('node'), { maxLength: 5 }).map((items) => ({ items })),
  object: fc.array(fc.tuple(key, tie('node')), { maxLength: 6 }).map((members) => ({ members })),
}));

/**
 * A JSON text of a generated value, written one of the ways a store may write it: compact, with
 * PostgreSQL's spacing, with line breaks; members in PostgreSQL's jsonb order (shorter keys first)
 * or as generated; strings as JSON.stringify writes them, or with every character beyond ASCII and
 * every '/' escaped.
 */
function write(x: Node, style: { space: 0 | 1 | 2; jsonbOrder: boolean; escapeAll: boolean }): string {
  const str = (s: string) => (style.escapeAll
    ? JSON.stringify(s).replace(/[\u0080-\uffff/]/g, (c) => (c === '/' ? '\\/' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`))
    : JSON.stringify(s));
  const [comma, colon, nl] = style.space === 0 ? [',', ':', ''] : style.space === 1 ? [', ', ': ', ''] : [',\n ', ' : ', '\n'];
  if (x === null || typeof x === 'boolean') return String(x);
  if (typeof x === 'number') return JSON.stringify(x);
  if (typeof x === 'string') return str(x);
  if ('items' in x) return `[${nl}${x.items.map((m) => write(m, style)).join(comma)}${nl}]`;
  const members = [...x.members];
  if (style.jsonbOrder) members.sort(([a], [b]) => Buffer.byteLength(a) - Buffer.byteLength(b) || Buffer.compare(Buffer.from(a), Buffer.from(b)));
  return `{${nl}${members.map(([k, m]) => `${str(k)}${colon}${write(m, style)}`).join(comma)}${nl}}`;
}
const style = fc.record({ space: fc.constantFrom(0 as const, 1 as const, 2 as const), jsonbOrder: fc.boolean(), escapeAll: fc.boolean() });

describe('canonical JSON from a JSON text', () => {
  test('is the verifier\'s canonical JSON of the parsed text, however the text is written (property)', () => {
    fc.assert(fc.property(node, style, (x, s) => {
      const t = write(x, s);
      expect(canonicalFromText(t)).toBe(longWay(t));
    }), { numRuns: 3000 });
  });

  test('texts PostgreSQL writes for events: members reordered, spacing dropped, numbers as JavaScript writes them', () => {
    const t = '{"b": 1, "aa": [1.50, -0, 1E2, 12345678901234567890, {"y": null, "x": "道路"}], "金额": "100", "10": true, "2": false, "__proto__": {"k": 1}}';
    expect(canonicalFromText(t)).toBe('{"10":true,"2":false,"__proto__":{"k":1},"aa":[1.5,0,100,12345678901234567000,{"x":"道路","y":null}],"b":1,"金额":"100"}');
    expect(canonicalFromText(t)).toBe(longWay(t));
  });

  test('an object of many members (sorted by the engine, not by insertion) comes out as the verifier writes it, a duplicate among them included', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `k${(i * 7919) % 300}`);
    const members = keys.map((k, i) => `"${k}": ${i}`);
    for (const t of [`{${members.join(', ')}}`, `{${[...members, '"k17": "again"'].join(', ')}}`]) expect(canonicalFromText(t)).toBe(longWay(t));
    expect(canonicalFromText(`{${members.join(', ')}}`).startsWith('{"k0":0,"k1":')).toBe(true);
  });

  test('what the scanner leaves to the long way still comes out as the verifier writes it', () => {
    for (const t of [
      '{"a": 1, "a": 2}', // a duplicate key: the last wins
      '{"b": 1, "a": {"c": 1, "c": [2]}}',
      '{"a\\u0021": 1, "a": 2}', // an escaped key
      '{"a!": 1, "a": 2, "a ": 3}', // keys below '"'
      '["\\u00e9", "\\/", "\\ud800", "\\ud83d\\ude00", "\u{1F600}"]', // escapes and surrogates
      '["\ud800", {"\udc00": 1, "a": 2}]', // raw lone surrogates (no UTF-8 text holds one): JSON.stringify escapes them
    ]) expect(canonicalFromText(t)).toBe(longWay(t));
  });

  test('nesting: as deep as the scanner takes on, the same; deeper than JSON.stringify can write, refused as the verifier refuses it', () => {
    // Warmed up, the scanner's own recursion reaches deeper than JSON.stringify's limit (about 4,000).
    for (let i = 0; i < 20_000; i++) canonicalFromText('{"b":[1,[2,{"d":1,"c":[3]}]],"a":{"y":[[]],"x":1}}');
    const nest = (n: number, open: string, close: string) => open.repeat(n) + '1' + close.repeat(n);
    for (const n of [999, 1000, 1001, 3000]) {
      for (const t of [nest(n, '[', ']'), nest(n, '{"b":1,"a":', '}')]) expect(canonicalFromText(t)).toBe(longWay(t));
    }
    for (const t of [nest(6000, '[', ']'), nest(6000, '{"a":', '}')]) {
      expect(() => longWay(t)).toThrow();
      expect(() => canonicalFromText(t)).toThrow();
    }
  });

  test('a text that is not JSON, or holds what canonical JSON cannot, is refused as the long way refuses it', () => {
    for (const t of ['', '{"a": 1', '[1,]', '01', '1.', '+1', 'tru', '{"a" 1}', '"\u0001"', '{} x', '[1e400]', '{"a": -1e999}']) {
      expect(() => longWay(t)).toThrow();
      expect(() => canonicalFromText(t)).toThrow();
    }
  });

  test('an event from its texts and the envelope\'s pieces is the verifier\'s canonicalEvent, one command\'s metadata written once or not (property)', () => {
    // Metadata from a pool of three, so that runs of events share one text (as a command's events
    // do), texts recur after others, and one of them ('{"a": 1}' written two ways) means the same.
    const metadata = fc.constantFrom('{"b": [1, 2], "a": {"y": "道路", "x": null}}', '{"a": 1}', '{"a":1}');
    const envelope = fc.record({ id: fc.uuid(), position: fc.constantFrom('975.100001', '1.1'), recordedAt: fc.constant('2026-12-03T03:22:44.795Z'),
      revision: fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String), stream: text, type: text });
    const event = fc.record({ data: fc.tuple(node, style).map(([x, st]) => write(x, st)), metadata, envelope });
    fc.assert(fc.property(fc.array(event, { minLength: 1, maxLength: 12 }), (events) => {
      for (const e of events) {
        const want = v.canonicalEvent({ data: JSON.parse(e.data), metadata: JSON.parse(e.metadata), ...e.envelope });
        const { between, after } = eventEnvelope(e.envelope);
        expect(canonicalEventFromParts(e.data, between, e.metadata, after)).toBe(want);
        expect(canonicalEventFromTexts({ data: e.data, metadata: e.metadata, ...e.envelope })).toBe(want);
      }
    }), { numRuns: 1000 });
  });

  test('metadata that is not JSON is refused even right after metadata that was, and an empty text before any', () => {
    const { between, after } = eventEnvelope({ id: 'x', position: '1.1', recordedAt: 'r', revision: '0', stream: 's', type: 't' });
    // The one kept text starts as none: an empty text, the first one a fresh module sees, is no match for it.
    jest.isolateModules(() => {
      const fresh = require('./canonical-text') as typeof import('./canonical-text');
      expect(() => fresh.canonicalEventFromParts('{}', between, '', after)).toThrow();
    });
    expect(() => canonicalEventFromParts('{}', between, '', after)).toThrow();
    expect(canonicalEventFromParts('{}', between, '{"b": 1, "a": 2}', after)).toContain('"metadata":{"a":2,"b":1}');
    expect(() => canonicalEventFromParts('{}', between, '{"b": 1, "a": 2', after)).toThrow();
    expect(canonicalEventFromParts('{}', between, '{"b": 1, "a": 2}', after)).toContain('"metadata":{"a":2,"b":1}');
  });
});
