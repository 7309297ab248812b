import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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

  it('points every exports entry at a file that exists', () => {
    const targets = [pkg.exports['.'].import.types, pkg.exports['.'].import.default, pkg.exports['.'].require.types, pkg.exports['.'].require.default];
    for (const target of targets) {
      expect(() => readFileSync(join(root, target))).not.toThrow();
    }
  });
});
