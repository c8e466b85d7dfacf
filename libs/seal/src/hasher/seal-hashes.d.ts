import type { HashName } from '../verifier/yuantrace-verify';

export type RunSpec = { alg: HashName; chain: Buffer; n: number; cuts: number[]; earlierLeaves?: Buffer };
export type SealHashes = { leaves: Buffer; heads: Buffer[]; roots: Buffer[] };
export type Run = { readonly n: number; readonly done: number };

export function beginRun(spec: RunSpec): Run;
export function addToRun(run: Run, canonicalTexts: string[]): void;
/** Four entries an event: [canonical text, null, null, null] or [data text, between, metadata text, after]. */
export function addPartsToRun(run: Run, parts: (string | null)[]): void;
export function endRun(run: Run): SealHashes;
export function sealHashes(input: Omit<RunSpec, 'n'> & { texts: string[] }): SealHashes;
export function asBuffer(x: Uint8Array): Buffer;

export type PreparedWindow = { readonly n: number; readonly done: number };
export function beginPrepared(spec: { alg: HashName; n: number }): PreparedWindow;
export function addToPrepared(w: PreparedWindow, parts: (string | null)[]): void;
export function runOverPrepared(spec: RunSpec, w: PreparedWindow): SealHashes;
