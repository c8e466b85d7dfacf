import { createECDH } from 'node:crypto';
import { describe, expect, test } from '@jest/globals';
import * as sm2 from './yuantrace-verify';
import type { Sm2Curve, Sm2Signature } from './yuantrace-verify';

const hex = (b: Buffer): string => b.toString('hex');
const ascii = (s: string): Buffer => Buffer.from(s, 'ascii');

describe('SM3', () => {
  // GB/T 32905-2016 Appendix A, examples 1 and 2.
  test('reproduces the two examples of the standard', () => {
    expect(hex(sm2.sm3(ascii('abc')))).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    expect(hex(sm2.sm3(ascii('abcd'.repeat(16))))).toBe('debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732');
  });

  test('hashes its arguments as one concatenated message', () => {
    expect(hex(sm2.sm3(ascii('ab'), ascii(''), ascii('c')))).toBe(hex(sm2.sm3(ascii('abc'))));
  });
});

// GB/T 32918.2-2016 Annex A (GM/T 0003.2-2012 A.2): the Fp-256 example curve, user A with
// ID "ALICE123@YAHOO.COM" signing "message digest" with a fixed k. The numbers are the
// ones the standard prints, as carried by GmSSL's test/sm2test.c (guanzhi/GmSSL, commit
// 04d64b6c, sm2p256test and test_sm2_sign: curve, d, xA, yA, Z_A, e, k, r, s); r and s
// also appear in Bouncy Castle's core/src/test/java/org/bouncycastle/crypto/test/
// SM2SignerTest.java (bcgit/bc-java, doSignerTestFpDraftSM3).
const EXAMPLE_CURVE: Sm2Curve = {
  p: 0x8542d69e4c044f18e8b92435bf6ff7de457283915c45517d722edb8b08f1dfc3n,
  a: 0x787968b4fa32c3fd2417842e73bbfeff2f3c848b6831d7e0ec65228b3937e498n,
  b: 0x63e4c6d3b23b0c849cf84241484bfe48f61d59a5b16ba06e6e12d1da27c5249an,
  n: 0x8542d69e4c044f18e8b92435bf6ff7dd297720630485628d5ae74ee7c32e79b7n,
  Gx: 0x421debd61b62eab6746434ebc3cc315e32220b3badd50bdc4c4e6c147fedd43dn,
  Gy: 0x0680512bcbb42c07d47349d2153b70c4e5d7fdfcbfa36ea1a85841b9e46e09a2n,
};
const EXAMPLE = {
  id: 'ALICE123@YAHOO.COM',
  message: ascii('message digest'),
  d: '128B2FA8BD433C6C068C8D803DFF79792A519A55171B1B650C23661D15897263',
  publicKey:
    '04' +
    '0AE4C7798AA0F119471BEE11825BE46202BB79E2A5844495E97C04FF4DF2548A' +
    '7C0240F88F1CD4E16352A73C17B7F16F07353E53A176D684A9FE0C6BB798E857',
  za: 'F4A38489E32B45B6F876E3AC2168CA392362DC8F23459C1D1146FC3DBFB7BC9A',
  e: 'B524F552CD82B8B028476E005C377FB19A87E6FC682D48BB5D42E3D9B9EFFE76',
  k: '6CB28D99385C175C94F94E934817663FC176D925DD72B727260DBAAE1FB2F96F',
  r: '40F1EC59F793D9F49E09DCEF49130D4194F79FB1EED2CAA55BACDB49C4E755D1',
  s: '6FC6DAC32C5D5CF10C77DFB20F7C2EB667A457872FB09EC56327A67EC7DEEBE7',
};

describe('SM2 on the example curve of GB/T 32918.2 Annex A', () => {
  const options = { id: EXAMPLE.id, curve: EXAMPLE_CURVE };

  test('the private key gives the public key of the standard', () => {
    expect(sm2.sm2PublicKey(EXAMPLE.d, EXAMPLE_CURVE)).toBe(EXAMPLE.publicKey.toLowerCase());
  });

  test('Z_A and e = SM3(Z_A || M) are those of the standard', () => {
    const za = sm2.sm2Za(EXAMPLE.publicKey, EXAMPLE.id, EXAMPLE_CURVE);
    expect(hex(za)).toBe(EXAMPLE.za.toLowerCase());
    expect(hex(sm2.sm3(za, EXAMPLE.message))).toBe(EXAMPLE.e.toLowerCase());
  });

  test('with the given k the signature is (r, s) of the standard, and it verifies', () => {
    const signature = sm2.sm2Sign(EXAMPLE.d, EXAMPLE.message, { ...options, k: EXAMPLE.k });
    expect(signature).toEqual({ r: EXAMPLE.r.toLowerCase(), s: EXAMPLE.s.toLowerCase() });
    expect(sm2.sm2Sign(EXAMPLE.d, EXAMPLE.message, { ...options, k: BigInt('0x' + EXAMPLE.k) })).toEqual(signature);
    expect(sm2.sm2Verify(EXAMPLE.publicKey, EXAMPLE.message, { r: EXAMPLE.r, s: EXAMPLE.s }, options)).toBe(true);
  });

  test('the standard signature does not verify on another curve, ID or message', () => {
    const signature = { r: EXAMPLE.r, s: EXAMPLE.s };
    expect(sm2.sm2Verify(EXAMPLE.publicKey, EXAMPLE.message, signature, { id: EXAMPLE.id })).toBe(false);
    expect(sm2.sm2Verify(EXAMPLE.publicKey, EXAMPLE.message, signature, { curve: EXAMPLE_CURVE })).toBe(false);
    expect(sm2.sm2Verify(EXAMPLE.publicKey, ascii('message digesT'), signature, options)).toBe(false);
  });

  // On this curve n and p are far enough below 2^256 that r + n, s + n and x + p still fit in
  // 64 hex digits: the same residues as r, s and x, which only the range checks tell apart.
  test('r + n, s + n, or a public key with x + p, are refused although they are the same residues', () => {
    const { n, p } = EXAMPLE_CURVE;
    const h = (x: bigint): string => x.toString(16).padStart(64, '0');
    const r = BigInt('0x' + EXAMPLE.r), s = BigInt('0x' + EXAMPLE.s);
    const x = BigInt('0x' + EXAMPLE.publicKey.slice(2, 66));
    expect(r + n < 2n ** 256n && s + n < 2n ** 256n && x + p < 2n ** 256n).toBe(true);
    const message = EXAMPLE.message;
    expect(sm2.sm2Verify(EXAMPLE.publicKey, message, { r: h(r + n), s: EXAMPLE.s }, options)).toBe(false);
    expect(sm2.sm2Verify(EXAMPLE.publicKey, message, { r: EXAMPLE.r, s: h(s + n) }, options)).toBe(false);
    expect(sm2.sm2Verify('04' + h(x + p) + EXAMPLE.publicKey.slice(66), message, { r: EXAMPLE.r, s: EXAMPLE.s }, options)).toBe(false);
    expect(() => sm2.sm2Za('04' + h(x + p) + EXAMPLE.publicKey.slice(66), EXAMPLE.id, EXAMPLE_CURVE)).toThrow(RangeError);
  });

  test('random signatures on the example curve verify too', () => {
    const key = sm2.sm2GenerateKey(EXAMPLE_CURVE);
    const signature = sm2.sm2Sign(key.privateKey, EXAMPLE.message, options);
    expect(sm2.sm2Verify(key.publicKey, EXAMPLE.message, signature, options)).toBe(true);
    expect(sm2.sm2Verify(EXAMPLE.publicKey, EXAMPLE.message, signature, options)).toBe(false);
  });
});

describe('SM2 on the recommended curve (sm2p256v1)', () => {
  // Bouncy Castle's SM2SignerTest.java (bcgit/bc-java, core/src/test/java/org/bouncycastle/
  // crypto/test/, doSignerTestFpStandardSM3): a vector of Bouncy Castle's own on the curve
  // of GB/T 32918.5 with SM3, not one printed in the standard.
  const BC = {
    id: 'sm2test@example.com',
    message: ascii('hi chappy'),
    d: '110E7973206F68C19EE5F7328C036F26911C8C73B4E4F36AE3291097F8984FFC',
    k: '3174C6FFC3C279D2422F3FC0A9F3E574674A4490FE45A5325CAF7D3EC4C8F96C',
    r: '05890B9077B92E47B17A1FF42A814280E556AFD92B4A98B9670BF8B1A274C2FA',
    s: 'E3ABBB8DB2B6ECD9B24ECCEA7F679FB9A4B1DB52F4AA985E443AD73237FA1993',
  };

  test('reproduces Bouncy Castle’s vector, and verifies it', () => {
    const signature = sm2.sm2Sign(BC.d, BC.message, { id: BC.id, k: BC.k });
    expect(signature).toEqual({ r: BC.r.toLowerCase(), s: BC.s.toLowerCase() });
    expect(sm2.sm2Verify(sm2.sm2PublicKey(BC.d), BC.message, signature, { id: BC.id })).toBe(true);
  });

  // OpenSSL (inside node:crypto) knows the curve as 'SM2': the same private key must give
  // the same public key there, which pins p, a, Gx, Gy of SM2_CURVE (b and n are pinned by
  // the vector above, through Z_A and s).
  test('public keys agree with OpenSSL’s own SM2 curve', () => {
    for (const d of [BC.d, sm2.sm2GenerateKey().privateKey, sm2.sm2GenerateKey().privateKey]) {
      const ecdh = createECDH('SM2');
      ecdh.setPrivateKey(Buffer.from(d, 'hex'));
      expect(sm2.sm2PublicKey(d)).toBe(ecdh.getPublicKey('hex', 'uncompressed'));
    }
  });

  test('the default ID is 1234567812345678', () => {
    const key = sm2.sm2GenerateKey();
    const message = ascii('default id');
    const signature = sm2.sm2Sign(key.privateKey, message);
    expect(sm2.sm2Verify(key.publicKey, message, signature, { id: '1234567812345678' })).toBe(true);
    expect(hex(sm2.sm2Za(key.publicKey))).toBe(hex(sm2.sm2Za(key.publicKey, '1234567812345678', sm2.SM2_CURVE)));
  });

  describe('a generated key', () => {
    const key = sm2.sm2GenerateKey();
    const message = Buffer.from('{"amount":"1000.00","to":"330102"}', 'utf8');
    const signature = sm2.sm2Sign(key.privateKey, message);
    const { n } = sm2.SM2_CURVE;
    const h = (x: bigint): string => x.toString(16).padStart(64, '0');
    const verify = (sig: unknown, msg: unknown = message, pub: unknown = key.publicKey, options?: unknown): boolean =>
      sm2.sm2Verify(pub as string, msg as Buffer, sig as Sm2Signature, options as object);

    test('has the shapes the encodings promise', () => {
      expect(key.privateKey).toMatch(/^[0-9a-f]{64}$/);
      expect(key.publicKey).toMatch(/^04[0-9a-f]{128}$/);
      expect(sm2.sm2PublicKey(key.privateKey)).toBe(key.publicKey);
      expect(signature.r).toMatch(/^[0-9a-f]{64}$/);
      expect(signature.s).toMatch(/^[0-9a-f]{64}$/);
    });

    test('signs, and the signature verifies', () => {
      expect(verify(signature)).toBe(true);
      expect(verify({ r: signature.r.toUpperCase(), s: signature.s.toUpperCase() })).toBe(true);
      // k is random: a second signature differs and verifies as well.
      const again = sm2.sm2Sign(key.privateKey, message);
      expect(again).not.toEqual(signature);
      expect(verify(again)).toBe(true);
    });

    test('a changed message byte fails', () => {
      for (const i of [0, message.length >> 1, message.length - 1]) {
        const changed = Buffer.from(message);
        changed[i] ^= 0x01;
        expect(verify(signature, changed)).toBe(false);
      }
      expect(verify(signature, message.subarray(1))).toBe(false);
      expect(verify(signature, Buffer.concat([message, Buffer.from([0])]))).toBe(false);
    });

    test('a changed r or s fails', () => {
      const bump = (x: string): string => h((BigInt('0x' + x) + 1n) % n);
      expect(verify({ r: bump(signature.r), s: signature.s })).toBe(false);
      expect(verify({ r: signature.r, s: bump(signature.s) })).toBe(false);
      expect(verify({ r: signature.s, s: signature.r })).toBe(false);
    });

    test('another key’s public key, or another ID, fails', () => {
      expect(verify(signature, message, sm2.sm2GenerateKey().publicKey)).toBe(false);
      expect(verify(signature, message, key.publicKey, { id: 'ALICE123@YAHOO.COM' })).toBe(false);
      expect(verify(signature, message, key.publicKey, { id: '' })).toBe(false);
    });

    test('r or s of 0 or at least n fails, as does r + s = n', () => {
      const r = BigInt('0x' + signature.r), s = BigInt('0x' + signature.s);
      for (const bad of [
        { r: h(0n), s: signature.s },
        { r: signature.r, s: h(0n) },
        { r: h(n), s: signature.s },
        { r: signature.r, s: h(n) },
        // r + n and s + n are the same residues as r and s: only the range check refuses them.
        { r: h(r + n), s: signature.s },
        { r: signature.r, s: h(s + n) },
        { r: h(2n ** 256n - 1n), s: signature.s },
        { r: h(1n), s: h(n - 1n) },
      ]) {
        expect(verify(bad)).toBe(false);
      }
    });

    test('a public key that is not a point on the curve fails', () => {
      const { p } = sm2.SM2_CURVE;
      const x = BigInt('0x' + key.publicKey.slice(2, 66)), y = BigInt('0x' + key.publicKey.slice(66));
      for (const bad of [
        '04' + h(x) + h((y + 1n) % p),
        '04' + h(x) + h(p - y), // -P: on the curve, but not the signer's key
        '04' + h(x + p) + h(y), // the same point with x not reduced mod p
        '04' + h(0n) + h(0n),
        '00',
        '02' + h(x), // compressed: not accepted
        '03' + key.publicKey.slice(2),
        key.publicKey.slice(2),
        key.publicKey + '00',
      ]) {
        expect(verify(signature, message, bad)).toBe(false);
      }
      // and sm2Za, which does throw, refuses it
      expect(() => sm2.sm2Za('04' + h(x) + h((y + 1n) % p))).toThrow(RangeError);
    });

    test('malformed input of any kind is false, never an exception', () => {
      for (const sig of [null, undefined, {}, 'x', { r: signature.r }, { r: 1, s: 2 }, { r: '0x' + signature.r, s: signature.s }]) {
        expect(verify(sig)).toBe(false);
      }
      expect(verify({ r: ' ' + signature.r, s: signature.s })).toBe(false);
      expect(verify({ r: '0' + signature.r, s: signature.s })).toBe(false);
      expect(verify(signature, message.toString('utf8'))).toBe(false);
      expect(verify(signature, null)).toBe(false);
      for (const pub of [null, 42, '', 'zz', '04' + 'g'.repeat(128)]) expect(verify(signature, message, pub)).toBe(false);
      expect(verify(signature, message, key.publicKey, null)).toBe(true);
      expect(verify(signature, message, key.publicKey, { id: 'x'.repeat(9000) })).toBe(false);
      expect(verify(signature, message, key.publicKey, { curve: { p: 1n } })).toBe(false);
    });
  });
});

describe('signing refuses what it cannot sign with', () => {
  const { n } = sm2.SM2_CURVE;
  test('private keys outside [1, n-2] and fixed k outside [1, n-1]', () => {
    expect(() => sm2.sm2PublicKey('00')).toThrow(RangeError);
    expect(() => sm2.sm2PublicKey((n - 1n).toString(16))).toThrow(RangeError);
    expect(sm2.sm2PublicKey((n - 2n).toString(16))).toMatch(/^04[0-9a-f]{128}$/);
    expect(() => sm2.sm2PublicKey('0x01')).toThrow(RangeError);
    expect(() => sm2.sm2Sign('01', ascii('m'), { k: 0n })).toThrow(RangeError);
    expect(() => sm2.sm2Sign('01', ascii('m'), { k: n })).toThrow(RangeError);
    expect(() => sm2.sm2Sign('01', 'm' as unknown as Buffer)).toThrow(TypeError);
  });
});

// r = 0, r + k = n and s = 0 happen with probability about 1/n per k, so on a 256-bit
// curve they are never seen. On a toy curve (y² = x³ + x + 14 over F_1009, 1013 points,
// a prime, so cofactor 1) they are found by trying every k, and a fixed k that lands on
// one must be refused rather than give a signature that leaks d.
describe('the rare cases of signing and verifying, on a toy curve where they can be reached', () => {
  const TOY: Sm2Curve = { p: 1009n, a: 1n, b: 14n, n: 1013n, Gx: 1n, Gy: 4n };
  const n = TOY.n;
  const d = 7n;
  const privateKey = d.toString(16);
  const publicKey = sm2.sm2PublicKey(privateKey, TOY);
  // x1 of kG for every k, read off public keys (k = n - 1 is -G, whose x is Gx).
  const x1 = [0n];
  for (let k = 1n; k <= n - 2n; k++) x1.push(BigInt('0x' + sm2.sm2PublicKey(k.toString(16), TOY).slice(2, 6)));
  x1.push(TOY.Gx);

  test('the toy curve is what it claims: G lies on it and has order n, (n-2)G = -2G', () => {
    expect((TOY.Gy * TOY.Gy - (TOY.Gx ** 3n + TOY.a * TOY.Gx + TOY.b)) % TOY.p).toBe(0n);
    const minusG = sm2.sm2PublicKey((n - 2n).toString(16), TOY); // (n-2)G = -2G
    const twoG = sm2.sm2PublicKey('2', TOY);
    expect(minusG.slice(0, 6)).toBe(twoG.slice(0, 6));
    expect(minusG).not.toBe(twoG);
  });

  test('a fixed k giving r = 0, r + k = n or s = 0 is refused; any other k signs', () => {
    const found = { rZero: 0, rPlusK: 0, sZero: 0, signed: 0 };
    for (let i = 0; i < 40 && (found.rZero < 2 || found.rPlusK < 2 || found.sZero < 2); i++) {
      const message = ascii(`toy ${i}`);
      const e = BigInt('0x' + hex(sm2.sm3(sm2.sm2Za(publicKey, 'toy', TOY), message)));
      for (let k = 1n; k < n; k++) {
        const r = (e + x1[Number(k)]) % n;
        const kind = r === 0n ? 'rZero' : r + k === n ? 'rPlusK' : (k - r * d) % n === 0n ? 'sZero' : null;
        if (kind === null) {
          if (k % 97n === 0n) {
            const signature = sm2.sm2Sign(privateKey, message, { id: 'toy', curve: TOY, k });
            expect(BigInt('0x' + signature.r)).toBe(r);
            expect(sm2.sm2Verify(publicKey, message, signature, { id: 'toy', curve: TOY })).toBe(true);
            found.signed++;
          }
          continue;
        }
        expect(() => sm2.sm2Sign(privateKey, message, { id: 'toy', curve: TOY, k })).toThrow(RangeError);
        if (kind === 'rPlusK') {
          // (r, s = k) with r + s = n: t = 0 makes sG + tP = kG whatever P is, so without the
          // t ≠ 0 check this would verify under every public key.
          const forged = { r: r.toString(16), s: k.toString(16) };
          expect(sm2.sm2Verify(publicKey, message, forged, { id: 'toy', curve: TOY })).toBe(false);
        }
        found[kind]++;
      }
    }
    expect(found.rZero).toBeGreaterThanOrEqual(2);
    expect(found.rPlusK).toBeGreaterThanOrEqual(2);
    expect(found.sZero).toBeGreaterThanOrEqual(2);
    expect(found.signed).toBeGreaterThan(0);
  });

  // With r = 0 (or s = 0) the equation can be met without the private key: sG + tP is then
  // s(1+d)G (or r·dG), so a matching s (or r) is found by trying them all. Only the range
  // check of r and s stops these.
  test('r = 0 or s = 0 that would satisfy the verification equation is refused', () => {
    const found = { rZero: 0, sZero: 0 };
    for (let i = 0; i < 40 && (found.rZero < 2 || found.sZero < 2); i++) {
      const message = ascii(`toy ${i}`);
      const e = BigInt('0x' + hex(sm2.sm3(sm2.sm2Za(publicKey, 'toy', TOY), message)));
      for (let v = 1n; v < n; v++) {
        if ((e + x1[Number(((1n + d) * v) % n)]) % n === 0n) {
          expect(sm2.sm2Verify(publicKey, message, { r: '0', s: v.toString(16) }, { id: 'toy', curve: TOY })).toBe(false);
          found.rZero++;
        }
        if ((e + x1[Number((d * v) % n)]) % n === v) {
          expect(sm2.sm2Verify(publicKey, message, { r: v.toString(16), s: '0' }, { id: 'toy', curve: TOY })).toBe(false);
          found.sZero++;
        }
      }
    }
    expect(found.rZero).toBeGreaterThanOrEqual(2);
    expect(found.sZero).toBeGreaterThanOrEqual(2);
  });

  test('random signing on the toy curve always ends with a signature that verifies', () => {
    for (let i = 0; i < 300; i++) {
      const message = ascii(`random ${i}`);
      const signature = sm2.sm2Sign(privateKey, message, { id: 'toy', curve: TOY });
      expect(sm2.sm2Verify(publicKey, message, signature, { id: 'toy', curve: TOY })).toBe(true);
    }
  });
});

describe('compact signature encoding', () => {
  test('r || s round-trips and pads to 32 bytes each', () => {
    const signature = { r: EXAMPLE.r.toLowerCase(), s: EXAMPLE.s.toLowerCase() };
    const compact = sm2.sm2SignatureToHex(signature);
    expect(compact).toBe(signature.r + signature.s);
    expect(sm2.sm2SignatureFromHex(compact)).toEqual(signature);
    expect(sm2.sm2SignatureFromHex(compact.toUpperCase())).toEqual(signature);
    expect(sm2.sm2SignatureToHex({ r: '1', s: 'ab' })).toBe('0'.repeat(63) + '1' + '0'.repeat(62) + 'ab');
  });

  test('refuses what is not r || s', () => {
    expect(() => sm2.sm2SignatureFromHex('00'.repeat(63))).toThrow(RangeError);
    expect(() => sm2.sm2SignatureFromHex('zz'.repeat(64))).toThrow(RangeError);
    expect(() => sm2.sm2SignatureToHex({ r: '1'.repeat(65), s: '1' })).toThrow(RangeError);
  });
});
