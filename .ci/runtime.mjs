#!/usr/bin/env node
// Runs scripts/runtime-check.ts (the demo's flow, the package imported by its name; needs the build) under Bun,
// Deno or Node.js (with tsx), from the devDependencies:
//
//   node .ci/runtime.mjs bun
//   node .ci/runtime.mjs deno
//   node .ci/runtime.mjs node
//
// Deno: node_modules/.bin/deno (its npm package's launcher). Bun: node_modules/.bin/bun only works once the bun
// package's postinstall replaced its placeholder, which this repository's allowScripts does not let npm run; the
// platform binary npm installed beside it (@oven/bun-<os>-<arch>[-musl][-baseline]) is used then.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const name = process.argv[2];

function works(binary) {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function bun() {
  const launcher = join(root, 'node_modules', '.bin', 'bun');
  if (works(launcher)) return launcher;
  const fromBun = createRequire(join(root, 'node_modules', 'bun', 'package.json'));
  const os = process.platform === 'win32' ? 'windows' : process.platform;
  const arch = process.arch === 'arm64' ? 'aarch64' : process.arch;
  for (const suffix of ['', '-musl', '-baseline', '-musl-baseline']) {
    let manifest;
    try {
      manifest = fromBun.resolve(`@oven/bun-${os}-${arch}${suffix}/package.json`);
    } catch {
      continue;
    }
    const binary = join(dirname(manifest), 'bin', process.platform === 'win32' ? 'bun.exe' : 'bun');
    if (existsSync(binary) && works(binary)) return binary;
  }
  throw new Error('no working Bun binary in node_modules (is the bun devDependency installed?)');
}

const runners = {
  bun: () => [bun(), ['scripts/runtime-check.ts']],
  // --no-lock: leave no deno.lock behind; -A: the check starts servers, reads keys and runs the sandbox.
  deno: () => [join(root, 'node_modules', '.bin', 'deno'), ['run', '-A', '--no-lock', 'scripts/runtime-check.ts']],
  node: () => [process.execPath, ['--import', 'tsx', 'scripts/runtime-check.ts']],
};
if (!runners[name]) {
  console.error('usage: node .ci/runtime.mjs bun|deno|node');
  process.exit(2);
}
let command;
try {
  command = runners[name]();
} catch (error) {
  console.log(`not ok - ${name}: ${error.message}`);
  process.exit(1);
}
const [binary, args] = command;
const version = works(binary)?.split('\n')[0]?.replace(/^(deno|v)\s*/, '') ?? '(version unknown)';
console.log(`${name} ${version}: ${binary} ${args.join(' ')}`);
const { status, signal } = spawnSync(binary, args, { cwd: root, stdio: 'inherit', timeout: 120_000 });
process.exit(status ?? (signal ? 1 : 0));
