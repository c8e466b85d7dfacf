import { useEffect, useState } from 'preact/hooks';

/**
 * Pages live after the `#` (`#/payments/DEMO-PAY-1?asOf=2016-06-30`): the api owns every real path,
 * so the console's addresses never collide with its routes, and any page can be bookmarked or printed
 * with its basis.
 */
export type Route = { path: string; parts: string[]; query: URLSearchParams };

export function currentRoute(): Route {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, q = ''] = raw.split('?');
  return { path, parts: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(q) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** The basis parameters a link carries on, so moving between pages keeps the date shown. */
const CARRIED = ['asOf', 'knownAt'];

/** A link to a page: path segments are encoded; the current basis is carried unless `params` sets it. */
export function href(segments: (string | number)[], params: Record<string, string | undefined | null> = {}): string {
  const here = currentRoute().query;
  const q = new URLSearchParams();
  for (const k of CARRIED) if (here.get(k) && !(k in params)) q.set(k, here.get(k)!);
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return `#/${segments.map((x) => encodeURIComponent(String(x))).join('/')}${s ? `?${s}` : ''}`;
}

export function go(segments: (string | number)[], params: Record<string, string | undefined | null> = {}): void {
  location.hash = href(segments, params);
}

/** Replaces some query parameters of the current page (null removes one). */
export function setQuery(params: Record<string, string | null>): void {
  const r = currentRoute();
  const q = new URLSearchParams(r.query);
  for (const [k, v] of Object.entries(params)) (v === null || v === '' ? q.delete(k) : q.set(k, v));
  const s = q.toString();
  location.hash = `#${r.path}${s ? `?${s}` : ''}`;
}
