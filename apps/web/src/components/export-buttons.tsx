import { useState } from 'preact/hooks';
import { ApiError, exportFile, type Query } from '../lib/api';
import { ErrorBox } from './ui';

/**
 * 导出 CSV / Excel of what the page shows: the same route and query the page read (its basis and
 * filters), with `format`. A list is exported whole (the api's export limit), not only the page on
 * screen. The file is fetched with the reader's token (a plain link would carry none) and saved
 * under the name the api gives it, which states the basis.
 */
export function ExportButtons({ path, query = {}, what }: { path: string; query?: Query; what: string }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const save = async (format: 'csv' | 'xlsx') => {
    setBusy(format);
    setError(null);
    try {
      const { blob, filename } = await exportFile(path, { ...query, format });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = filename;
      document.body.appendChild(a);
      a.click();
      a.remove();
      // The click has handed the blob to the download; the URL is let go once it has.
      setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError(0, 'client', String(e)));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div class="export no-print" role="group" aria-label={`导出${what}`} data-export={path}>
      <span class="muted">导出{what}（按显示依据）：</span>
      <button type="button" onClick={() => save('csv')} disabled={busy !== null} data-format="csv">{busy === 'csv' ? '正在导出…' : 'CSV'}</button>
      <button type="button" onClick={() => save('xlsx')} disabled={busy !== null} data-format="xlsx">{busy === 'xlsx' ? '正在导出…' : 'Excel'}</button>
      <ErrorBox error={error} />
    </div>
  );
}
