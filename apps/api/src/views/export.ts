import { StreamableFile } from '@nestjs/common';
import { ApiQuery } from '@nestjs/swagger';
import ExcelJS from 'exceljs';
import { PassThrough } from 'node:stream';
import { invalid, nameOf } from '@yuantrace/domain';
import { EXPORT_ROWS } from './list-params';
import type { Response } from 'express';

/**
 * Exports of every view and list, for the spreadsheets finance bureaus and auditors work in: CSV
 * (UTF-8 with a byte-order mark so Excel reads Chinese, CRLF, every field quoted) and XLSX (one
 * worksheet per table, written by exceljs, a maintained library, rather than by hand: the OOXML
 * format is large and a hand-rolled writer would be ours to keep correct). Headers and labels are
 * Chinese; the money figures carry the API's name beside the Chinese one.
 */
export type Sheet = { name: string; headers: string[]; rows: unknown[][] };
export type ExportFormat = 'json' | 'csv' | 'xlsx';
/** What a view's query function answers, for the sheets made of it. */
export type View<F extends (...a: never[]) => Promise<unknown>> = NonNullable<Awaited<ReturnType<F>>>;

/** The `format` parameter of every route that exports, as OpenAPI documents it. */
export const formatQueryDocs = () =>
  ApiQuery({ name: 'format', required: false, enum: ['json', 'csv', 'xlsx'], description: '导出：csv（UTF-8，Excel 可直接打开）或 xlsx；也可用 Accept 头' });

/** A "field / value" table for a view's header: one row per field. */
export const fields = (name: string, pairs: Array<[string, unknown]>): Sheet => ({ name, headers: ['项目', '内容'], rows: pairs.map(([k, v]) => [k, v ?? '']) });

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** ?format=json|csv|xlsx, or an Accept header naming CSV or XLSX; anything else is 400 invalid_format. */
export function exportFormat(format: unknown, accept: unknown): ExportFormat {
  if (format !== undefined) {
    if (format === 'json' || format === 'csv' || format === 'xlsx') return format;
    throw invalid('invalid_format', 'format must be json, csv or xlsx', 'format');
  }
  const types = typeof accept === 'string' ? accept.split(',').map((a) => a.trim().split(';')[0]) : [];
  if (types.includes('text/csv')) return 'csv';
  if (types.includes(XLSX_TYPE)) return 'xlsx';
  return 'json';
}

/** One CSV: a single table as it is; several tables one after another, each under a 【title】 line. */
export function toCsv(sheets: readonly Sheet[]): string {
  const quote = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  const table = (s: Sheet) => [s.headers, ...s.rows].map((r) => r.map(quote).join(','));
  const lines = sheets.length === 1 ? table(sheets[0]) : sheets.flatMap((s, i) => [...(i ? [''] : []), quote(`【${s.name}】`), ...table(s)]);
  return '\ufeff' + lines.join('\r\n') + '\r\n';
}

/**
 * The tables as one workbook, written row by row (exceljs's streaming writer): a whole list of
 * 50,000 rows held as a workbook model of cells first took the api from about 250 MB to 580 MB.
 */
export async function toXlsx(sheets: readonly Sheet[]): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  // The writer ends the stream once the archive is whole.
  const ended = new Promise((resolve, reject) => out.on('end', resolve).on('error', reject));
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: true });
  book.creator = 'yuantrace';
  const used = new Set<string>();
  for (const s of sheets) {
    // Worksheet names: at most 31 characters, none of []:*?/\, unique.
    let name = s.name.replace(/[[\]:*?/\\]/g, ' ').slice(0, 31) || 'Sheet';
    for (let i = 2; used.has(name); i++) name = `${s.name.slice(0, 28)}(${i})`;
    used.add(name);
    const ws = book.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
    // Widths go before the first row is written: a written row is gone from memory.
    const widths = s.headers.map((h, i) => Math.min(60, Math.max(10, String(h ?? '').length * 2)));
    for (const r of s.rows) r.forEach((v, i) => (widths[i] = Math.min(60, Math.max(widths[i] ?? 10, String(v ?? '').length * 2))));
    ws.columns = widths.map((width) => ({ width }));
    const head = ws.addRow(s.headers);
    head.font = { bold: true };
    head.commit();
    for (const r of s.rows) ws.addRow(r.map((v) => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : v))).commit();
    ws.commit();
  }
  await book.commit();
  await ended;
  return Buffer.concat(chunks);
}

/** Sends the view in the format asked for: the JSON body as it is, or its tables as CSV / XLSX with a file name. */
export async function respond<T>(res: Response, format: ExportFormat, filename: string, json: T, sheets: () => Sheet[]): Promise<T | string | StreamableFile> {
  if (format === 'json') return json;
  const safe = filename.replace(/[^A-Za-z0-9._-]/g, '_');
  res.setHeader('content-disposition', `attachment; filename="${safe}.${format}"`);
  if (format === 'csv') {
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    return toCsv(sheets());
  }
  // Binary: handed to Nest as a file, so nothing on the way treats it as text.
  return new StreamableFile(await toXlsx(sheets()), { type: XLSX_TYPE });
}

/** A list as a table: each column a field, its header, and for a coded field the names its codes are shown by (as the views show them). */
export function sheet(name: string, columns: Array<[string, string, Record<string, string>?]>, rows: ReadonlyArray<object>): Sheet {
  return { name, headers: columns.map(([, h]) => h), rows: rows.map((r) => columns.map(([k, , names]) => {
    const v = (r as Record<string, unknown>)[k];
    return names && v !== undefined && v !== null ? nameOf(names, v) : (v ?? '');
  })) };
}

/**
 * An exported list holds the whole list (up to EXPORT_ROWS) unless a page was asked for; when the
 * file holds only part of it, a last table 说明 says which part and how many there are in all, so
 * an export is never taken for the whole when it is not; a page read by cursor (`after`) says how to read on.
 */
export function withCoverage(sheets: Sheet[], total: number | { more: boolean }, rows: number,
  at: { offset: number; offsetParameter?: string } | { after: string | undefined; next?: string | null }): Sheet[] {
  const first = 'offset' in at ? at.offset === 0 : at.after === undefined;
  // A list read by cursor that counts nothing (cases) knows only whether more follow.
  if (first && (typeof total === 'number' ? rows >= total : !total.more)) return sheets;
  return [...sheets, { name: '说明', headers: ['项目', '值'], rows: [['共计（条）', typeof total === 'number' ? total : '（未统计）'], ['本文件（条）', rows],
    ...('offset' in at ? [['自第几条起', at.offset + 1], ['说明', at.offsetParameter
      ? `本文件只含其中一部分：不给 ${at.offsetParameter.replace('Offset', 'Limit')}（每次至多 ${EXPORT_ROWS} 条），以 ${at.offsetParameter} 分段导出`
      : `本文件只含列表的一部分：请加筛选条件，或以 offset 分段导出（每次至多 ${EXPORT_ROWS} 条）`]]
      : [['说明', '本文件只含其中一页：以 next 游标（after 参数）继续导出'], ...(at.next ? [['下一页游标（after）', at.next]] : [])])] }];
}

/** A file name says the basis it was read under. */
export const suffix = (b: { asOf?: string; knownAt?: Date }) => `${b.asOf ? `-asof-${b.asOf}` : ''}${b.knownAt ? `-known-${b.knownAt.toISOString().replace(/[:.]/g, '')}` : ''}`;
