import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { BenchHttpClient } from './http-client';

// A real HTTP server on a loopback port: what the client sends, and on how many connections.
let server: Server;
let url: string;
const seen: Array<{ path: string; authorization?: string; socket: unknown }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ path: req.url!, authorization: req.headers.authorization, socket: req.socket });
    if (req.url === '/missing') return void res.writeHead(404).end('{"code":"not_found"}');
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ padding: 'x'.repeat(200_000) }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

test('reads whole answers over at most the given number of kept-alive connections, and names a path that did not answer 200', async () => {
  const client = new BenchHttpClient(url, 2);
  try {
    await Promise.all(Array.from({ length: 12 }, (_, i) => client.get(`/households/H-${i}`, { authorization: 'Bearer t' })));
    expect(seen.map((s) => s.path).sort()).toEqual(Array.from({ length: 12 }, (_, i) => `/households/H-${i}`).sort());
    expect(seen.every((s) => s.authorization === 'Bearer t')).toBe(true);
    expect(new Set(seen.map((s) => s.socket)).size).toBeLessThanOrEqual(2);
    await expect(client.get('/missing', {})).rejects.toThrow('/missing: 404');
    await expect(client.get('/missing', {}, 404)).resolves.toBeUndefined();
  } finally {
    client.close();
  }
});
