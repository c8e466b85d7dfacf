import { Agent, request } from 'node:http';

/**
 * The benchmark's query client: plain `node:http` over kept-alive connections, one per client.
 * The clients share this 2-core machine with the api and PostgreSQL, so what a client spends on
 * each request is taken from the server it measures: against the county's household view `fetch`
 * (undici) spent 0.58–1.04 ms of CPU per request and this 0.30–0.42 (2026-12-03, alternating).
 */
export class BenchHttpClient {
  private readonly agent: Agent;

  constructor(private readonly baseUrl: string, connections: number) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  /** GETs a path and reads the whole body; anything but the expected status is an error naming the path. */
  get(path: string, headers: Record<string, string>, expect = 200): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(this.baseUrl + path, { agent: this.agent, headers }, (res) => {
        res.on('data', () => undefined);
        res.on('end', () => (res.statusCode === expect ? resolve() : reject(new Error(`${path}: ${res.statusCode}`))));
        res.on('error', reject);
      });
      // fetch gave up after 300 s; without a limit a stalled api would hang the benchmark.
      req.setTimeout(30_000, () => req.destroy(new Error(`${path}: no answer in 30 s`)));
      req.on('error', reject);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
