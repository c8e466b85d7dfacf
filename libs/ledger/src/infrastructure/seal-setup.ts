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
export function sealSetup(config: AppConfig): SealSetup {
  if (!config.sealing) return { options: null, note: 'sealing is off in this process (SEAL=off)' };
  const cadence = { everyEvents: config.sealEveryEvents, everySeconds: config.sealEverySeconds, logName: `yuantrace/${config.databaseSchema}` };
  if (config.sealKey) {
    try {
      const key = SealKey.parse(config.sealKey.text);
      return { options: { key, ...cadence }, note: `sealing the log with ${key.alg} key ${key.keyId} from ${config.sealKey.source}` };
    } catch (e) {
      throw new ConfigError(config.sealKey.source === 'SEAL_KEY' ? 'SEAL_KEY' : 'SEAL_KEY_FILE', (e as Error).message);
    }
  }
  if (config.sealKeyFile) {
    const { key, created } = SealKey.loadOrCreateFile(config.sealKeyFile);
    return { options: { key, ...cadence },
      note: `sealing the log with ${key.alg} key ${key.keyId} from ${config.sealKeyFile}${created ? ' (made now; keep it safe, and apart from the data in production)' : ''}` };
  }
  if (!config.databaseUrl) {
    const key = SealKey.parse(SealKey.generate('ed25519'));
    return { options: { key, ...cadence }, note: `sealing the in-memory log with a key made for this process (${key.keyId})` };
  }
  return { options: null, note: 'the log is not sealed: set SEAL_KEY_FILE (npm run cli -- seal-keygen makes one) to sign checkpoints' };
}
