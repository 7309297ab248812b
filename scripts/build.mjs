// Builds the package: one esbuild bundle per module format, declarations from tsc, copied beside each.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// url-template is ESM-only; bundling it keeps `require('wechatpay-chain')` working on every Node 20.
const bundled = new Set(['url-template']);
const external = Object.keys(pkg.dependencies ?? {}).filter((name) => !bundled.has(name));
const entryPoints = ['lib/index.ts', ...(existsSync('lib/cli.ts') ? ['lib/cli.ts'] : [])];

rmSync('dist/cjs', { recursive: true, force: true });
rmSync('dist/esm', { recursive: true, force: true });

const common = {
  entryPoints,
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: [...external, ...external.map((name) => `${name}/*`)],
  sourcemap: true,
  logLevel: 'warning',
};
await Promise.all([
  build({ ...common, format: 'cjs', outdir: 'dist/cjs' }),
  build({ ...common, format: 'esm', outdir: 'dist/esm' }),
]);
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }) + '\n');
writeFileSync('dist/esm/package.json', JSON.stringify({ type: 'module' }) + '\n');

mkdirSync('dist', { recursive: true });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
for (const format of ['cjs', 'esm']) {
  cpSync('dist/types', `dist/${format}`, { recursive: true, filter: (src) => !src.endsWith('.tsbuildinfo') });
}
