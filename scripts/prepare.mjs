// Builds the package when its build is needed (`npm run build` always builds).
//
//   node scripts/prepare.mjs              npm's `prepare`: builds, except under `npx` when dist/ is current (below)
//   node scripts/prepare.mjs --if-stale   builds only when dist/ is missing or older than what it is built from
//
// npm runs `prepare` after `npm install` / `npm ci` in a checkout and before `npm pack` / `npm publish`: those
// always build. It also runs it when `npx wechatpay-chain` in a checkout links the package's own bins into npm's
// npx cache (npm_command is `exec` then, on the first run for that folder): a current build is kept there,
// because rebuilding would take a while and remove dist/ from under whatever is using it (the test suite); and a
// build that cannot run there (no `npm install` yet) is reported without failing: npm would otherwise leave a
// broken entry in its npx cache that fails every later `npx wechatpay-chain` in this folder.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
process.chdir(root);

/** What the build writes; the oldest of these is the build's age. */
const OUTPUTS = [
  'dist/cjs/index.js', 'dist/cjs/sandbox/index.js', 'dist/cjs/cli/index.js', 'dist/esm/index.js', 'dist/esm/sandbox/index.js',
  'dist/esm/index.d.ts', 'dist/esm/sandbox/index.d.ts', 'dist/types/index.d.ts', 'dist/types/sandbox/index.d.ts', 'dist/sandbox-data.json',
];
/** What the build reads. */
const INPUTS = ['lib', 'scripts/build.mjs', 'package.json', 'tsconfig.json', 'tsconfig.build.json'];

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let time = stat.mtimeMs;
  for (const entry of readdirSync(path)) time = Math.max(time, newest(join(path, entry)));
  return time;
}

/** Why dist/ needs a build, or undefined when it is current. */
function staleness() {
  const missing = OUTPUTS.find((file) => !existsSync(file));
  if (missing) return `${missing} is missing`;
  const built = Math.min(...OUTPUTS.map((file) => statSync(file).mtimeMs));
  const changed = INPUTS.find((input) => existsSync(input) && newest(input) > built);
  return changed ? `${changed} changed since the last build` : undefined;
}

const underNpx = process.env.npm_command === 'exec';
if (underNpx || process.argv.includes('--if-stale')) {
  const reason = staleness();
  if (!reason) process.exit(0);
  console.error(`wechatpay-chain: building the package (${reason})`);
}
try {
  execFileSync(process.execPath, ['scripts/build.mjs'], { stdio: 'inherit' });
} catch (error) {
  if (!underNpx) process.exit(typeof error.status === 'number' ? error.status : 1);
  console.error('wechatpay-chain: the build failed; run `npm install` in this checkout first');
}
