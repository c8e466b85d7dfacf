import { createHash, generateKeyPairSync, randomUUID, sign as ed25519Sign } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import * as v from './yuantrace-verify';
import type { CanonicalFields, CheckpointBody, HashName, SealedRange, SignedCheckpoint, WalkedEvent } from './yuantrace-verify';

// The standalone verifier against the formats its header states: RFC 8785 canonical JSON, the
// RFC 6962 / 9162 Merkle tree, and the hash chain and signed checkpoints of a sealed log, with a
// small sealer of its own here (the recipe of libs/seal/src/sealer.ts) so that no database is needed.

const hex = (b: Buffer): string => b.toString('hex');

// ---------------------------------------------------------------------------------------------
// Canonical JSON (RFC 8785).

describe('canonicalJson (RFC 8785)', () => {
  test('sorts keys by UTF-16 code units, as the sample of RFC 8785 §3.2.3', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // U+1F600 (surrogates D83D DE00) sorts before U+FB33: code-unit order, not code-point order.
    expect(v.canonicalJson(input)).toBe(
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis",' +
        '"\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
    );
    expect(v.canonicalJson({ '\u00f6': 1, '\u00e9': 2, z: 3, Z: 4, '': 5 })).toBe('{"":5,"Z":4,"z":3,"\u00e9":2,"\u00f6":1}');
  });

  test('reproduces the example of RFC 8785 §3.2.2.3 (numbers, string escapes, literals)', () => {
    const input = String.raw`{
      "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
      "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
      "literals": [null, true, false]
    }`;
    expect(v.canonicalJson(JSON.parse(input))).toBe(
      String.raw`{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`,
    );
  });

  // RFC 8785 Appendix B: IEEE 754 bit patterns and their ECMAScript serialisation.
  test.each([
    ['0000000000000000', '0'],
    ['8000000000000000', '0'],
    ['0000000000000001', '5e-324'],
    ['8000000000000001', '-5e-324'],
    ['7fefffffffffffff', '1.7976931348623157e+308'],
    ['4340000000000000', '9007199254740992'],
    ['4430000000000000', '295147905179352830000'],
    ['44b52d02c7e14af6', '1e+23'],
    ['44b52d02c7e14af7', '1.0000000000000001e+23'],
    ['444b1ae4d6e2ef4f', '999999999999999900000'],
    ['444b1ae4d6e2ef50', '1e+21'],
    ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
    ['3eb0c6f7a0b5ed8d', '0.000001'],
    ['41b3de4355555554', '333333333.33333325'],
    ['becbf647612f3696', '-0.0000033333333333333333'],
    ['43143ff3c1cb0959', '1424953923781206.2'],
  ])('writes the double %s as %s (RFC 8785 Appendix B)', (bits, text) => {
    const n = Buffer.from(bits, 'hex').readDoubleBE(0);
    expect(v.canonicalJson(n)).toBe(text);
    expect(v.canonicalJson({ n: [n] })).toBe(`{"n":[${text}]}`);
  });

  test('numbers as ECMAScript writes them: 1e21, 0.000001, 1e-7, -0', () => {
    expect(v.canonicalJson([1e21, 1e20, 0.000001, 1e-7, -0, 4.5, -1.25])).toBe('[1e+21,100000000000000000000,0.000001,1e-7,0,4.5,-1.25]');
  });

  test('no whitespace; nested objects sorted at every level; arrays keep their order', () => {
    const value = { b: [3, 1, { z: 1, a: [2, 1] }], a: { y: { d: null, c: true }, x: 'x y' } };
    expect(v.canonicalJson(value)).toBe('{"a":{"x":"x y","y":{"c":true,"d":null}},"b":[3,1,{"a":[2,1],"z":1}]}');
    expect(v.canonicalJson(JSON.parse('{ "b" : [ 1 , 2 ] ,\n\t"a" : { } , "c": [ ] }'))).toBe('{"a":{},"b":[1,2],"c":[]}');
  });

  test('undefined members are dropped (and undefined array elements are null, as JSON.stringify)', () => {
    expect(v.canonicalJson({ a: undefined, b: 1, c: { d: undefined } })).toBe('{"b":1,"c":{}}');
    expect(v.canonicalJson([undefined, 1])).toBe('[null,1]');
  });

  test.each([NaN, Infinity, -Infinity])('refuses the non-finite number %p, also nested', (n) => {
    expect(() => v.canonicalJson(n)).toThrow();
    expect(() => v.canonicalJson({ a: [1, { b: n }] })).toThrow();
  });

  test('refuses a BigInt, which JSON cannot hold', () => {
    expect(() => v.canonicalJson(10n)).toThrow();
    expect(() => v.canonicalJson({ a: [10n] })).toThrow();
  });

  test('a member named "__proto__" (JSON.parse makes it an own member) is written, wherever it stands', () => {
    // Event data is JSON from outside: such a member is part of what is sealed, so changing it
    // must change the canonical text, and with it the leaf hash.
    for (const text of ['{"b":1,"__proto__":{"x":1}}', '{"__proto__":{"x":1},"b":1}']) {
      expect(v.canonicalJson(JSON.parse(text))).toBe('{"__proto__":{"x":1},"b":1}');
    }
    const event = (data: string): CanonicalFields => ({
      id: '00000000-0000-4000-8000-000000000000', stream: 'payment-A', revision: '0', position: '1.1',
      recordedAt: '2024-01-01T00:00:00.000Z', type: 'PaymentRecorded', metadata: {}, data: JSON.parse(data),
    });
    const [a, b] = ['{"amount":"1.00","__proto__":{"to":"alice"}}', '{"amount":"1.00","__proto__":{"to":"mallory"}}'].map(event);
    expect(hex(v.leafHash('sha256', v.canonicalEvent(a)))).not.toBe(hex(v.leafHash('sha256', v.canonicalEvent(b))));
  });

  test('property: canonical JSON read back and canonicalised again is the same text', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), (x) => {
        const once = v.canonicalJson(x);
        expect(v.canonicalJson(JSON.parse(once))).toBe(once);
      }),
      { numRuns: 100 },
    );
  });

  test('property: canonical JSON does not depend on the order in which keys were inserted', () => {
    // Rebuilds every object of the value with its keys in another order (Object.fromEntries, so
    // that a "__proto__" key stays an own member).
    const reorder = (x: unknown, rnd: () => number): unknown => {
      if (Array.isArray(x)) return x.map((e) => reorder(e, rnd));
      if (x === null || typeof x !== 'object') return x;
      const entries = Object.entries(x).map(([k, e]) => [k, reorder(e, rnd)] as const);
      for (let i = entries.length - 1; i > 0; i--) {
        const j = Math.floor(rnd() * (i + 1));
        [entries[i], entries[j]] = [entries[j], entries[i]];
      }
      return Object.fromEntries(entries);
    };
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), fc.integer(), (x, seed) => {
        let s = seed | 0;
        const rnd = (): number => {
          s = (Math.imul(s, 1103515245) + 12345) | 0;
          return (s >>> 8) / 2 ** 24;
        };
        expect(v.canonicalJson(reorder(x, rnd))).toBe(v.canonicalJson(x));
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Merkle trees (RFC 6962 §2.1, RFC 9162 §2.1.3).

/** Where leaf m of a tree of n leaves hangs: L/R from the leaf up to the root (RFC 6962's split). */
function directions(m: number, n: number): string {
  if (n <= 1) return '';
  let k = 1;
  while (k * 2 < n) k *= 2;
  return m < k ? directions(m, k) + 'L' : directions(m - k, n - k) + 'R';
}

describe.each(['sha256', 'sm3'] as HashName[])('Merkle tree with %s', (alg) => {
  const H = (...parts: Buffer[]): Buffer => createHash(alg).update(Buffer.concat(parts)).digest();
  const ONE = Buffer.from([1]);
  const leavesFor = (seed: number, n: number): Buffer[] => Array.from({ length: n }, (_, i) => v.leafHash(alg, `${seed}/${i}`));

  test('has the RFC 6962 shape for 0, 1, 2 and 3 leaves, and the leaf and chain hashes of the header', () => {
    const data = ['{"a":1}', '{"b":2}', '{"c":"三"}'];
    const [l0, l1, l2] = data.map((d) => H(Buffer.from([0]), Buffer.from(d, 'utf8')));
    expect(data.map((d) => hex(v.leafHash(alg, d)))).toEqual([l0, l1, l2].map(hex));
    expect(hex(v.chainNext(alg, v.ZERO_HASH, data[0]))).toBe(hex(H(Buffer.alloc(32), Buffer.from(data[0], 'utf8'))));
    expect(hex(v.merkleRoot(alg, []))).toBe(hex(H()));
    expect(hex(v.merkleRoot(alg, [l0]))).toBe(hex(l0));
    expect(hex(v.merkleRoot(alg, [l0, l1]))).toBe(hex(H(ONE, l0, l1)));
    expect(hex(v.merkleRoot(alg, [l0, l1, l2]))).toBe(hex(H(ONE, H(ONE, l0, l1), l2)));
    expect(v.inclusionPath(alg, [l0], 0)).toEqual([]);
    expect(v.inclusionPath(alg, [l0, l1, l2], 0).map(hex)).toEqual([l1, l2].map(hex));
    expect(v.inclusionPath(alg, [l0, l1, l2], 1).map(hex)).toEqual([l0, l2].map(hex));
    expect(v.inclusionPath(alg, [l0, l1, l2], 2).map(hex)).toEqual([hex(H(ONE, l0, l1))]);
    // Five leaves: split at 4, so leaf 4 hangs straight under the root.
    const five = leavesFor(5, 5);
    const left = H(ONE, H(ONE, five[0], five[1]), H(ONE, five[2], five[3]));
    expect(hex(v.merkleRoot(alg, five))).toBe(hex(H(ONE, left, five[4])));
    expect(v.inclusionPath(alg, five, 4).map(hex)).toEqual([hex(left)]);
  });

  const scenario = fc.integer({ min: 1, max: 300 }).chain((n) =>
    fc.record({
      n: fc.constant(n),
      m: fc.integer({ min: 0, max: n - 1 }),
      other: fc.integer({ min: 0, max: n - 1 }),
      size: fc.integer({ min: 1, max: 400 }),
      element: fc.nat(),
      bit: fc.integer({ min: 0, max: 255 }),
      seed: fc.nat(),
    }),
  );

  test('property: every leaf climbs its inclusion path to the root, and nothing else does', () => {
    fc.assert(
      fc.property(scenario, ({ n, m, other, size, element, bit, seed }) => {
        const leaves = leavesFor(seed, n);
        const root = v.merkleRoot(alg, leaves);
        const path = v.inclusionPath(alg, leaves, m);
        expect(path).toHaveLength(directions(m, n).length);
        expect(hex(v.rootFromPath(alg, m, n, leaves[m], path) ?? Buffer.alloc(0))).toBe(hex(root));

        const differs = (r: Buffer | undefined): boolean => r === undefined || !r.equals(root);
        // Another leaf, at the same place.
        expect(differs(v.rootFromPath(alg, m, n, v.leafHash(alg, `other ${seed}`), path))).toBe(true);
        // Another index: another place in the tree (or a path of the wrong length).
        if (other !== m) expect(differs(v.rootFromPath(alg, other, n, leaves[m], path))).toBe(true);
        expect(v.rootFromPath(alg, n, n, leaves[m], path)).toBeUndefined();
        expect(v.rootFromPath(alg, -1, n, leaves[m], path)).toBeUndefined();
        // Another size: the proof then fails unless leaf m sits at exactly the same place in both
        // trees (e.g. in a complete left subtree both share). That is RFC 9162's design: the
        // checkpoint signs count beside merkleRoot, so a proof is only ever read with the signed size.
        if (size !== n) {
          const r = v.rootFromPath(alg, m, size, leaves[m], path);
          if (m >= size) expect(r).toBeUndefined();
          else expect(!differs(r)).toBe(directions(m, size) === directions(m, n));
        }
        // One bit of one path element flipped.
        if (path.length > 0) {
          const flipped = path.map((p) => Buffer.from(p));
          const j = element % path.length;
          flipped[j][bit >> 3] ^= 1 << (bit & 7);
          expect(differs(v.rootFromPath(alg, m, n, leaves[m], flipped))).toBe(true);
        }
        // A path element too many or too few.
        expect(v.rootFromPath(alg, m, n, leaves[m], [...path, root])).toBeUndefined();
        if (path.length > 0) expect(v.rootFromPath(alg, m, n, leaves[m], path.slice(1))).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// A sealer for the tests: the recipe of libs/seal/src/sealer.ts, on a list in memory.

type Signer = { pub: v.PublicKeyInfo; sign: (bytes: Buffer) => string };

function ed25519Signer(): Signer {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = v.parsePublicKey(JSON.stringify({ alg: 'ed25519', publicKey: publicKey.export({ format: 'pem', type: 'spki' }) }));
  return { pub, sign: (bytes) => ed25519Sign(null, bytes, privateKey).toString('hex') };
}

function sm2Signer(): Signer {
  const key = v.sm2GenerateKey();
  const pub = v.parsePublicKey(JSON.stringify({ alg: 'sm2-sm3', publicKey: key.publicKey }));
  return { pub, sign: (bytes) => v.sm2SignatureToHex(v.sm2Sign(key.privateKey, bytes)) };
}

const signed = (signer: Signer, body: CheckpointBody): SignedCheckpoint => ({ body, signature: signer.sign(v.checkpointBytes(body)) });

function makeEvents(n: number): CanonicalFields[] {
  return Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    stream: `payment-${'ABC'[i % 3]}`,
    revision: String(Math.floor(i / 3)),
    position: `${i + 1}.${i + 1}`,
    recordedAt: new Date(Date.UTC(2024, 0, 1) + i * 1000).toISOString(),
    type: 'PaymentRecorded',
    data: { amount: `${(i + 1) * 10}.00` },
    metadata: { source: 'test' },
  }));
}

const walked = (e: CanonicalFields): WalkedEvent => ({ canonical: v.canonicalEvent(e), id: e.id, stream: e.stream, revision: e.revision, position: e.position });

async function* stream<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

type Sealed = { checkpoints: SignedCheckpoint[]; sealed: Map<number, SealedRange>; events: WalkedEvent[] };

/** Chains every event and signs a checkpoint after every `every` events; the rest stay unsealed. */
function seal(events: readonly CanonicalFields[], every: number, signer: Signer): Sealed {
  const { hash, alg, keyId } = signer.pub;
  const checkpoints: SignedCheckpoint[] = [];
  const sealed = new Map<number, SealedRange>();
  let chain = v.ZERO_HASH;
  let pending: SealedRange = { ids: [], leaves: [] };
  let fromCount = 0;
  let fromPosition = '0.0';
  events.forEach((e, i) => {
    const canonical = v.canonicalEvent(e);
    chain = v.chainNext(hash, chain, canonical);
    pending.ids.push(e.id);
    pending.leaves.push(v.leafHash(hash, canonical));
    if (pending.ids.length < every) return;
    const no = checkpoints.length + 1;
    const body: CheckpointBody = {
      log: 'test-log',
      no,
      alg,
      hash,
      keyId,
      fromCount,
      count: i + 1,
      fromPosition,
      position: e.position,
      chainHead: hex(chain),
      merkleRoot: hex(v.merkleRoot(hash, pending.leaves)),
      previous: no === 1 ? '0'.repeat(64) : v.checkpointLink(hash, checkpoints[no - 2]),
      sealedAt: new Date(Date.UTC(2024, 0, 2, 0, no)).toISOString(),
    };
    checkpoints.push(signed(signer, body));
    sealed.set(no, pending);
    pending = { ids: [], leaves: [] };
    fromCount = i + 1;
    fromPosition = e.position;
  });
  return { checkpoints, sealed, events: events.map(walked) };
}

const ed = ed25519Signer();
const other = ed25519Signer();

// ---------------------------------------------------------------------------------------------
// The whole log against its seals.

type Tamper =
  | { op: 'alter' | 'delete' | 'insert' | 'truncate'; k: number }
  // slotPositions: the two events change places and each takes the position of the slot it moves
  // into (positions stay ascending, as a raw-SQL swap of all columns but the position leaves them);
  // otherwise each keeps its own position, so the walk meets them out of position order.
  | { op: 'swap'; k: number; slotPositions: boolean };

type Expected = { kind: string; k: number; eventId: string } | { ok: true; unsealed: number } | { gapAt: string };

/**
 * Applies one change to the live list and says what the verifier must report, given that the
 * first `s` events are sealed. Changes wholly past the sealed part cannot be seen: the report is ok.
 */
function applyTamper(events: readonly CanonicalFields[], t: Tamper, s: number): { live: CanonicalFields[]; expected: Expected } {
  const live = [...events];
  const { k } = t;
  const n = events.length;
  switch (t.op) {
    case 'alter':
      live[k] = { ...events[k], data: { amount: `${(events[k].data as { amount: string }).amount}1` } };
      return { live, expected: k < s ? { kind: 'altered', k, eventId: events[k].id } : { ok: true, unsealed: n - s } };
    case 'delete':
      live.splice(k, 1);
      // Deleting the very last event, when it is sealed, leaves nothing after it: a tail cut.
      if (k < s) return { live, expected: { kind: k === n - 1 ? 'truncated' : 'deleted', k, eventId: events[k].id } };
      {
        // Past the sealed part an event deleted before a later one of its stream still shows: the
        // stream's revisions jump at that later event.
        const next = events.slice(k + 1).find((e) => e.stream === events[k].stream);
        return { live, expected: next ? { gapAt: next.id } : { ok: true, unsealed: n - 1 - s } };
      }
    case 'insert': {
      const added: CanonicalFields = { ...makeEvents(1)[0], stream: 'payment-Z', position: `${k}.${k}5`, data: { amount: '1.00' } };
      live.splice(k, 0, added);
      return { live, expected: k < s ? { kind: 'inserted', k, eventId: added.id } : { ok: true, unsealed: n + 1 - s } };
    }
    case 'swap': {
      const [a, b] = [events[k], events[k + 1]];
      live[k] = t.slotPositions ? { ...b, position: a.position } : b;
      live[k + 1] = t.slotPositions ? { ...a, position: b.position } : a;
      if (k >= s) return { live, expected: { ok: true, unsealed: n - s } };
      // The last sealed event swapped with the first unsealed one: what now stands in the sealed
      // part was never sealed, so it is named as inserted there.
      return { live, expected: { kind: k + 1 < s ? 'reordered' : 'inserted', k, eventId: b.id } };
    }
    case 'truncate':
      live.splice(k);
      return { live, expected: k < s ? { kind: 'truncated', k, eventId: events[k].id } : { ok: true, unsealed: k - s } };
  }
}

describe('verifyFullLog', () => {
  const sizes = fc.record({ n: fc.integer({ min: 1, max: 60 }), every: fc.integer({ min: 1, max: 12 }) });

  test('property: an untouched log verifies, every sealed event checked, the rest counted as unsealed', async () => {
    await fc.assert(
      fc.asyncProperty(sizes, async ({ n, every }) => {
        const { checkpoints, sealed, events } = seal(makeEvents(n), every, ed);
        const s = Math.floor(n / every) * every;
        expect(checkpoints).toHaveLength(Math.floor(n / every));
        const report = await v.verifyFullLog(ed.pub, checkpoints, sealed, stream(events));
        expect(report).toEqual({ ok: true, problems: [], eventsChecked: s, checkpoints: checkpoints.length, unsealed: n - s, head: checkpoints.at(-1)?.body });
        // The held head checkpoint is in the log, unchanged.
        if (checkpoints.length) expect((await v.verifyFullLog(ed.pub, checkpoints, sealed, stream(events), checkpoints.at(-1))).ok).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  const tampers = sizes.chain(({ n, every }) => {
    // Any index, or one at the edges (of the log, and of its sealed part) half of the time.
    const s = Math.floor(n / every) * every;
    const index = (max: number) =>
      fc.oneof(fc.integer({ min: 0, max }), fc.constantFrom(...[0, s - 2, s - 1, s, s + 1, n - 1, n].filter((k) => k >= 0 && k <= max)));
    const ops: fc.Arbitrary<Tamper>[] = [
      fc.record({ op: fc.constant('alter' as const), k: index(n - 1) }),
      fc.record({ op: fc.constant('delete' as const), k: index(n - 1) }),
      fc.record({ op: fc.constant('insert' as const), k: index(n) }),
      fc.record({ op: fc.constant('truncate' as const), k: index(n - 1) }),
    ];
    if (n >= 2) ops.push(fc.record({ op: fc.constant('swap' as const), k: index(n - 2), slotPositions: fc.boolean() }));
    return fc.record({ n: fc.constant(n), every: fc.constant(every), tamper: fc.oneof(...ops) });
  });

  test('property: one change to the live log is named exactly, at its place, when it falls in the sealed part', async () => {
    await fc.assert(
      fc.asyncProperty(tampers, async ({ n, every, tamper }) => {
        const events = makeEvents(n);
        const { checkpoints, sealed } = seal(events, every, ed);
        const s = Math.floor(n / every) * every;
        const { live, expected } = applyTamper(events, tamper, s);
        const report = await v.verifyFullLog(ed.pub, checkpoints, sealed, stream(live.map(walked)));
        if ('ok' in expected) {
          expect(report).toMatchObject({ ok: true, problems: [], eventsChecked: s, unsealed: expected.unsealed });
          return;
        }
        if ('gapAt' in expected) {
          expect(report.ok).toBe(false);
          expect(report.problems).toEqual([expect.objectContaining({ kind: 'deleted', eventId: expected.gapAt })]);
          return;
        }
        expect(report.ok).toBe(false);
        expect(report.problems).toHaveLength(1);
        expect(report.problems[0]).toMatchObject({
          kind: expected.kind,
          sequence: expected.k + 1,
          eventId: expected.eventId,
          checkpoint: Math.floor(expected.k / every) + 1,
        });
        expect(report.unsealed).toBe(0);
      }),
      { numRuns: 100 },
    );
  });

  // Fixed cases of the property, so that each kind is seen on every run.
  test.each<[Tamper, string, number, number]>([
    [{ op: 'alter', k: 4 }, 'altered', 5, 2],
    [{ op: 'delete', k: 4 }, 'deleted', 5, 2],
    [{ op: 'insert', k: 4 }, 'inserted', 5, 2],
    [{ op: 'swap', k: 4, slotPositions: false }, 'reordered', 5, 2],
    [{ op: 'swap', k: 4, slotPositions: true }, 'reordered', 5, 2],
    [{ op: 'truncate', k: 4 }, 'truncated', 5, 2],
    // At the end of the sealed part (12 events), with unsealed events after it.
    [{ op: 'delete', k: 11 }, 'deleted', 12, 3],
    [{ op: 'swap', k: 11, slotPositions: false }, 'inserted', 12, 3],
    [{ op: 'truncate', k: 0 }, 'truncated', 1, 1],
  ])('%j in a log of 14 events sealed every 4 is named %s at %i (checkpoint %i)', async (tamper, kind, sequence, checkpoint) => {
    const events = makeEvents(14);
    const { checkpoints, sealed } = seal(events, 4, ed);
    const report = await v.verifyFullLog(ed.pub, checkpoints, sealed, stream(applyTamper(events, tamper, 12).live.map(walked)));
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind, sequence, checkpoint })]);
  });

  test('events past the last checkpoint may be appended to freely: they are unsealed', async () => {
    const events = makeEvents(14);
    const { checkpoints, sealed } = seal(events.slice(0, 12), 4, ed);
    const appended = makeEvents(3).map((e, k) => ({ ...e, stream: `payment-new-${k}`, revision: '0', position: `${100 + k}.${100 + k}` }));
    const report = await v.verifyFullLog(ed.pub, checkpoints, sealed, stream([...events, ...appended].map(walked)));
    expect(report).toMatchObject({ ok: true, eventsChecked: 12, unsealed: 5 });
  });

  test('a log sealed with SM2 and SM3 verifies, and names an altered event', async () => {
    const sm2 = sm2Signer();
    const events = makeEvents(7);
    const { checkpoints, sealed, events: walkedEvents } = seal(events, 3, sm2);
    expect(checkpoints.map((c) => c.body.hash)).toEqual(['sm3', 'sm3']);
    expect(await v.verifyFullLog(sm2.pub, checkpoints, sealed, stream(walkedEvents))).toMatchObject({ ok: true, eventsChecked: 6, unsealed: 1 });
    const { live } = applyTamper(events, { op: 'alter', k: 2 }, 6);
    const report = await v.verifyFullLog(sm2.pub, checkpoints, sealed, stream(live.map(walked)));
    expect(report.problems[0]).toMatchObject({ kind: 'altered', sequence: 3, checkpoint: 1 });
    // The same seals read with an Ed25519 key are another key's.
    expect((await v.verifyFullLog(ed.pub, checkpoints, sealed, stream(walkedEvents))).problems[0].kind).toBe('foreign_key');
  });
});

// ---------------------------------------------------------------------------------------------
// The checkpoints themselves.

describe('checkpoints', () => {
  // 14 events sealed every 3: checkpoints 1..4 cover 12 events, 2 are unsealed.
  const events = makeEvents(14);
  const log = seal(events, 3, ed);
  const { checkpoints, sealed } = log;
  const verify = (cps: readonly SignedCheckpoint[], held?: SignedCheckpoint, evs: readonly WalkedEvent[] = log.events, ranges: ReadonlyMap<number, SealedRange> = sealed) =>
    v.verifyFullLog(ed.pub, cps, ranges, stream(evs), held);

  test('the untouched log verifies', async () => {
    expect(checkpoints).toHaveLength(4);
    expect(await verify(checkpoints)).toMatchObject({ ok: true, eventsChecked: 12, unsealed: 2, checkpoints: 4 });
  });

  test('a checkpoint signed by another Ed25519 key is foreign', async () => {
    const theirs = seal(events, 3, other);
    const report = await verify([checkpoints[0], theirs.checkpoints[1], checkpoints[2], checkpoints[3]]);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ kind: 'foreign_key', checkpoint: 2 });
    expect((await v.verifyFullLog(ed.pub, theirs.checkpoints, theirs.sealed, stream(theirs.events))).problems[0]).toMatchObject({ kind: 'foreign_key', checkpoint: 1 });
  });

  test("a checkpoint that claims the trusted key but is signed by another has a bad signature", async () => {
    const forged = signed(other, checkpoints[1].body);
    expect((await verify([checkpoints[0], forged, ...checkpoints.slice(2)])).problems[0]).toMatchObject({ kind: 'bad_signature', checkpoint: 2 });
  });

  const change = (value: unknown): unknown => (typeof value === 'number' ? value + 1 : `${String(value).slice(0, -1)}${String(value).endsWith('0') ? '1' : '0'}`);
  const signedFields = (Object.keys(checkpoints[1].body) as (keyof CheckpointBody)[]).filter((f) => f !== 'keyId' && f !== 'alg');

  test.each(signedFields)('a checkpoint whose %s was changed after signing has a bad signature', async (field) => {
    const body = { ...checkpoints[1].body, [field]: change(checkpoints[1].body[field]) } as CheckpointBody;
    expect(body[field]).not.toEqual(checkpoints[1].body[field]);
    const report = await verify([checkpoints[0], { body, signature: checkpoints[1].signature }, ...checkpoints.slice(2)]);
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ kind: 'bad_signature', checkpoint: body.no });
  });

  test.each(['keyId', 'alg'] as const)('a checkpoint whose %s was changed after signing names another key', async (field) => {
    const body = { ...checkpoints[1].body, [field]: field === 'alg' ? 'sm2-sm3' : change(checkpoints[1].body.keyId) };
    const report = await verify([checkpoints[0], { body: body as CheckpointBody, signature: checkpoints[1].signature }, ...checkpoints.slice(2)]);
    expect(report.problems[0]).toMatchObject({ kind: 'foreign_key', checkpoint: 2 });
  });

  test('a changed signature does not verify', async () => {
    const sig = checkpoints[2].signature;
    const flipped = `${sig.slice(0, 10)}${sig[10] === 'a' ? 'b' : 'a'}${sig.slice(11)}`;
    expect((await verify([...checkpoints.slice(0, 2), { ...checkpoints[2], signature: flipped }, checkpoints[3]])).problems[0]).toMatchObject({ kind: 'bad_signature', checkpoint: 3 });
  });

  test.each([1, 2, 3])('checkpoint %i of 4 removed from the list, the rest left as is, leaves a gap', async (no) => {
    const report = await verify(checkpoints.filter((c) => c.body.no !== no));
    expect(report.ok).toBe(false);
    expect(report.problems[0]).toMatchObject({ kind: 'checkpoint_gap', checkpoint: no + 1 });
  });

  test('a number skipped, though the checkpoint is signed and otherwise continues the one before, is a gap', async () => {
    const skipped = signed(ed, { ...checkpoints[1].body, no: 3 });
    expect((await verify([checkpoints[0], skipped])).problems[0]).toMatchObject({ kind: 'checkpoint_gap', checkpoint: 3 });
    const first = signed(ed, { ...checkpoints[0].body, no: 0 });
    expect((await verify([first])).problems[0]).toMatchObject({ kind: 'checkpoint_gap', checkpoint: 0 });
  });

  test('checkpoints out of order leave a gap', async () => {
    const report = await verify([checkpoints[0], checkpoints[2], checkpoints[1], checkpoints[3]]);
    expect(report.problems[0]).toMatchObject({ kind: 'checkpoint_gap', checkpoint: 3 });
  });

  test('the last checkpoint removed looks like a shorter seal: only a held checkpoint shows it', async () => {
    expect(await verify(checkpoints.slice(0, 3))).toMatchObject({ ok: true, eventsChecked: 9, unsealed: 5 });
    const report = await verify(checkpoints.slice(0, 3), checkpoints[3]);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'truncated', checkpoint: 4 })]);
  });

  test('a held checkpoint that is in the log unchanged verifies', async () => {
    expect(await verify(checkpoints, checkpoints[1])).toMatchObject({ ok: true, problems: [] });
  });

  test('a held checkpoint absent from a log cut back (events and checkpoints) is truncated', async () => {
    const report = await verify(checkpoints.slice(0, 2), checkpoints[3], log.events.slice(0, 6));
    expect(await verify(checkpoints.slice(0, 2), undefined, log.events.slice(0, 6))).toMatchObject({ ok: true, eventsChecked: 6, unsealed: 0 });
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'truncated', checkpoint: 4 })]);
  });

  test('a held checkpoint present but re-signed with another chain head is forked', async () => {
    const body = { ...checkpoints[1].body, chainHead: hex(v.hashOf('sha256', Buffer.from('another history'))) };
    const held = signed(ed, body);
    expect(v.verifySignature(ed.pub, v.checkpointBytes(body), held.signature)).toBe(true);
    const report = await verify(checkpoints, held);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'forked', checkpoint: 2 })]);
  });

  test('a log altered and then re-sealed by the same key verifies alone, but not against a checkpoint held from before', async () => {
    const altered = applyTamper(events, { op: 'alter', k: 4 }, 12).live;
    const resealed = seal(altered, 3, ed);
    expect(await v.verifyFullLog(ed.pub, resealed.checkpoints, resealed.sealed, stream(resealed.events))).toMatchObject({ ok: true, eventsChecked: 12 });
    // Checkpoint 1 (events 1-3) is the same statement, signed alike; checkpoint 2 (events 4-6) is not.
    expect(await v.verifyFullLog(ed.pub, resealed.checkpoints, resealed.sealed, stream(resealed.events), checkpoints[0])).toMatchObject({ ok: true });
    const report = await v.verifyFullLog(ed.pub, resealed.checkpoints, resealed.sealed, stream(resealed.events), checkpoints[1]);
    expect(report.problems[0]).toMatchObject({ kind: 'forked', checkpoint: 2 });
  });

  test('a held checkpoint that does not verify under the trusted key is refused', async () => {
    const report = await verify(checkpoints, signed(other, checkpoints[1].body));
    expect(report.problems[0]).toMatchObject({ kind: 'held_checkpoint_invalid', checkpoint: 2 });
  });

  test('seal records that do not hash to the signed Merkle root are named', async () => {
    const ranges = new Map(sealed);
    const range = sealed.get(3)!;
    ranges.set(3, { ids: range.ids, leaves: [range.leaves[1], range.leaves[0], range.leaves[2]] });
    const report = await verify(checkpoints, undefined, log.events, ranges);
    expect(report.problems[0]).toMatchObject({ kind: 'seal_records_altered', checkpoint: 3 });
  });

  test('a checkpoint re-signed by the same key with a chain head the events do not give is a chain mismatch', async () => {
    const last = signed(ed, { ...checkpoints[3].body, chainHead: '0'.repeat(64) });
    const report = await verify([...checkpoints.slice(0, 3), last]);
    expect(report.problems).toEqual([expect.objectContaining({ kind: 'chain_mismatch', checkpoint: 4 })]);
  });
});

// ---------------------------------------------------------------------------------------------
// One event's proof, as GET /events/{id}/proof serves it.

describe('verifyProofDocument', () => {
  const proofFor = (log: Sealed, events: readonly CanonicalFields[], j: number) => {
    const cp = log.checkpoints.find((c) => c.body.count > j)!;
    const range = log.sealed.get(cp.body.no)!;
    const index = j - cp.body.fromCount;
    return {
      event: events[j],
      proof: {
        eventId: events[j].id,
        checkpoint: cp.body.no,
        index,
        treeSize: cp.body.count - cp.body.fromCount,
        path: v.inclusionPath(cp.body.hash, range.leaves, index).map(hex),
      },
      checkpoint: cp,
    };
  };

  const cases = fc
    .record({ n: fc.integer({ min: 1, max: 40 }), every: fc.integer({ min: 1, max: 10 }) })
    .filter(({ n, every }) => n >= every)
    .chain(({ n, every }) => fc.record({ n: fc.constant(n), every: fc.constant(every), j: fc.integer({ min: 0, max: Math.floor(n / every) * every - 1 }) }));

  test('property: a proof built with inclusionPath verifies; altered data, another index or another key do not', () => {
    fc.assert(
      fc.property(cases, ({ n, every, j }) => {
        const events = makeEvents(n);
        const log = seal(events, every, ed);
        const doc = proofFor(log, events, j);
        expect(v.verifyProofDocument(ed.pub, doc)).toMatchObject({ ok: true, problems: [], eventsChecked: 1 });

        const altered = v.verifyProofDocument(ed.pub, { ...doc, event: { ...doc.event, data: { amount: '0.01' } } });
        expect(altered.ok).toBe(false);
        expect(altered.problems).toEqual([expect.objectContaining({ kind: 'altered', eventId: doc.event.id, checkpoint: doc.proof.checkpoint })]);

        const foreign = v.verifyProofDocument(other.pub, doc);
        expect(foreign.problems).toEqual([expect.objectContaining({ kind: 'foreign_key', checkpoint: doc.proof.checkpoint })]);

        if (doc.proof.treeSize > 1) {
          const moved = { ...doc.proof, index: (doc.proof.index + 1) % doc.proof.treeSize };
          expect(v.verifyProofDocument(ed.pub, { ...doc, proof: moved }).problems[0]?.kind).toBe('altered');
        }
        const resized = { ...doc.proof, treeSize: doc.proof.treeSize + 1 };
        expect(v.verifyProofDocument(ed.pub, { ...doc, proof: resized }).problems[0]?.kind).toBe('altered');
      }),
      { numRuns: 50 },
    );
  });

  test('a proof whose checkpoint was changed after signing has a bad signature', () => {
    const events = makeEvents(8);
    const log = seal(events, 4, ed);
    const doc = proofFor(log, events, 5);
    expect(v.verifyProofDocument(ed.pub, doc).ok).toBe(true);
    const body = { ...doc.checkpoint.body, merkleRoot: v.merkleRoot('sha256', log.sealed.get(1)!.leaves).toString('hex') };
    expect(v.verifyProofDocument(ed.pub, { ...doc, checkpoint: { ...doc.checkpoint, body } }).problems[0]?.kind).toBe('bad_signature');
  });

  test('the published form of the key reads back to the same key', () => {
    const doc = v.publicKeyDocument(ed.pub);
    const again = v.parsePublicKey(JSON.stringify(doc));
    expect(again.keyId).toBe(ed.pub.keyId);
    expect(again.keyId).toBe(hex(v.hashOf('sha256', ed.pub.raw).subarray(0, 16)));
    expect(v.parsePublicKey(doc.publicKey).keyId).toBe(ed.pub.keyId);
    expect(other.pub.keyId).not.toBe(ed.pub.keyId);
  });
});
