// Builds the package: one esbuild bundle per module format, declarations from tsc, copied beside each.
// Entries: the SDK (lib/index.ts), the sandbox (lib/sandbox/index.ts -> dist/*/sandbox/index.js, with its
// API description copied beside it), and the CLI (lib/cli.ts -> dist/cjs/cli.js, loading the sandbox entry).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// url-template is ESM-only; bundling it keeps `require('wechatpay-chain')` working on every Node 20.
const bundled = new Set(['url-template']);
const external = Object.keys(pkg.dependencies ?? {}).filter((name) => !bundled.has(name));

rmSync('dist/cjs', { recursive: true, force: true });
rmSync('dist/esm', { recursive: true, force: true });

const common = {
  entryPoints: ['lib/index.ts', 'lib/sandbox/index.ts'],
  outbase: 'lib',
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: [...external, ...external.map((name) => `${name}/*`)],
  sourcemap: true,
  logLevel: 'warning',
};
/** The CLI loads the built sandbox entry beside it instead of bundling a second copy. */
const sandboxEntry = {
  name: 'sandbox-entry',
  setup(b) {
    b.onResolve({ filter: /^\.\/sandbox\/index\.js$/ }, () => ({ path: './sandbox/index.js', external: true }));
  },
};
await Promise.all([
  // lib/sandbox/data.ts finds its file with __dirname under CommonJS; import.meta is only read under ESM.
  build({ ...common, format: 'cjs', outdir: 'dist/cjs', logOverride: { 'empty-import-meta': 'silent' } }),
  build({ ...common, format: 'esm', outdir: 'dist/esm' }),
  build({
    ...common, entryPoints: ['lib/cli.ts'], format: 'cjs', outdir: 'dist/cjs', plugins: [sandboxEntry],
    banner: { js: '#!/usr/bin/env node' },
  }),
]);
chmodSync('dist/cjs/cli.js', 0o755);
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
writeFileSync('dist/esm/package.json', JSON.stringify({ type: 'module' }) + '\n');
for (const format of ['cjs', 'esm']) {
  mkdirSync(`dist/${format}/sandbox`, { recursive: true });
  copyFileSync('lib/generated/sandbox.json', `dist/${format}/sandbox/sandbox.json`);
}

mkdirSync('dist', { recursive: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
for (const format of ['cjs', 'esm']) {
  cpSync('dist/types', `dist/${format}`, { recursive: true, filter: (src) => !src.endsWith('.tsbuildinfo') });
}
