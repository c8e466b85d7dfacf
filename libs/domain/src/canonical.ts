/**
 * A canonical text for comparing payloads: object keys sorted at every depth, bigints as
 * decimal strings. Idempotency checks compare the payload of a repeated command with the one
 * stored, and a stored event comes back from jsonb with its keys in another order, so plain
 * JSON.stringify would call the same request different.
 */
export function canonicalKey(value: unknown): string {
  return JSON.stringify(normalise(value));
}

function normalise(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map(normalise);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = normalise(v);
    }
    return out;
  }
  return value;
}
