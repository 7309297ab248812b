/**
 * The built sandbox entry (`wechatpay-chain/sandbox`; `npm test` builds first): it loads from ES modules
 * and CommonJS, finds its API description beside it, and the package root never loads it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const run = (args: string[]) => execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 30_000 });

beforeAll(() => {
  if (!existsSync(join(root, 'dist', 'cjs', 'sandbox', 'index.js'))) throw new Error('dist is missing: run npm run build first (npm test does)');
});

describe('the sandbox entry of the built package', () => {
  it('points every exports entry of ./sandbox at a file that exists, with one copy of the API description for both builds', () => {
    const entry = pkg.exports['./sandbox'];
    for (const target of [entry.import.types, entry.import.default, entry.require.types, entry.require.default]) {
      expect(existsSync(join(root, target))).toBe(true);
    }
    const copied = readFileSync(join(root, 'dist', 'sandbox-data.json'));
    expect(copied.equals(readFileSync(join(root, 'lib', 'generated', 'sandbox.json')))).toBe(true);
    for (const format of ['cjs', 'esm']) expect(existsSync(join(root, 'dist', format, 'sandbox', 'sandbox.json'))).toBe(false);
  });

  it('starts from an ES module and from CommonJS, and serves a verified call', () => {
    const esm = run(['--input-type=module', '-e', `
      import { startSandbox } from 'wechatpay-chain/sandbox';
      import { Builder } from 'wechatpay-chain';
      const sandbox = await startSandbox();
      const { status, data } = await Builder.factory(sandbox.config).v3.certificates.get();
      console.log(JSON.stringify({ status, serial: data.data[0].serial_no === sandbox.platform.serial }));
      await sandbox.close();
    `]);
    expect(JSON.parse(esm)).toEqual({ status: 200, serial: true });
    const cjs = run(['-e', `
      const { startSandbox } = require('wechatpay-chain/sandbox');
      const { Builder } = require('wechatpay-chain');
      startSandbox().then(async (sandbox) => {
        const { status } = await Builder.factory(sandbox.config).v3.certificates.get();
        console.log(JSON.stringify({ status }));
        await sandbox.close();
      });
    `]);
    expect(JSON.parse(cjs)).toEqual({ status: 200 });
  });

  it('carries the console’s files (one copy, dist/sandbox-console) and serves them from the built entry', () => {
    const source = join(root, 'lib', 'sandbox', 'console');
    const built = join(root, 'dist', 'sandbox-console');
    expect(readdirSync(built).sort()).toEqual(readdirSync(source).sort());
    for (const name of readdirSync(source)) expect(readFileSync(join(built, name)).equals(readFileSync(join(source, name)))).toBe(true);
    for (const entry of ['import', 'require']) {
      const served = run(['--input-type=module', '-e', `
        const { startSandbox } = ${entry === 'import' ? "await import('wechatpay-chain/sandbox')" : "(await import('node:module')).createRequire(process.cwd() + '/')('wechatpay-chain/sandbox')"};
        const sandbox = await startSandbox();
        const page = await fetch(sandbox.baseURL);
        const script = await fetch(sandbox.baseURL + '__sandbox/console/console.js');
        const payer = await fetch(sandbox.baseURL + '__sandbox/payer?out_trade_no=X');
        console.log(JSON.stringify({ page: page.status, type: page.headers.get('content-type'), title: (await page.text()).includes('<title>WeChat Pay sandbox</title>'), script: script.status, payer: payer.status }));
        await sandbox.close();
      `]);
      expect(JSON.parse(served)).toEqual({ page: 200, type: 'text/html; charset=utf-8', title: true, script: 200, payer: 200 });
    }
  });

  it('is not loaded by the package root (no ajv, no API description)', () => {
    const loaded = run(['-e', `
      require('wechatpay-chain');
      // Relative to the checkout: its own folder may be called sandbox.
      const files = Object.keys(require.cache).map((file) => require('node:path').relative(process.cwd(), file));
      console.log(JSON.stringify(files.filter((file) => /(^|[\\\\/])(ajv|sandbox)[\\\\/]/.test(file))));
    `]);
    expect(JSON.parse(loaded)).toEqual([]);
  });
});
