import { existsSync, readFileSync } from 'node:fs';
import { SealKey, type SealOptions } from '@yuantrace/seal';
import { ConfigError, type AppConfig } from '../config/app-config';

/** DI token: the sealer's options, or null when this deployment does not seal its log. */
export const SEAL_OPTIONS = Symbol('SEAL_OPTIONS');

export type SealSetup = { options: SealOptions | null; note: string };

/**
 * The sealing key and cadence from configuration: SEAL_KEY_FILE / SEAL_KEY; in embedded mode a key
 * file made beside the data folder on first start; in memory (tests) a key for the process's life;
 * on a server with no key, no sealing (said in the log and in /health).
 */
/**
 * The sealing key configuration names (SEAL_KEY, SEAL_KEY_FILE, or the embedded demo's file if it
 * exists), without making one: what a check trusts and an export publishes.
 */
export function configuredSealKey(config: AppConfig): SealKey | undefined {
  const text = config.sealKey?.text ?? (config.sealKeyFile && existsSync(config.sealKeyFile) ? readFileSync(config.sealKeyFile, 'utf8') : undefined);
  if (text === undefined) return undefined;
  try {
    return SealKey.parse(text);
  } catch (e) {
    throw new ConfigError(config.sealKey?.source === 'SEAL_KEY' ? 'SEAL_KEY' : 'SEAL_KEY_FILE', (e as Error).message);
  }
}

export function sealSetup(config: AppConfig): SealSetup {
  if (!config.sealing) return { options: null, note: 'sealing is off in this process (SEAL=off)' };
  const cadence = { everyEvents: config.sealEveryEvents, everySeconds: config.sealEverySeconds, logName: `yuantrace/${config.databaseSchema}` };
  const configured = configuredSealKey(config);
  if (configured) {
    return { options: { key: configured, ...cadence }, note: `sealing the log with ${configured.alg} key ${configured.keyId} from ${config.sealKey?.source ?? config.sealKeyFile}` };
  }
  if (config.sealKeyFile) {
    const key = SealKey.loadOrCreateFile(config.sealKeyFile).key;
    return { options: { key, ...cadence },
      note: `sealing the log with ${key.alg} key ${key.keyId} from ${config.sealKeyFile} (made now; keep it safe, and apart from the data in production)` };
  }
  if (!config.databaseUrl) {
    const key = SealKey.parse(SealKey.generate('ed25519'));
    return { options: { key, ...cadence }, note: `sealing the in-memory log with a key made for this process (${key.keyId})` };
  }
  return { options: null, note: 'the log is not sealed: set SEAL_KEY_FILE (npm run cli -- seal-keygen makes one) to sign checkpoints' };
}
