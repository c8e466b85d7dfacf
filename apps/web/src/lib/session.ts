/** Who is signed in: the token (kept for the browser tab only) and the principal it names. */
export type Role = 'finance' | 'approver' | 'inspector' | 'auditor' | 'village';
export type Principal = { id: string; role: Role; scope: string; home?: string };

const KEY = 'yuantrace.token';

export const ROLE_NAMES: Record<Role, string> = {
  finance: '财政局', approver: '审核', inspector: '纪检监察', auditor: '审计', village: '村干部',
};

/** The principal a token names, read from its payload (the api checks the signature on every call). */
export function principalOf(token: string): Principal | null {
  try {
    const part = token.split('.')[1];
    const json = decodeURIComponent(escape(atob(part.replace(/-/g, '+').replace(/_/g, '/'))));
    const c = JSON.parse(json) as { sub?: unknown; role?: unknown; scope?: unknown; home?: unknown; exp?: unknown };
    if (typeof c.sub !== 'string' || typeof c.role !== 'string' || typeof c.scope !== 'string' || !(c.role in ROLE_NAMES)) return null;
    if (typeof c.exp === 'number' && c.exp * 1000 < Date.now()) return null;
    return { id: c.sub, role: c.role as Role, scope: c.scope, ...(typeof c.home === 'string' ? { home: c.home } : {}) };
  } catch {
    return null;
  }
}

export const session = {
  token(): string | null {
    return sessionStorage.getItem(KEY);
  },
  principal(): Principal | null {
    const t = sessionStorage.getItem(KEY);
    return t ? principalOf(t) : null;
  },
  signIn(token: string): Principal | null {
    const p = principalOf(token.trim());
    if (p) sessionStorage.setItem(KEY, token.trim());
    return p;
  },
  signOut(): void {
    sessionStorage.removeItem(KEY);
  },
};
