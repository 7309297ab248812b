#!/usr/bin/env node
// The package as a user gets it: `npm pack` this repository (its current build: run `npm run build` first), install
// the tarball into a new project in a temporary folder, and use it from there:
//
//   - esm.mjs and cjs.cjs (this folder) against the sandbox of the installed package;
//   - typed.ts and typed-require.cts with tsc, strict, skipLibCheck: false and @types/node, under
//     moduleResolution node16, nodenext and bundler (the last with the DOM library, as front-end stacks have);
//   - `npx wechatpay-chain sandbox` (the README's command) starts there and answers a verified call.
//
// Prints one line per check (`ok - ...` / `not ok - ...`), then `consumer: N passed, N failed in S s`; exits 1 if
// any failed. The install reads npm's cache first (`--prefer-offline`): after `npm ci` here it holds every
// dependency. KEEP_CONSUMER=1 keeps the temporary folder.
import { execFile, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const started = performance.now();
const results = [];

/** A shell's environment: none of the npm_* variables of an `npm run` that may have started this. */
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));

async function check(name, body) {
  const t0 = performance.now();
  try {
    const outcome = await body();
    const { note, seconds } = typeof outcome === 'object' ? outcome : { note: outcome, seconds: (performance.now() - t0) / 1000 };
    results.push(true);
    console.log(`ok - ${name} (${seconds.toFixed(1)} s)${note ? `: ${note}` : ''}`);
    return true;
  } catch (error) {
    results.push(false);
    const detail = [error?.message, error?.stdout, error?.stderr].filter(Boolean).join('\n').trim();
    console.log(`not ok - ${name}\n${detail.replace(/^/gm, '    ')}`);
    return false;
  }
}

function expectEqual(actual, expected, what) {
  if (JSON.stringify(actual) !== JSON.stringify(expected)) {
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  }
}

/** Runs `command` in a shell in `cwd` as a new process group; resolves once it prints `until`. */
function startShell(command, cwd, until) {
  const child = spawn('sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`\`${command}\` did not start within 60 s:\n${output}`)), 60_000);
    const onData = (chunk) => {
      output += chunk.toString();
      if (output.includes(until)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`\`${command}\` exited (${code}):\n${output}`));
    });
  });
  /** Ctrl-C, as a terminal sends it: SIGINT to the process group; SIGKILL if it is still there after 10 s. */
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    process.kill(-child.pid, 'SIGINT');
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }, 10_000);
    await exited;
    clearTimeout(timer);
  };
  return { ready, stop, output: () => output };
}

const dir = mkdtempSync(join(tmpdir(), 'wechatpay-consumer-'));
const app = join(dir, 'app');
let tarball;
try {
  const built = await check('the build is there (dist/)', async () => {
    for (const target of [pkg.exports['.'].import.default, pkg.exports['.'].require.types, pkg.exports['./sandbox'].import.default, 'dist/cjs/cli/index.js']) {
      if (!existsSync(join(root, target))) throw new Error(`${target} is missing: run npm run build first`);
    }
  });

  const packed = built && await check('npm pack', async () => {
    // The build just checked is what is packed: `prepare` would rebuild it under whatever else is using dist/.
    const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: root, env, maxBuffer: 16 << 20 });
    const [info] = JSON.parse(stdout);
    tarball = join(dir, info.filename);
    const files = info.files.map((file) => file.path);
    for (const needed of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', pkg.bin['wechatpay-chain'], 'dist/sandbox-data.json']) {
      if (!files.includes(needed)) throw new Error(`the tarball lacks ${needed}`);
    }
    const stray = files.filter((file) => !/^(dist\/|bin\/|LICENSE$|CHANGELOG\.md$|README\.md$|package\.json$)/.test(file));
    if (stray.length) throw new Error(`the tarball carries ${stray.join(', ')}`);
    return `${info.filename}, ${info.entryCount} files, ${(info.size / 1000).toFixed(1)} kB packed, ${(info.unpackedSize / 1e6).toFixed(2)} MB unpacked`;
  });

  const installed = packed && await check('npm install <tarball> @types/node in a new project', async () => {
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true, type: 'module' }, null, 2));
    const typesNode = lock.packages['node_modules/@types/node'].version;
    await run('npm', ['install', tarball, `@types/node@${typesNode}`, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, env, maxBuffer: 16 << 20 });
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'wechatpay-chain', 'package.json'), 'utf8'));
    expectEqual(manifest.version, pkg.version, 'installed version');
    if (existsSync(join(app, 'node_modules', 'wechatpay-chain', 'lib'))) throw new Error('the installed package carries lib/');
    for (const file of ['esm.mjs', 'cjs.cjs', 'typed.ts', 'typed-require.cts']) copyFileSync(join(here, file), join(app, file));
    writeFileSync(join(app, 'key.pem'), '');
    return `wechatpay-chain@${manifest.version}, @types/node@${typesNode}`;
  });

  if (installed) {
    const inPackage = (file) => file.startsWith(join(app, 'node_modules', 'wechatpay-chain') + '/');
    const flow = { version: pkg.version, names: { api: 'ApiError', renamed: [] }, seed: 1, trade_state: 'SUCCESS', forged: 'EV3_RES_HEADER_SIGNATURE_DIGEST' };

    await check('an ES module script against the sandbox (import)', async () => {
      const { stdout } = await run(process.execPath, ['esm.mjs'], { cwd: app, env, timeout: 60_000 });
      const result = JSON.parse(stdout);
      if (!inPackage(result.from) || !result.from.includes('/dist/esm/')) throw new Error(`wechatpay-chain resolved to ${result.from}`);
      expectEqual({ ...result, from: undefined }, { ...flow, from: undefined }, 'esm.mjs');
    });

    await check('a CommonJS script against the sandbox (require), its errors known to the ES module build', async () => {
      const { stdout } = await run(process.execPath, ['cjs.cjs'], { cwd: app, env, timeout: 60_000 });
      const result = JSON.parse(stdout);
      if (!inPackage(result.from) || !result.from.includes('/dist/cjs/')) throw new Error(`wechatpay-chain resolved to ${result.from}`);
      expectEqual({ ...result, from: undefined }, { ...flow, from: undefined, esmInstanceof: true }, 'cjs.cjs');
    });

    // Three strict projects, checked side by side; each lists the package's declaration files it read. Every
    // declaration file is checked (the package's, its dependencies', @types/node) except TypeScript's own lib files.
    const modes = {
      node16: { module: 'node16', moduleResolution: 'node16', lib: ['ES2022'], files: ['typed.ts', 'typed-require.cts'] },
      nodenext: { module: 'nodenext', moduleResolution: 'nodenext', lib: ['ES2023'], files: ['typed.ts', 'typed-require.cts'] },
      bundler: { module: 'esnext', moduleResolution: 'bundler', files: ['typed.ts'] },
    };
    const checks = Object.entries(modes).map(([mode, { files, ...options }]) => {
      const project = join(app, `tsconfig.${mode}.json`);
      writeFileSync(project, JSON.stringify({
        compilerOptions: { target: 'ES2022', strict: true, skipLibCheck: false, skipDefaultLibCheck: true, noEmit: true, types: ['node'], ...options },
        files,
      }, null, 2));
      const t0 = performance.now();
      return run(process.execPath, [tsc, '-p', project, '--listFiles'], { cwd: app, env, maxBuffer: 64 << 20 }).then(
        ({ stdout }) => ({ stdout, seconds: (performance.now() - t0) / 1000 }),
        (error) => ({ error }),
      );
    });
    const outcomes = await Promise.all(checks);
    for (const [index, mode] of Object.keys(modes).entries()) {
      await check(`strict TypeScript, skipLibCheck false, @types/node, moduleResolution ${mode}`, async () => {
        const outcome = outcomes[index];
        if (outcome.error) {
          // tsc's diagnostics, without the list of files read
          const { stdout = '', stderr = '', message } = outcome.error;
          const diagnostics = `${stdout}\n${stderr}`.split('\n').filter((text) => text.trim() && !text.startsWith('/')).join('\n');
          throw new Error(diagnostics || message);
        }
        const read = outcome.stdout.split('\n').filter((file) => file.includes('/node_modules/wechatpay-chain/'));
        for (const face of mode === 'bundler' ? ['dist/esm/index.d.ts'] : ['dist/esm/index.d.ts', 'dist/types/index.d.ts']) {
          if (!read.some((file) => file.endsWith(face))) throw new Error(`tsc did not read ${face}`);
        }
        return { note: `${read.length} declaration files of the package`, seconds: outcome.seconds };
      });
    }

    await check('npx wechatpay-chain sandbox starts in the project and answers', async () => {
      const shell = startShell('npx wechatpay-chain sandbox --port 0 --dir ./.sandbox', app, 'Stop with Ctrl-C.');
      try {
        await shell.ready;
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', `
          import { readFileSync } from 'node:fs';
          import { Builder } from 'wechatpay-chain';
          const config = JSON.parse(readFileSync('.sandbox/sandbox.json', 'utf8'));
          const { status, data } = await Builder.factory(config).v3.certificates.get();
          console.log(JSON.stringify({ status, certificates: data.data.length, baseURL: config.baseURL }));
        `], { cwd: app, env, timeout: 30_000 });
        const answer = JSON.parse(stdout);
        expectEqual({ status: answer.status, certificates: answer.certificates }, { status: 200, certificates: 1 }, 'GET v3/certificates');
        if (!shell.output().includes(`listening on ${answer.baseURL}`)) throw new Error(`the CLI said:\n${shell.output()}`);
        return answer.baseURL;
      } finally {
        await shell.stop();
      }
    });

    await check('npx wechatpay --version (the other bin name)', async () => {
      const { stdout } = await run('sh', ['-c', 'npx wechatpay --version'], { cwd: app, env, timeout: 60_000 });
      expectEqual(stdout.trim(), pkg.version, 'version');
    });
  }
} finally {
  if (process.env.KEEP_CONSUMER) console.log(`kept ${dir}`);
  else rmSync(dir, { recursive: true, force: true });
}

const passed = results.filter(Boolean).length;
const failed = results.length - passed;
console.log(`consumer: ${passed} passed, ${failed} failed in ${((performance.now() - started) / 1000).toFixed(1)} s`);
process.exitCode = failed === 0 ? 0 : 1;
