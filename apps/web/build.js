// Builds the web console into dist/web: compiles apps/web/src (and the domain modules it imports)
// with tsc, copies apps/web/public, and gives relative imports the `.js` a browser needs (tsc keeps
// specifiers as written, and the domain's are extensionless). No bundler: the browser loads ES
// modules, and preact and echarts through the page's import map from /web/vendor.
const { execFileSync } = require('node:child_process');
const { cpSync, existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
// WEB_DIST builds elsewhere (the api serves from the same variable): two checkouts' builds or a test
// run and a build never share a folder.
const target = process.env.WEB_DIST ? require('node:path').resolve(process.env.WEB_DIST) : join(root, 'dist', 'web');
// Built beside the target and swapped in at the end: an api serving the target meanwhile (a running
// `npm start`, the browser tests while another test runs `npm run build`) never finds it half-built.
const out = `${target}.building-${process.pid}`;
rmSync(out, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', join(__dirname, 'tsconfig.json'), '--outDir', join(out, 'app')], { stdio: 'inherit' });
} catch (e) {
  rmSync(out, { recursive: true, force: true });
  throw e;
}
cpSync(join(__dirname, 'public'), out, { recursive: true });

const walk = (dir) => readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : [join(dir, f)]));
const modules = walk(join(out, 'app')).filter((f) => f.endsWith('.js'));
for (const file of modules) {
  const text = readFileSync(file, 'utf8');
  const fixed = text.replace(/(\bfrom\s*|\bimport\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+?)\2/g, (all, lead, q, spec) =>
    /\.(m?js|json|css)$/.test(spec) ? all : `${lead}${q}${spec}.js${q}`);
  if (fixed !== text) writeFileSync(file, fixed);
}

// The shell (main.js) and the shared modules every page stands on (lib/, components/, the domain
// files they import), announced up front: without a bundler the browser would otherwise discover
// them one import level at a time. Pages themselves are imported when opened, not preloaded.
const { dirname, relative, resolve, sep } = require('node:path');
const entry = join(out, 'app', 'apps', 'web', 'src', 'main.js');
const shell = new Set();
const visit = (file) => {
  if (shell.has(file)) return;
  shell.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(/\b(?:from|import)\s*(['"])(\.{1,2}\/[^'"]+)\1/g)) visit(resolve(dirname(file), m[2]));
};
visit(entry);
for (const dir of ['lib', 'components']) {
  for (const f of walk(join(out, 'app', 'apps', 'web', 'src', dir)).filter((x) => x.endsWith('.js'))) visit(f);
}
const preload = [
  ...['preact.mjs', 'preact-hooks.mjs', 'preact-jsx-runtime.mjs'].map((f) => `/web/vendor/${f}`),
  ...[...shell].map((f) => `/web/app/${relative(join(out, 'app'), f).split(sep).join('/')}`),
].map((href) => `  <link rel="modulepreload" href="${href}">`).join('\n');
const index = join(out, 'index.html');
writeFileSync(index, readFileSync(index, 'utf8').replace('  <!-- modulepreload -->', preload));

const old = `${target}.old-${process.pid}`;
if (existsSync(target)) renameSync(target, old);
renameSync(out, target);
rmSync(old, { recursive: true, force: true });
