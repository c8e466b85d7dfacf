/** Types of the standalone verifier (yuantrace-verify.js), which the sealer shares so that both read one definition of the formats. */
import type { KeyObject } from 'node:crypto';

export type HashName = 'sha256' | 'sm3';
export type SealAlg = 'ed25519' | 'sm2-sm3';

export type CheckpointBody = {
  log: string;
  no: number;
  alg: SealAlg;
  hash: HashName;
  keyId: string;
  fromCount: number;
  count: number;
  fromPosition: string;
  position: string;
  chainHead: string;
  merkleRoot: string;
  previous: string;
  sealedAt: string;
};
export type SignedCheckpoint = { body: CheckpointBody; signature: string };

export type PublicKeyInfo = {
  alg: SealAlg;
  hash: HashName;
  raw: Buffer;
  keyId: string;
  key?: KeyObject;
  publicKeyHex?: string;
};
export type PublicKeyDocument = { alg: SealAlg; keyId: string; publicKey: string };

export type CanonicalFields = {
  data: unknown;
  id: string;
  metadata: unknown;
  position: string;
  recordedAt: string;
  revision: string;
  stream: string;
  type: string;
};
export type WalkedEvent = { canonical: string; id: string; stream: string; revision: string; position: string };

export type SealProblemKind =
  | 'altered' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'forked' | 'foreign_key' | 'bad_signature'
  | 'checkpoint_gap' | 'seal_records_altered' | 'chain_mismatch' | 'held_checkpoint_invalid';
export type SealProblem = { kind: SealProblemKind; message: string; checkpoint?: number; sequence?: number; eventId?: string };
export type SealReport = { ok: boolean; problems: SealProblem[]; eventsChecked: number; checkpoints: number; unsealed: number; head?: CheckpointBody };
export type SealedRange = { ids: string[]; leaves: Buffer[] };
export type InclusionProof = { eventId: string; checkpoint: number; index: number; treeSize: number; path: string[] };

export const SUITES: Readonly<Record<SealAlg, { hash: HashName }>>;
export const ZERO_HASH: Buffer;
export function canonicalJson(value: unknown): string;
export function canonicalEvent(e: CanonicalFields): string;
export function hashOf(alg: HashName, ...parts: Array<Buffer | string>): Buffer;
export function digestOf(alg: HashName, data: Buffer): Buffer;
export function leafHash(alg: HashName, canonical: string): Buffer;
export function chainNext(alg: HashName, previous: Buffer, canonical: string): Buffer;
export function leafList(bytes: Buffer): Buffer[];
export function merkleRoot(alg: HashName, leaves: readonly Buffer[], from?: number, to?: number): Buffer;
export function inclusionPath(alg: HashName, leaves: readonly Buffer[], m: number, from?: number, to?: number): Buffer[];
export function rootFromPath(alg: HashName, index: number, size: number, leaf: Buffer, path: readonly Buffer[]): Buffer | undefined;
export function parsePublicKey(text: string): PublicKeyInfo;
export function publicKeyDocument(pub: PublicKeyInfo): PublicKeyDocument;
export function verifySignature(pub: PublicKeyInfo, bytes: Buffer, signatureHex: string): boolean;
export function checkpointBytes(body: CheckpointBody): Buffer;
export function checkpointLink(hash: HashName, checkpoint: SignedCheckpoint): string;
export function verifyFullLog(
  pub: PublicKeyInfo,
  checkpoints: readonly SignedCheckpoint[],
  sealed: ReadonlyMap<number, SealedRange>,
  events: AsyncIterable<WalkedEvent>,
  held?: SignedCheckpoint,
): Promise<SealReport>;
export function verifyProvenEvents(
  pub: PublicKeyInfo,
  checkpoints: readonly SignedCheckpoint[],
  proofs: ReadonlyMap<string, InclusionProof>,
  events: AsyncIterable<WalkedEvent>,
  held: SignedCheckpoint | undefined,
  wholeStreams: boolean,
): Promise<SealReport>;
export function verifyProofDocument(pub: PublicKeyInfo, doc: { event: CanonicalFields; proof: InclusionProof; checkpoint: SignedCheckpoint }): SealReport;
export function verifyBundle(dir: string, pub: PublicKeyInfo, held?: SignedCheckpoint): Promise<SealReport & { scope: string }>;
export function main(argv: string[]): Promise<number>;

// SM2 (GB/T 32918.2) with SM3.

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
