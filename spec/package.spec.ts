import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { VERSION } from '../lib/version.js';

const root = join(__dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

describe('the built package', () => {
  it('keeps lib/version.ts equal to package.json', () => {
    expect(VERSION).toBe(pkg.version);
  });

  it('loads with require() from CommonJS', () => {
    const out = execFileSync(process.execPath, ['-e', `
      const sdk = require('wechatpay-chain');
      console.log(JSON.stringify({ version: sdk.VERSION, nonce: sdk.Formatter.nonce().length, error: typeof sdk.WechatpayError }));
    `], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ version: pkg.version, nonce: 32, error: 'function' });
  });

  it('loads with import from an ES module', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      import { VERSION, Formatter, WechatpayError } from 'wechatpay-chain';
      console.log(JSON.stringify({ version: VERSION, nonce: Formatter.nonce().length, error: typeof WechatpayError }));
    `], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ version: pkg.version, nonce: 32, error: 'function' });
  });

  // esbuild renames a class that refers to itself (ApiError.fromAnswer makes an ApiError): `_ApiError` unless names are kept.
  it.each([
    ['require() from CommonJS', ['-e'], "const sdk = require('wechatpay-chain');"],
    ['import from an ES module', ['--input-type=module', '-e'], "import * as sdk from 'wechatpay-chain';"],
  ])('keeps the name of every class and error, loaded with %s', (_how, flags, load) => {
    const out = execFileSync(process.execPath, [...flags, `
      ${load}
      const { inspect } = require('node:util');
      const answer = sdk.ApiError.fromAnswer(Buffer.from('{"code":"SYSTEM_ERROR","message":"busy"}'), { status: 500, method: 'GET', url: 'https://x/v3/a', headers: {} });
      console.log(JSON.stringify({
        renamed: Object.entries(sdk).filter(([key, value]) => typeof value === 'function' && value.name !== key).map(([key]) => key),
        errors: Object.keys(sdk).filter((key) => /Error$/.test(key)).length,
        api: [answer.name, inspect(answer).split(':')[0], answer.toJSON().name],
        request: new sdk.RequestError('EREQUEST_OPTIONS', 'x').name,
      }));
    `.replace("const { inspect } = require('node:util');", flags.length > 1 ? "import { inspect } from 'node:util';" : "const { inspect } = require('node:util');")], { cwd: root, encoding: 'utf8' });
    const result = JSON.parse(out);
    expect(result).toEqual({ renamed: [], errors: expect.any(Number), api: ['ApiError', 'ApiError', 'ApiError'], request: 'RequestError' });
    expect(result.errors).toBeGreaterThanOrEqual(10);
  });

  it('ships its licence with the notice for the API description, and its changelog', () => {
    expect(pkg.files).toEqual(expect.arrayContaining(['dist', 'bin', 'README.md', 'CHANGELOG.md', 'LICENSE']));
    const licence = readFileSync(join(root, 'LICENSE'), 'utf8');
    expect(licence).toMatch(/^MIT License\n\nCopyright \(c\) 2026 the wechatpay-chain authors\n/);
    expect(licence).toContain('TheNorthMemory/wechatpay-openapi');
    expect(licence.endsWith(readFileSync(join(root, 'scripts', 'codegen', 'openapi', 'LICENSE'), 'utf8'))).toBe(true);
    expect(readFileSync(join(root, 'CHANGELOG.md'), 'utf8')).toContain(`## [${pkg.version}]`);
  });

  // What "sideEffects" claims: only the CLI files do something when loaded. The dependencies are loaded first
  // (axios's import starts Node's global fetch dispatcher: a dependency's doing, kept whatever this flag says).
  it('names only the CLI files in sideEffects: the library entries change nothing in the process at import', () => {
    expect(pkg.sideEffects).toEqual(['./dist/cjs/cli/index.js', './bin/wechatpay-chain.cjs']);
    for (const file of pkg.sideEffects) expect(existsSync(join(root, file))).toBe(true);
    const dependencies = Object.keys(pkg.dependencies).filter((name) => name !== 'commander');
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      for (const name of ${JSON.stringify(dependencies)}) await import(name);
      const globals = Object.getOwnPropertyNames(globalThis).length;
      const symbols = Object.getOwnPropertySymbols(globalThis).length;
      const listeners = process.eventNames().map((name) => process.listenerCount(name)).join();
      const env = JSON.stringify(process.env);
      const { createRequire } = await import('node:module');
      const require = createRequire(import.meta.url);
      await import('wechatpay-chain');
      await import('wechatpay-chain/sandbox');
      require('wechatpay-chain');
      require('wechatpay-chain/sandbox');
      console.log(JSON.stringify({
        globals: Object.getOwnPropertyNames(globalThis).length - globals,
        symbols: Object.getOwnPropertySymbols(globalThis).length - symbols,
        listeners: process.eventNames().map((name) => process.listenerCount(name)).join() === listeners,
        env: JSON.stringify(process.env) === env,
        timers: process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout' || kind === 'Immediate'),
      }));
    `], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual({ globals: 0, symbols: 0, listeners: true, env: true, timers: [] });
  });

  it('ships no source map that names a source it does not carry', () => {
    const maps = (readdirSync(join(root, 'dist'), { recursive: true }) as string[]).filter((file) => file.endsWith('.map'));
    for (const map of maps) {
      const { sources, sourcesContent } = JSON.parse(readFileSync(join(root, 'dist', map), 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      // the package ships dist/ only: a source outside it (../../lib/...) is not there for the user
      const shipped = (source: string) => {
        const path = resolve(root, 'dist', dirname(map), source);
        return path.startsWith(join(root, 'dist') + sep) && existsSync(path);
      };
      const missing = sources.filter((source, index) => typeof sourcesContent?.[index] !== 'string' && !shipped(source));
      expect({ map, missing }).toEqual({ map, missing: [] });
    }
  });

  it('points every exports entry at a file that exists', () => {
    const targets = [pkg.exports['.'].import.types, pkg.exports['.'].import.default, pkg.exports['.'].require.types, pkg.exports['.'].require.default];
    for (const target of targets) {
      expect(() => readFileSync(join(root, target))).not.toThrow();
    }
  });
});
