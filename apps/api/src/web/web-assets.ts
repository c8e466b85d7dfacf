import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';

/** The repository's root: the folder holding package.json, found upward (source and dist/ alike). */
function projectRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The built console: dist/web, or WEB_DIST when set (the folder `npm run build:web` wrote to). */
export const WEB_ROOT = process.env.WEB_DIST ? resolve(process.env.WEB_DIST) : join(projectRoot(), 'dist', 'web');

/**
 * The browser libraries the console loads, served from our own node_modules: county government
 * networks are often closed, so nothing comes from a CDN. Only these files are exposed, never the
 * whole of node_modules.
 */
const VENDOR: Record<string, string> = {
  'preact.mjs': 'preact/dist/preact.mjs',
  'preact-hooks.mjs': 'preact/hooks/dist/hooks.mjs',
  'preact-jsx-runtime.mjs': 'preact/jsx-runtime/dist/jsxRuntime.mjs',
  'echarts.min.js': 'echarts/dist/echarts.min.js',
};

/**
 * Serves the web console (apps/web, compiled to dist/web by `npm run build:web`) on the api's own
 * origin: `/` is its one page, `/web/…` its scripts and styles, `/web/vendor/…` the libraries.
 */
export function serveWebConsole(app: NestExpressApplication): void {
  const root = projectRoot();
  const http = app.getHttpAdapter().getInstance();
  const modules = join(root, 'node_modules');
  http.use('/web/vendor', (req: { method: string; path: string }, res: { sendFile: (p: string, o: object) => void }, next: () => void) => {
    const rel = req.method === 'GET' || req.method === 'HEAD' ? VENDOR[req.path.replace(/^\//, '')] : undefined;
    if (!rel) return next();
    res.sendFile(join(modules, rel), { maxAge: '1h', headers: { 'content-type': 'text/javascript; charset=utf-8' } });
  });
  app.useStaticAssets(WEB_ROOT, { prefix: '/web/', index: false, maxAge: 0 });
}

/** The console's page, or a plain sentence saying how to build it when dist/web is missing. */
export function consolePage(): { status: number; html: string } {
  const file = join(WEB_ROOT, 'index.html');
  if (!existsSync(file)) {
    return { status: 503, html: '<!doctype html><meta charset="utf-8"><p>控制台尚未构建：请运行 <code>npm run build:web</code>（<code>npm start</code> 会自动构建）。</p>' };
  }
  return { status: 200, html: readFileSync(file, 'utf8') };
}
