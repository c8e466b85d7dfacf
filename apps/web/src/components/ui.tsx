import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { setQuery } from '../lib/router';
import type { ApiError } from '../lib/api';
import { FIGURES, yuan, type FigureName } from '../lib/format';

export function Loading({ what = '数据' }: { what?: string }) {
  return <p class="loading" role="status">正在加载{what}…</p>;
}

/** An error of the api as the Chinese sentence mapped for its code (lib/error-text). */
export function ErrorBox({ error }: { error: ApiError | Error | null | undefined }) {
  if (!error) return null;
  return <p class="error" role="alert" data-code={(error as ApiError).code ?? ''}>{error.message}</p>;
}

/** Amounts right-aligned, in yuan with separators. */
export function Money({ v }: { v: string | null | undefined }) {
  return <span class="money">{yuan(v)}</span>;
}

/** A row of figure cards, named by the glossary (libs/domain figures), with its meaning as the tooltip. */
export function Figures({ values, names }: { values: Record<string, unknown>; names: readonly FigureName[] }) {
  return (
    <div class="figures">
      {names.map((n) => (
        <div class="figure" key={n} title={FIGURES[n].means} data-figure={n}>
          <div class="label">{FIGURES[n].zh}（元）</div>
          <div class="value">{yuan(values[n] as string)}</div>
        </div>
      ))}
    </div>
  );
}

export type Column<T> = { label: string; num?: boolean; cell: (row: T) => ComponentChildren };

/** A table that reads as cards on a phone (each cell labelled by its column). */
export function Table<T>({ rows, columns, caption, empty = '暂无记录', rowKey }: { rows: T[]; columns: Column<T>[]; caption?: string; empty?: string; rowKey?: (r: T, i: number) => string }) {
  if (rows.length === 0) return <p class="muted">{caption ? `${caption}：` : ''}{empty}</p>;
  return (
    <div class="table-wrap">
      <table class="stackable">
        {caption && <caption>{caption}</caption>}
        <thead>
          <tr>{columns.map((c) => <th scope="col" class={c.num ? 'num' : undefined}>{c.label}</th>)}</tr>
        </thead>
        <tbody>
          {rows.map((r, i) => (
            <tr key={rowKey ? rowKey(r, i) : i}>
              {columns.map((c) => <td class={c.num ? 'num' : undefined} data-label={c.label}>{c.cell(r)}</td>)}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function Section({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <section aria-label={title}>
      <h2>{title}</h2>
      {children}
    </section>
  );
}

/** A labelled list (dt/dd) of what an answer carries; empty values are left out. */
export function Facts({ items, testId }: { items: [string, ComponentChildren][]; testId?: string }) {
  return (
    <dl class="card" data-testid={testId} style="display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:8px 0">
      {items.filter(([, v]) => v !== null && v !== undefined && v !== '').map(([k, v]) => (
        <>
          <dt class="muted">{k}</dt>
          <dd style="margin:0;word-break:break-all" data-fact={k}>{v}</dd>
        </>
      ))}
    </dl>
  );
}

/**
 * A form's submission: busy while sending, then the confirmation or the refusal (already a Chinese
 * sentence) shown under it. `problem` is what the page found wrong before sending: shown, nothing sent.
 */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = async (problem: Error | null, send: () => Promise<string>) => {
    setDone(null);
    if (problem) return setError(problem);
    setError(null);
    setBusy(true);
    try {
      setDone(await send());
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  };
  const Outcome = () => (
    <>
      <ErrorBox error={error} />
      {done && <p class="ok" role="status">{done}</p>}
    </>
  );
  return { busy, run, Outcome };
}

/** Previous / next for a list the api pages by offset. */
export function OffsetPager({ page }: { page: { offset: number; limit: number; nextOffset: number | null } }) {
  return (
    <p class="row no-print">
      {page.offset > 0 && <button type="button" onClick={() => setQuery({ offset: String(Math.max(0, page.offset - page.limit)) })}>上一页</button>}
      {page.nextOffset !== null && <button type="button" onClick={() => setQuery({ offset: String(page.nextOffset) })}>下一页</button>}
    </p>
  );
}
