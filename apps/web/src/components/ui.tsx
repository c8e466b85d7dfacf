import type { ComponentChildren } from 'preact';
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
