// Builds the web console into dist/web: compiles apps/web/src (and the domain modules it imports)
// with tsc, copies apps/web/public, and gives relative imports the `.js` a browser needs (tsc keeps
// specifiers as written, and the domain's are extensionless). No bundler: the browser loads ES
// modules, and preact and echarts through the page's import map from /web/vendor.
const { execFileSync } = require('node:child_process');
const { cpSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
// WEB_DIST builds elsewhere (the api serves from the same variable): two checkouts' builds or a test
// run and a build never share a folder.
const out = process.env.WEB_DIST ? require('node:path').resolve(process.env.WEB_DIST) : join(root, 'dist', 'web');
rmSync(out, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, 'tsconfig.json'), '--outDir', join(out, 'app')], { stdio: 'inherit' });
cpSync(join(__dirname, 'public'), out, { recursive: true });

const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
for (const file of walk(join(out, 'app')).filter((f) => f.endsWith('.js'))) {
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(/(\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+?)\2/g, (all, lead, q, spec) =>
    /\.(m?js|json|css)$/.test(spec) ? all : `${lead}${q}${spec}.js${q}`);
  if (fixed !== text) writeFileSync(file, fixed);
}
