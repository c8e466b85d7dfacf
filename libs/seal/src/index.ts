export * from './seal-key';
export * from './sealer';
export * from './seal-queries';
export * from './audit-export';
export type { CheckpointBody, InclusionProof, PublicKeyDocument, PublicKeyInfo, SealProblem, SealReport, SignedCheckpoint } from './verifier/yuantrace-verify';
export { parsePublicKey, canonicalJson } from './verifier/yuantrace-verify';
export { SealHasher } from './hasher/seal-hasher';
