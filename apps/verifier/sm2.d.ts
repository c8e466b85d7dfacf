// Types for sm2.js, which stays plain CommonJS so that it can be copied as is into a
// single-file verifier with nothing to compile.

/** Short Weierstrass curve y² = x³ + ax + b over F_p, base point G of prime order n. */
export interface Sm2Curve {
  readonly p: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly n: bigint;
  readonly Gx: bigint;
  readonly Gy: bigint;
}

/** r and s as hex, each 2·byteLength(n) digits (64 on the 256-bit curves), lower case when produced here. */
export interface Sm2Signature {
  r: string;
  s: string;
}

/** The recommended 256-bit curve of GB/T 32918.5 (sm2p256v1). */
export declare const SM2_CURVE: Sm2Curve;

/** SM3 of the concatenated buffers (32 bytes). */
export declare function sm3(...buffers: Uint8Array[]): Buffer;

/** '04' || x || y in hex for the private key d (hex, in [1, n-2]); throws on a bad key. */
export declare function sm2PublicKey(privateKeyHex: string, curve?: Sm2Curve): string;

/** Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA); ID defaults to '1234567812345678'. Throws on a bad key. */
export declare function sm2Za(publicKeyHex: string, id?: string | Uint8Array, curve?: Sm2Curve): Buffer;

export interface Sm2SignOptions {
  id?: string | Uint8Array;
  curve?: Sm2Curve;
  /** A fixed nonce, for test vectors only: anyone who knows k knows the private key. */
  k?: bigint | string;
}

/** Signs e = SM3(Z_A || message). Throws on a bad key, a non-Buffer message or an unusable fixed k. */
export declare function sm2Sign(privateKeyHex: string, message: Uint8Array, options?: Sm2SignOptions): Sm2Signature;

export interface Sm2VerifyOptions {
  id?: string | Uint8Array;
  curve?: Sm2Curve;
}

/** True only for a valid signature; false (never an exception) for anything malformed. */
export declare function sm2Verify(
  publicKeyHex: string,
  message: Uint8Array,
  signature: Sm2Signature,
  options?: Sm2VerifyOptions,
): boolean;

export declare function sm2GenerateKey(curve?: Sm2Curve): { privateKey: string; publicKey: string };

/** r || s, 128 hex digits. Throws when r or s is not hex of at most 32 bytes. */
export declare function sm2SignatureToHex(signature: Sm2Signature): string;

/** The inverse of sm2SignatureToHex. Throws unless given exactly 128 hex digits. */
export declare function sm2SignatureFromHex(hex: string): Sm2Signature;
