import { useCallback, useEffect, useState } from 'preact/hooks';
import { explain } from './error-text';
import { session } from './session';

/** An answer of the api that is not 2xx, with the Chinese sentence the page shows for it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly serverMessage: string,
    readonly field?: string,
  ) {
    super(explain({ status, code, field, message: serverMessage }));
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

function url(path: string, query: Query = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return `${path}${s ? `?${s}` : ''}`;
}

async function call(method: 'GET' | 'POST' | 'PUT', path: string, query: Query, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  const token = session.token();
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  try {
    return await fetch(url(path, query), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, 'network', 'the api cannot be reached');
  }
}

/** A refusal's body (`{ error: { code, message, field } }`) as the ApiError the pages show. */
function refusal(res: Response, text: string): ApiError {
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    /* not JSON: the text itself is shown */
  }
  const e = (json as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
  return new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? text.slice(0, 200), e?.field);
}

async function send<T>(method: 'GET' | 'POST' | 'PUT', path: string, query: Query, body?: unknown): Promise<T> {
  const res = await call(method, path, query, body);
  const text = await res.text();
  if (!res.ok) throw refusal(res, text);
  try {
    return (text ? JSON.parse(text) : null) as T;
  } catch {
    return null as T;
  }
}

/** An export (`format=csv|xlsx`) as a file: its bytes and the name the api gives it (Content-Disposition). */
export async function exportFile(path: string, query: Query): Promise<{ blob: Blob; filename: string }> {
  const res = await call('GET', path, query);
  if (!res.ok) throw refusal(res, await res.text());
  const named = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '');
  return { blob: await res.blob(), filename: named?.[1] ?? `export.${String(query.format)}` };
}

export const api = {
  get: <T>(path: string, query: Query = {}) => send<T>('GET', path, query),
  post: <T>(path: string, body: unknown, query: Query = {}) => send<T>('POST', path, query, body),
  put: <T>(path: string, body: unknown) => send<T>('PUT', path, {}, body),
};

/**
 * The views are projections of the log, a moment behind the command that changed it: read the view
 * again until the change shows (or a few seconds pass: under a past asOf it may never show), so the
 * page reloaded after a command shows what the command did.
 */
export async function untilSeen<T>(path: string, query: Query, seen: (v: T) => boolean, tries = 40): Promise<void> {
  for (let i = 0; i < tries; i++) {
    try {
      if (seen(await api.get<T>(path, query))) return;
    } catch {
      /* read again */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** The basis every view answers under, as the api states it back. */
export type Basis = { asOf: string | null; knownAt: string | null; axis?: string };

export type Loaded<T> = { data: T | null; error: ApiError | null; loading: boolean; reload: () => void };

/**
 * Reads `path` with `query` and re-reads whenever either changes (a new basis re-renders the page).
 * `path` null reads nothing (a page waiting for input).
 */
export function useApi<T>(path: string | null, query: Query = {}): Loaded<T> {
  const key = path === null ? null : url(path, query);
  const [state, setState] = useState<{ key: string | null; data: T | null; error: ApiError | null; loading: boolean }>({ key: null, data: null, error: null, loading: path !== null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === null) return;
    let live = true;
    setState((s) => ({ ...s, loading: true, error: null }));
    api.get<T>(path, query).then(
      (data) => live && setState({ key, data, error: null, loading: false }),
      (error: unknown) => live && setState({ key, data: null, error: error instanceof ApiError ? error : new ApiError(0, 'client', String(error)), loading: false }),
    );
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data: state.key === key ? state.data : null, error: state.key === key ? state.error : null, loading: state.loading || state.key !== key, reload };
}
