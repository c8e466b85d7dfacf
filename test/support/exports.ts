import ExcelJS from 'exceljs';
import type { Test } from 'supertest';

export const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** A saved XLSX read back by exceljs: every worksheet as rows of cell text. */
export async function workbook(body: Buffer): Promise<Record<string, string[][]>> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(body as unknown as ArrayBuffer);
  return Object.fromEntries(book.worksheets.map((ws) => [ws.name, ws.getSheetValues().slice(1).map((r) => (Array.isArray(r) ? r.slice(1).map((c) => String(c ?? '')) : []))]));
}

/** supertest's parser for a binary body (an XLSX). */
export const binary = (res: NodeJS.ReadableStream, cb: (e: Error | null, b: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => cb(null, Buffer.concat(chunks)));
};

/** An XLSX download, read back. */
export async function xlsxOf(request: Test): Promise<Record<string, string[][]>> {
  const r = await request.buffer(true).parse(binary as never).expect(200);
  if (r.headers['content-type'] !== XLSX) throw new Error(`not an XLSX: ${r.headers['content-type']}`);
  return workbook(r.body as Buffer);
}

/** A CSV download's fields, line by line, without the byte-order mark and the quotes. */
export function csvLines(text: string): string[][] {
  if (!text.startsWith('\ufeff')) throw new Error('a CSV export starts with a byte-order mark');
  return text.slice(1).split('\r\n').filter((l) => l).map((l) => l.slice(1, -1).split('","'));
}
