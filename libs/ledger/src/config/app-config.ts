import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_AMOUNT_BOUNDS, DEFAULT_PAYMENT_RULES, parseAmountBounds, parsePaymentRules, type AmountBounds, type PaymentRuleSet } from '@yuantrace/domain';

/**
 * All configuration is read and validated here, once. A bad value stops the process with a
 * message that names the variable.
 */
export type AppConfig = {
  /** PostgreSQL server for read models (and events unless kurrentdbUrl). Absent: embedded PGlite. */
  databaseUrl?: string;
  databaseSchema: string;
  databasePoolSize: number;
  /**
   * Seconds a pooled connection may sit idle before it is closed (DATABASE_POOL_IDLE_SECONDS; 0:
   * never). A new connection's backend serves its first few hundred statements at about half
   * again the CPU of a warmed one.
   */
  databasePoolIdleSeconds: number;
  /**
   * Reads the api serves itself before it listens (API_WARM_UP_REQUESTS; default 2,000 on a
   * server, none embedded; 0: none), so that its first users do not wait for its code to compile.
   */
  apiWarmUpRequests: number;
  /** KurrentDB / EventStoreDB for events. */
  kurrentdbUrl?: string;
  /** PGlite's folder in embedded mode. */
  dataDir: string;
  /** undefined: PGlite in memory (tests only). */
  inMemory: boolean;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Run the projections inside this process (always in embedded mode). */
  runProjections: boolean;
  demoData: boolean;
  jwtSecret: string;
  /** Token lifetime in seconds. */
  jwtTtlSeconds: number;
  /** Dated thresholds payments are checked against (advance share of the budget, R-14). */
  paymentRules: PaymentRuleSet[];
  /** The largest appropriation each issuing level may record (BATCH_AMOUNT_BOUNDS). */
  amountBounds: AmountBounds;
  /** Streams whose folded state is kept in memory (a batch paying thousands of households is costly to re-read). */
  stateCacheSize: number;
  /** /health answers degraded (503) when a projection lags more events than this. */
  healthMaxLag: number;
  /** Connections a one-pass catch-up or rebuild spreads the projections over on a server (PROJECTION_LANES; about one per core PostgreSQL may use). */
  projectionLanes: number;
  /**
   * Whether the cli's `rebuild all` and `load` run each lane in a process of its own
   * (PROJECTION_LANE_PROCESSES, default on; off: lanes are connections of one process).
   */
  projectionLaneProcesses: boolean;
  /**
   * The checkpoint-signing key's text, from SEAL_KEY_FILE or SEAL_KEY (never from the database).
   * Absent on a server: the log is not sealed. Absent in embedded mode: a key file is made beside
   * the data folder (sealKeyFile), so the demo seals with nothing configured.
   */
  sealKey?: { text: string; source: string };
  /** SEAL=off: no sealing in this process, whatever key is configured (the benchmark's baseline; a read-only api). */
  sealing: boolean;
  /** Where the embedded demo keeps the key it made (DATA_DIR's sibling, not inside it: backups of the data do not carry the key). */
  sealKeyFile?: string;
  /** A checkpoint is signed after this many events (SEAL_EVERY_EVENTS)… */
  sealEveryEvents: number;
  /** …or once the oldest unsealed event has waited this many seconds (SEAL_EVERY_SECONDS). */
  sealEverySeconds: number;
};

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const DEV_SECRET = 'yuantrace-embedded-demo-secret-change-me';

function flag(env: Record<string, string | undefined>, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (['on', 'true', '1', 'yes'].includes(v.toLowerCase())) return true;
  if (['off', 'false', '0', 'no'].includes(v.toLowerCase())) return false;
  throw new ConfigError(name, `must be on or off (got "${v}")`);
}

function integer(env: Record<string, string | undefined>, name: string, fallback: number, min: number, max: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  if (!/^[0-9]+$/.test(v) || Number(v) < min || Number(v) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max} (got "${v}")`);
  }
  return Number(v);
}

function amountBounds(json: string | undefined): AmountBounds {
  if (!json) return DEFAULT_AMOUNT_BOUNDS;
  try {
    return parseAmountBounds(json);
  } catch (e) {
    throw new ConfigError('BATCH_AMOUNT_BOUNDS', (e as Error).message);
  }
}

function paymentRules(json: string | undefined): PaymentRuleSet[] {
  if (!json) return DEFAULT_PAYMENT_RULES;
  try {
    return parsePaymentRules(json);
  } catch (e) {
    throw new ConfigError('PAYMENT_RULES', (e as Error).message);
  }
}

function sealKey(env: Record<string, string | undefined>): AppConfig['sealKey'] {
  if (env.SEAL_KEY && env.SEAL_KEY_FILE) throw new ConfigError('SEAL_KEY', 'set SEAL_KEY or SEAL_KEY_FILE, not both');
  if (env.SEAL_KEY) return { text: env.SEAL_KEY, source: 'SEAL_KEY' };
  if (!env.SEAL_KEY_FILE) return undefined;
  try {
    return { text: readFileSync(env.SEAL_KEY_FILE, 'utf8'), source: env.SEAL_KEY_FILE };
  } catch (e) {
    throw new ConfigError('SEAL_KEY_FILE', `cannot read ${env.SEAL_KEY_FILE}: ${(e as Error).message}`);
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl) {
    let url: URL;
    try {
      url = new URL(databaseUrl);
    } catch {
      throw new ConfigError('DATABASE_URL', 'is not a URL; expected postgres://user[:password]@host[:port]/database');
    }
    if (!['postgres:', 'postgresql:'].includes(url.protocol) || !url.hostname) {
      throw new ConfigError('DATABASE_URL', `must be postgres://user[:password]@host[:port]/database (got scheme "${url.protocol}")`);
    }
  }
  const kurrentdbUrl = env.KURRENTDB_URL || undefined;
  if (kurrentdbUrl) {
    if (!/^(kurrentdb|kdb|esdb|eventstore)(\+discover)?:\/\/[^/]+/.test(kurrentdbUrl)) {
      throw new ConfigError('KURRENTDB_URL', 'must be kurrentdb://host:2113?tls=false (or esdb://…)');
    }
    if (!databaseUrl) {
      throw new ConfigError('KURRENTDB_URL', 'needs DATABASE_URL too: read models live in PostgreSQL');
    }
  }
  const databaseSchema = env.DATABASE_SCHEMA || 'public';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(databaseSchema)) {
    throw new ConfigError('DATABASE_SCHEMA', `must be a lowercase SQL identifier (got "${databaseSchema}")`);
  }
  const logLevel = (env.LOG_LEVEL || 'info') as AppConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);
  const embedded = !databaseUrl;
  const jwtSecret = env.JWT_SECRET || (embedded ? DEV_SECRET : '');
  if (!jwtSecret) throw new ConfigError('JWT_SECRET', 'must be set when running against a database server');
  if (jwtSecret.length < 16) throw new ConfigError('JWT_SECRET', 'must be at least 16 characters');
  const dataDir = resolve(env.DATA_DIR || './data');
  return {
    databaseUrl,
    databaseSchema,
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 200),
    databasePoolIdleSeconds: integer(env, 'DATABASE_POOL_IDLE_SECONDS', 600, 0, 86400),
    apiWarmUpRequests: integer(env, 'API_WARM_UP_REQUESTS', embedded ? 0 : 2000, 0, 100_000),
    kurrentdbUrl,
    dataDir,
    inMemory: env.DATA_DIR === ':memory:',
    port: integer(env, 'PORT', 3000, 0, 65535),
    logLevel,
    // In embedded mode there is one process: the projections must run in it.
    runProjections: embedded ? true : flag(env, 'RUN_PROJECTIONS', false),
    demoData: flag(env, 'DEMO_DATA', embedded),
    jwtSecret,
    jwtTtlSeconds: integer(env, 'JWT_TTL_SECONDS', 8 * 3600, 60, 30 * 24 * 3600),
    paymentRules: paymentRules(env.PAYMENT_RULES),
    amountBounds: amountBounds(env.BATCH_AMOUNT_BOUNDS),
    stateCacheSize: integer(env, 'STATE_CACHE_SIZE', 50_000, 100, 10_000_000),
    healthMaxLag: integer(env, 'HEALTH_MAX_LAG', 10_000, 1, 1_000_000_000),
    projectionLanes: integer(env, 'PROJECTION_LANES', 2, 1, 16),
    projectionLaneProcesses: flag(env, 'PROJECTION_LANE_PROCESSES', true),
    sealKey: sealKey(env),
    sealing: flag(env, 'SEAL', true),
    ...(embedded && env.DATA_DIR !== ':memory:' ? { sealKeyFile: `${dataDir}-seal-key.pem` } : {}),
    sealEveryEvents: integer(env, 'SEAL_EVERY_EVENTS', 1000, 1, 1_000_000),
    sealEverySeconds: integer(env, 'SEAL_EVERY_SECONDS', 60, 1, 86_400),
  };
}

/** The connection string with the password hidden, for logs and messages. */
export const redactUrl = (url: string) => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
