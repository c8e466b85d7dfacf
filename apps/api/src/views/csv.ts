/**
 * CSV for spreadsheets a finance bureau opens: UTF-8 with a byte-order mark (so Excel reads the
 * Chinese headers), CRLF line ends, every field quoted.
 */
export function toCsv(headers: string[], rows: unknown[][]): string {
  const quote = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  return '\ufeff' + [headers, ...rows].map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
}

export const wantsCsv = (format: unknown, accept: unknown) =>
  format === 'csv' || (typeof accept === 'string' && accept.split(',').some((a) => a.trim().startsWith('text/csv')));
