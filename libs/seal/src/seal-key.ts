import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as v from './verifier/yuantrace-verify';
import type { PublicKeyDocument, PublicKeyInfo, SealAlg } from './verifier/yuantrace-verify';

/**
 * The key that signs checkpoints. It is read from configuration (a file or a secret), never from
 * the database: whoever can write to the database must not be able to sign.
 *
 * Private key text: an Ed25519 PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), or for SM2 the JSON
 * {"alg": "sm2-sm3", "privateKey": "<64 hex digits>"}.
 */
export class SealKey {
  private constructor(
    readonly pub: PublicKeyInfo,
    private readonly signer: (bytes: Buffer) => string,
  ) {}

  get alg(): SealAlg {
    return this.pub.alg;
  }

  get keyId(): string {
    return this.pub.keyId;
  }

  /** What GET /checkpoints/public-key serves and an auditor passes to the verifier. */
  publicDocument(): PublicKeyDocument {
    this.document ??= v.publicKeyDocument(this.pub);
    return this.document;
  }

  private document: PublicKeyDocument | undefined;

  sign(bytes: Buffer): string {
    return this.signer(bytes);
  }

  static parse(text: string): SealKey {
    const trimmed = text.trim();
    if (trimmed.startsWith('{')) {
      let spec: { alg?: string; privateKey?: string };
      try {
        spec = JSON.parse(trimmed);
      } catch {
        throw new Error('an SM2 sealing key is JSON {"alg": "sm2-sm3", "privateKey": "<64 hex digits>"}');
      }
      if (spec.alg !== 'sm2-sm3' || !/^[0-9a-fA-F]{64}$/.test(spec.privateKey ?? '')) {
        throw new Error('an SM2 sealing key is JSON {"alg": "sm2-sm3", "privateKey": "<64 hex digits>"}');
      }
      const d = spec.privateKey!.toLowerCase();
      const pub = v.parsePublicKey(JSON.stringify({ alg: 'sm2-sm3', publicKey: v.sm2PublicKey(d) }));
      return new SealKey(pub, (bytes) => v.sm2SignatureToHex(v.sm2Sign(d, bytes)));
    }
    let key: KeyObject;
    try {
      key = createPrivateKey(trimmed);
    } catch {
      throw new Error('a sealing key is an Ed25519 PKCS#8 PEM or SM2 JSON {"alg": "sm2-sm3", "privateKey": …}');
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`a sealing key must be Ed25519 or SM2 (got ${key.asymmetricKeyType})`);
    const pem = createPublicKey(key).export({ format: 'pem', type: 'spki' }).toString();
    const pub = v.parsePublicKey(JSON.stringify({ alg: 'ed25519', publicKey: pem }));
    return new SealKey(pub, (bytes) => sign(null, bytes, key).toString('hex'));
  }

  /** A new private key's text, in the form parse() reads. */
  static generate(alg: SealAlg): string {
    if (alg === 'sm2-sm3') return JSON.stringify({ alg: 'sm2-sm3', privateKey: v.sm2GenerateKey().privateKey }) + '\n';
    return generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  }

  /**
   * The embedded demo's key: a file beside (not inside) the data folder's database, made on first
   * start so that `npm start` seals with nothing configured. Keep a real key elsewhere.
   */
  static loadOrCreateFile(file: string, alg: SealAlg = 'ed25519'): { key: SealKey; created: boolean } {
    if (existsSync(file)) return { key: SealKey.parse(readFileSync(file, 'utf8')), created: false };
    const text = SealKey.generate(alg);
    writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    return { key: SealKey.parse(text), created: true };
  }
}
