'use strict';
// SM2 digital signature (GB/T 32918.2-2016, GM/T 0003.2-2012) with SM3 as the hash,
// on plain BigInt arithmetic so that it runs on any Node 20 with nothing installed:
// node:crypto supplies SM3 and random bytes, but its sign/verify take no SM2
// distinguishing ID (so no Z_A), hence the curve arithmetic here.
//
// Written to verify. Signing works and matches the standard's examples, but BigInt
// arithmetic is not constant-time, so a private key used here is exposed to timing
// side channels: sign with it only where nobody else can measure the signer.
const crypto = require('node:crypto');

// The recommended 256-bit curve, GB/T 32918.5-2017 (GM/T 0003.5-2012), "sm2p256v1".
const SM2_CURVE = Object.freeze({
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  Gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  Gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
});

// The ID both sides assume when none was agreed (GM/T 0009-2012).
const DEFAULT_ID = '1234567812345678';

function sm3(...buffers) {
  const h = crypto.createHash('sm3');
  for (const b of buffers) h.update(b);
  return h.digest();
}

// ---- numbers ----------------------------------------------------------------

function mod(x, m) {
  const r = x % m;
  return r < 0n ? r + m : r;
}

// Extended Euclid: far cheaper on BigInt than Fermat's x^(m-2), and it needs no
// modular exponentiation of its own. Only called once per signature or verification.
function invert(x, m) {
  let r0 = mod(x, m), r1 = m, s0 = 1n, s1 = 0n;
  while (r1 !== 0n) {
    const q = r0 / r1;
    [r0, r1] = [r1, r0 - q * r1];
    [s0, s1] = [s1, s0 - q * s1];
  }
  if (r0 !== 1n) throw new RangeError('not invertible');
  return mod(s0, m);
}

// Field elements and scalars are written with as many bytes as p (or n) needs,
// 32 on both 256-bit curves, as Z_A and the point encoding require.
const byteLength = (m) => (m.toString(2).length + 7) >> 3;
const toHex = (x, bytes) => x.toString(16).padStart(2 * bytes, '0');
const toBytes = (x, bytes) => Buffer.from(toHex(x, bytes), 'hex');

// A strict hex number of at most `bytes` bytes, or null: no '0x', no sign, no
// whitespace, so that one value has few spellings and garbage is never "parsed".
function parseHex(value, bytes) {
  if (typeof value !== 'string' || !/^[0-9a-fA-F]+$/.test(value) || value.length > 2 * bytes) return null;
  return BigInt('0x' + value);
}

// Uniform in [1, max]: reject, rather than reduce, so that no value is favoured.
function randomScalar(max) {
  const bits = max.toString(2).length;
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const k = BigInt('0x' + crypto.randomBytes((bits + 7) >> 3).toString('hex')) & mask;
    if (k >= 1n && k <= max) return k;
  }
}

// ---- points -------------------------------------------------------------------
// Jacobian coordinates [X, Y, Z] stand for the affine (X/Z^2, Y/Z^3), which puts off
// every field inversion to the very end; Z = 0 is the point at infinity. The formulas
// keep the general `a`, since the standard's example curve does not have a = -3.

const INFINITY = Object.freeze([1n, 1n, 0n]);

function double([X, Y, Z], c) {
  if (Z === 0n || Y === 0n) return INFINITY;
  const p = c.p;
  const XX = (X * X) % p, YY = (Y * Y) % p, ZZ = (Z * Z) % p;
  const S = (4n * X * YY) % p;
  const M = (3n * XX + c.a * ((ZZ * ZZ) % p)) % p;
  const X3 = mod(M * M - 2n * S, p);
  const Y3 = mod(M * (S - X3) - 8n * ((YY * YY) % p), p);
  return [X3, Y3, (2n * Y * Z) % p];
}

function add(P, Q, c) {
  if (P[2] === 0n) return Q;
  if (Q[2] === 0n) return P;
  const p = c.p;
  const [X1, Y1, Z1] = P, [X2, Y2, Z2] = Q;
  const Z1Z1 = (Z1 * Z1) % p, Z2Z2 = (Z2 * Z2) % p;
  const U1 = (X1 * Z2Z2) % p, U2 = (X2 * Z1Z1) % p;
  const S1 = (((Y1 * Z2) % p) * Z2Z2) % p, S2 = (((Y2 * Z1) % p) * Z1Z1) % p;
  const H = mod(U2 - U1, p), R = mod(S2 - S1, p);
  // Same x: either the same point (the formulas would divide by zero) or P = -Q.
  if (H === 0n) return R === 0n ? double(P, c) : INFINITY;
  const HH = (H * H) % p, HHH = (H * HH) % p, V = (U1 * HH) % p;
  const X3 = mod(R * R - HHH - 2n * V, p);
  const Y3 = mod(R * (V - X3) - S1 * HHH, p);
  return [X3, Y3, (((Z1 * Z2) % p) * H) % p];
}

// k1·P1 + k2·P2 + ... for affine points [x, y] and scalars in [0, n), as affine [x, y]
// or null for infinity. Fixed 4-bit windows read straight off the hex digits, all
// scalars sharing the doublings (Shamir's trick): 256 doublings and at most 64
// additions per scalar, against 128 additions for plain double-and-add.
function multiply(terms, c) {
  const width = 2 * byteLength(c.n);
  const digits = terms.map(([k]) => k.toString(16).padStart(width, '0'));
  const tables = terms.map(([, [x, y]]) => {
    const t = [INFINITY, [x, y, 1n]];
    for (let i = 2; i < 16; i++) t.push(add(t[i - 1], t[1], c));
    return t;
  });
  let acc = INFINITY;
  for (let i = 0; i < width; i++) {
    acc = double(double(double(double(acc, c), c), c), c);
    for (let j = 0; j < terms.length; j++) {
      const w = parseInt(digits[j][i], 16);
      if (w !== 0) acc = add(acc, tables[j][w], c);
    }
  }
  return toAffine(acc, c);
}

function toAffine([X, Y, Z], c) {
  if (Z === 0n) return null;
  const zi = invert(Z, c.p), zi2 = (zi * zi) % c.p;
  return [(X * zi2) % c.p, (((Y * zi2) % c.p) * zi) % c.p];
}

function isOnCurve([x, y], c) {
  const p = c.p;
  if (x < 0n || x >= p || y < 0n || y >= p) return false;
  return (y * y) % p === (((x * x) % p) * x + c.a * x + c.b) % p;
}

// '04' || x || y, the uncompressed encoding (GB/T 32918.1 4.2.9). Infinity ('00') and
// compressed points are refused. Being on the curve is enough for the point to lie in
// the group of order n: the SM2 curves have cofactor 1, so [n]P = O need not be checked.
function decodePoint(hex, c) {
  const len = byteLength(c.p);
  if (typeof hex !== 'string' || hex.length !== 2 + 4 * len || !/^04[0-9a-fA-F]+$/.test(hex)) return null;
  const P = [BigInt('0x' + hex.slice(2, 2 + 2 * len)), BigInt('0x' + hex.slice(2 + 2 * len))];
  return isOnCurve(P, c) ? P : null;
}

function encodePoint([x, y], c) {
  const len = byteLength(c.p);
  return '04' + toHex(x, len) + toHex(y, len);
}

// ---- SM2 ----------------------------------------------------------------------

// The private key d must lie in [1, n-2]: n-1 would make 1 + d non-invertible mod n.
function parsePrivateKey(privateKeyHex, c) {
  const d = parseHex(privateKeyHex, byteLength(c.n));
  if (d === null || d < 1n || d > c.n - 2n) throw new RangeError('SM2 private key must be hex in [1, n-2]');
  return d;
}

function sm2PublicKey(privateKeyHex, curve = SM2_CURVE) {
  const d = parsePrivateKey(privateKeyHex, curve);
  return encodePoint(multiply([[d, [curve.Gx, curve.Gy]]], curve), curve);
}

// Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA): binds the signature to the
// signer's identity and key and to the curve. ENTL is the ID's length in bits, 2 bytes.
function za(P, id, c) {
  const idBytes = typeof id === 'string' ? Buffer.from(id, 'utf8') : Buffer.from(id);
  if (idBytes.length > 0x1fff) throw new RangeError('SM2 ID longer than 8191 bytes');
  const entl = Buffer.from([(idBytes.length * 8) >> 8, (idBytes.length * 8) & 0xff]);
  const len = byteLength(c.p);
  const fields = [c.a, c.b, c.Gx, c.Gy, P[0], P[1]].map((x) => toBytes(x, len));
  return sm3(entl, idBytes, ...fields);
}

function sm2Za(publicKeyHex, id = DEFAULT_ID, curve = SM2_CURVE) {
  const P = decodePoint(publicKeyHex, curve);
  if (!P) throw new RangeError('SM2 public key must be an uncompressed point on the curve');
  return za(P, id, curve);
}

// e = SM3(Z_A || M) read as a big-endian integer; not reduced, (e + x1) mod n is.
const digest = (P, id, message, c) => BigInt('0x' + sm3(za(P, id, c), message).toString('hex'));

function sm2Sign(privateKeyHex, message, { id = DEFAULT_ID, curve = SM2_CURVE, k: fixedK } = {}) {
  if (!(message instanceof Uint8Array)) throw new TypeError('message must be a Buffer');
  const { n } = curve;
  const d = parsePrivateKey(privateKeyHex, curve);
  const G = [curve.Gx, curve.Gy];
  // Z_A needs the public key: derived from d rather than trusted from the caller.
  const e = digest(multiply([[d, G]], curve), id, message, curve);
  const inv1d = invert(1n + d, n);
  // A given k (test vectors only: a k known to anyone else reveals d) is used as is.
  let given = null;
  if (fixedK !== undefined) {
    given = typeof fixedK === 'bigint' ? fixedK : parseHex(fixedK, byteLength(n));
    if (given === null || given < 1n || given >= n) throw new RangeError('k must be a BigInt or hex in [1, n-1]');
  }
  for (;;) {
    const k = given !== null ? given : randomScalar(n - 1n);
    const [x1] = multiply([[k, G]], curve);
    const r = (e + x1) % n;
    // r = 0 or r + k = n would let s reveal d (GB/T 32918.2 6.1, step A5).
    const s = r === 0n || r + k === n ? 0n : mod(inv1d * (k - r * d), n);
    if (s !== 0n) return { r: toHex(r, byteLength(n)), s: toHex(s, byteLength(n)) };
    if (given !== null) throw new RangeError('this k gives no signature; choose another');
  }
}

// Every failure is `false`, never an exception: a verifier must not be crashed (or
// steered) by whatever bytes it is handed.
function sm2Verify(publicKeyHex, message, signature, options) {
  try {
    const { id = DEFAULT_ID, curve = SM2_CURVE } = options || {};
    const { n } = curve;
    if (!(message instanceof Uint8Array) || !signature) return false;
    const r = parseHex(signature.r, byteLength(n));
    const s = parseHex(signature.s, byteLength(n));
    if (r === null || s === null || r < 1n || r >= n || s < 1n || s >= n) return false;
    const t = (r + s) % n;
    if (t === 0n) return false;
    const P = decodePoint(publicKeyHex, curve);
    if (!P) return false;
    const X = multiply([[s, [curve.Gx, curve.Gy]], [t, P]], curve);
    if (!X) return false;
    return (digest(P, id, message, curve) + X[0]) % n === r;
  } catch {
    return false;
  }
}

function sm2GenerateKey(curve = SM2_CURVE) {
  const d = randomScalar(curve.n - 2n);
  const privateKey = toHex(d, byteLength(curve.n));
  return { privateKey, publicKey: sm2PublicKey(privateKey, curve) };
}

// r || s, each 32 bytes: the fixed-length form (as GM/T 0009 and most SM2 APIs use)
// in place of DER, which a verifier would otherwise have to parse.
function sm2SignatureToHex({ r, s }) {
  const rv = parseHex(r, 32), sv = parseHex(s, 32);
  if (rv === null || sv === null) throw new RangeError('r and s must be hex of at most 32 bytes');
  return toHex(rv, 32) + toHex(sv, 32);
}

function sm2SignatureFromHex(hex) {
  if (typeof hex !== 'string' || !/^[0-9a-fA-F]{128}$/.test(hex)) {
    throw new RangeError('an SM2 signature is 128 hex digits, r || s');
  }
  return { r: hex.slice(0, 64).toLowerCase(), s: hex.slice(64).toLowerCase() };
}

module.exports = {
  SM2_CURVE,
  sm3,
  sm2PublicKey,
  sm2Za,
  sm2Sign,
  sm2Verify,
  sm2GenerateKey,
  sm2SignatureToHex,
  sm2SignatureFromHex,
};
