// Builds the package: one esbuild bundle per module format, one tree of declarations, one copy of each data file.
//
//   dist/cjs/  index.js, sandbox/index.js, redis/index.js, cli/index.js (the bin)   CommonJS (dist/cjs/package.json)
//   dist/esm/  index.js, sandbox/index.js, redis/index.js                           ES modules (dist/esm/package.json)
//              index.d.ts, sandbox/index.d.ts, redis/index.d.ts                     ESM faces of the declarations below
//   dist/types/                                                                     the declarations (tsc), read as CommonJS
//   dist/sandbox-data.json                                                          what the sandbox knows of each endpoint
//   dist/sandbox-console/                                                           the sandbox console's HTML, CSS and JS (lib/sandbox/console)
//
// `require` consumers get dist/types directly; `import` consumers get the two-line ESM faces, which re-export it:
// the 3.7 MB endpoint types exist once, and the classes are one declaration for both formats.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// url-template is ESM-only; bundling it keeps `require('wechatpay-chain')` working on every Node 20.
const bundled = new Set(['url-template']);
const external = Object.keys(pkg.dependencies ?? {}).filter((name) => !bundled.has(name));

rmSync('dist', { recursive: true, force: true });

const common = {
  entryPoints: ['lib/index.ts', 'lib/sandbox/index.ts', 'lib/redis/index.ts'],
  outbase: 'lib',
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: [...external, ...external.map((name) => `${name}/*`)],
  // No source maps: the bundles are not minified (names and structure kept, stack traces read as they are),
  // and a map is only useful with the sources it names, which would add 2.2 MB to the package.
  sourcemap: false,
  // Classes keep their names (esbuild renames a class that refers to itself, `ApiError` to `_ApiError`): an
  // error's `name`, and what util.inspect shows, are the ones the source gives.
  keepNames: true,
  logLevel: 'warning',
};
/** The CLI loads the built sandbox entry instead of bundling a second copy of it. */
const sandboxEntry = {
  name: 'sandbox-entry',
  setup(b) {
    b.onResolve({ filter: /^\.\.\/sandbox\/index\.js$/ }, () => ({ path: '../sandbox/index.js', external: true }));
  },
};
await Promise.all([
  // lib/sandbox/data.ts finds its file with __dirname under CommonJS; import.meta is only read under ESM.
  build({ ...common, format: 'cjs', outdir: 'dist/cjs', logOverride: { 'empty-import-meta': 'silent' } }),
  build({ ...common, format: 'esm', outdir: 'dist/esm' }),
  build({
    ...common, entryPoints: ['lib/cli/index.ts'], format: 'cjs', outdir: 'dist/cjs', plugins: [sandboxEntry],
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
chmodSync('dist/cjs/cli/index.js', 0o755);
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
writeFileSync('dist/esm/package.json', JSON.stringify({ type: 'module' }) + '\n');
copyFileSync('lib/generated/sandbox.json', 'dist/sandbox-data.json');
cpSync('lib/sandbox/console', 'dist/sandbox-console', { recursive: true });

execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
writeFileSync('dist/types/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
for (const entry of ['index', 'sandbox/index', 'redis/index']) {
  const up = '../'.repeat(entry.split('/').length);
  mkdirSync(`dist/esm/${entry}`.replace(/\/[^/]+$/, ''), { recursive: true });
  writeFileSync(`dist/esm/${entry}.d.ts`, `export * from '${up}types/${entry}.js';\n`);
}
