import { useState } from 'preact/hooks';
import type { Basis } from '../lib/api';
import { instant } from '../lib/format';
import { currentRoute, setQuery } from '../lib/router';

/** The basis of a page as the query parameters the api takes: `asOf` (a business date) and `knownAt` (an instant). */
export function basisQuery(): { asOf?: string; knownAt?: string } {
  const q = currentRoute().query;
  return { asOf: q.get('asOf') ?? undefined, knownAt: q.get('knownAt') ?? undefined };
}

/** A `datetime-local` value read as Beijing time (the console's users are all in UTC+8), as an ISO instant. */
function beijingToIso(local: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(local)) return null;
  const d = new Date(`${local.length === 16 ? `${local}:00` : local}+08:00`);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
const isoToBeijingLocal = (iso: string | undefined) => (iso ? instant(iso).replace(' ', 'T').slice(0, 16) : '');

/** One sentence saying which basis the figures on the page are shown under. */
export function describeBasis(b: Basis | null | undefined): string {
  if (!b) return '';
  const parts: string[] = [];
  parts.push(b.asOf ? `业务日期截至 ${b.asOf}` : '业务日期截至今日');
  parts.push(b.knownAt ? `按 ${instant(b.knownAt)}（北京时间）时已记录的数据` : '按目前已记录的全部数据');
  return `显示依据：${parts.join('，')}`;
}

/**
 * The `asOf` date and `knownAt` instant controls every page carries: changing them re-renders the
 * page as it stood on that business date, as the ledger knew it at that instant.
 */
export function BasisBar({ basis, asOfOnly = false }: { basis?: Basis | null; asOfOnly?: boolean }) {
  const current = basisQuery();
  const [asOf, setAsOf] = useState(current.asOf ?? '');
  const [knownAt, setKnownAt] = useState(isoToBeijingLocal(current.knownAt));
  const [problem, setProblem] = useState<string | null>(null);
  const apply = (e: Event) => {
    e.preventDefault();
    const iso = knownAt ? beijingToIso(knownAt) : null;
    if (knownAt && !iso) return setProblem('记录时点格式不正确');
    setProblem(null);
    setQuery({ asOf: asOf || null, knownAt: asOfOnly ? null : iso });
  };
  const reset = () => {
    setAsOf('');
    setKnownAt('');
    setQuery({ asOf: null, knownAt: null });
  };
  return (
    <form class="basis" onSubmit={apply} aria-label="数据时点">
      <label>
        业务日期（截至）
        <input type="date" name="asOf" value={asOf} onInput={(e) => setAsOf((e.target as HTMLInputElement).value)} />
      </label>
      {!asOfOnly && (
        <label>
          记录时点（北京时间）
          <input type="datetime-local" name="knownAt" value={knownAt} onInput={(e) => setKnownAt((e.target as HTMLInputElement).value)} />
        </label>
      )}
      <button type="submit">按此时点查看</button>
      <button type="button" onClick={reset}>回到当前</button>
      {problem && <span class="error" role="alert">{problem}</span>}
      <p class="shown" data-testid="basis-shown" aria-live="polite">{describeBasis(basis)}</p>
    </form>
  );
}
