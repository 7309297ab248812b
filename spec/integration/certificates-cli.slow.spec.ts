/**
 * `npx wechatpay-chain certificates download` and `npx wechatpay-chain doctor` as users run them (the built
 * bin, dist/cjs/cli/index.js; `npm test` builds first), as child processes against an embedded sandbox.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';

const bin = join(__dirname, '..', '..', 'dist', 'cjs', 'cli', 'index.js');
let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first (npm test does)`);
  sandbox = await startSandbox();
  dir = mkdtempSync(join(tmpdir(), 'wechatpay-certs-cli-'));
}, 30_000);
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  sandbox.certificates.setPublicKeyOnly(false);
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI without blocking this process (the sandbox answers from it). */
function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { PATH: process.env['PATH'] ?? '', ...env }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const path = (reference: string): string => reference.replace(/^file:\/\//, '');
const downloadFlags = () => ['-m', sandbox.config.mchid, '-f', path(sandbox.config.privateKey), '-s', sandbox.config.serial, '-u', sandbox.baseURL];

describe('wechatpay-chain certificates download', () => {
  it('saves each verified certificate as wechatpay_<serial>.pem and prints serial, validity and file', async () => {
    const { serial } = await sandbox.certificates.rotate({ at: Date.now() + 3600_000 });
    const output = join(dir, 'download');
    const run = await cli(['certificates', 'download', '-k', sandbox.config.apiv3Key, ...downloadFlags(), '-o', output]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(readdirSync(output).sort()).toEqual([`wechatpay_${sandbox.platform.serial}.pem`, `wechatpay_${serial}.pem`].sort());
    expect(readFileSync(join(output, `wechatpay_${sandbox.platform.serial}.pem`), 'utf8')).toBe(readFileSync(path(sandbox.config.certs[sandbox.platform.serial]!), 'utf8'));
    expect(run.stdout).toContain(`the answer is signed by ${sandbox.platform.serial}`);
    expect(run.stdout).toContain(`Serial Number: ${serial}`);
    expect(run.stdout).toMatch(/Not Before: \d{4}-\d\d-\d\dT/);
    expect(run.stdout).toContain(`Saved to: ${join(output, `wechatpay_${serial}.pem`)}`);
    expect(run.stdout).not.toContain(sandbox.config.apiv3Key);
  });

  it('takes the APIv3 key from WECHATPAY_APIV3_KEY, and by default saves into a private folder under the temporary folder', async () => {
    const run = await cli(['certificates', 'download', ...downloadFlags()], { WECHATPAY_APIV3_KEY: sandbox.config.apiv3Key, TMPDIR: dir });
    expect(run.code).toBe(0);
    const folder = /saved into (\S+)/.exec(run.stdout)![1]!;
    expect(folder.startsWith(dir)).toBe(true);
    expect(statSync(folder).mode & 0o077).toBe(0);
    expect(readdirSync(folder)).toContain(`wechatpay_${sandbox.platform.serial}.pem`);
  });

  it('fails with a message: a missing flag, a wrong APIv3 key, a merchant without certificates', async () => {
    const missing = await cli(['certificates', 'download', '-m', sandbox.config.mchid]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain("required option '-k, --key <apiv3Key>'");
    const wrongKey = await cli(['certificates', 'download', '-k', 'x'.repeat(32), ...downloadFlags(), '-o', join(dir, 'never')]);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toContain('does not decrypt with the APIv3 key');
    expect(existsSync(join(dir, 'never'))).toBe(false);
    sandbox.certificates.setPublicKeyOnly(true);
    const none = await cli(['certificates', 'download', '-k', sandbox.config.apiv3Key, ...downloadFlags(), '-o', join(dir, 'never')]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('has no platform certificates (GET v3/certificates answered 404 RESOURCE_NOT_EXISTS)');
  });
});

describe('wechatpay-chain doctor', () => {
  const config = () => join(sandbox.dir, 'sandbox.json');

  it('finds nothing wrong with sandbox.json, and says the merchant has certificates and the public key', async () => {
    const run = await cli(['doctor', '--config', config()]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`merchant ${sandbox.config.mchid}`);
    expect(run.stdout).toMatch(/ok {4}private key +RSA 2048 bits/);
    expect(run.stdout).toContain(`${sandbox.config.serial} is the merchant certificate's serial`);
    expect(run.stdout).toContain('Mode: both platform certificates and the public key');
    expect(run.stdout).toContain('All good.');
    for (const secret of [sandbox.config.apiv3Key, sandbox.config.secret]) expect(run.stdout).not.toContain(secret);
  });

  it('--json: a report for machines', async () => {
    const run = await cli(['doctor', '--config', config(), '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ ok: true, mchid: sandbox.config.mchid, mode: 'both' });
    expect(report.checks.map((check: { check: string }) => check.check)).toEqual(expect.arrayContaining([
      'mchid', 'private key', 'merchant certificate', 'serial', 'platform keys', `certificate ${sandbox.platform.serial}`,
      `public key ${sandbox.platform.publicKeyId}`, 'APIv3 key', 'APIv2 secret', `platform (${sandbox.baseURL})`,
    ]));
    expect(report.checks.every((check: { status: string }) => check.status === 'ok')).toBe(true);
  });

  it('reads WECHATPAY_* variables, and tells a public-key-only merchant', async () => {
    sandbox.certificates.setPublicKeyOnly(true);
    const run = await cli(['doctor', '--json'], {
      WECHATPAY_MCHID: sandbox.config.mchid,
      WECHATPAY_SERIAL: sandbox.config.serial,
      WECHATPAY_PRIVATE_KEY: path(sandbox.config.privateKey),
      WECHATPAY_PUBLIC_KEY_ID: sandbox.platform.publicKeyId,
      WECHATPAY_PUBLIC_KEY: path(sandbox.config.certs[sandbox.platform.publicKeyId]!),
      WECHATPAY_APIV3_KEY: sandbox.config.apiv3Key,
      WECHATPAY_BASE_URL: sandbox.baseURL,
    });
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ ok: true, mode: 'public-key', from: 'WECHATPAY_* variables' });
    expect(report.checks).toContainEqual({ check: 'merchant certificate', status: 'skip', message: expect.stringContaining('not given') });
  });

  it('exits 1 and says what is wrong: a serial that is not the certificate\'s, the merchant serial among the platform keys, a short APIv3 key', async () => {
    const broken = join(dir, 'broken.json');
    const original = JSON.parse(readFileSync(config(), 'utf8'));
    writeFileSync(broken, JSON.stringify({
      ...original,
      apiv3Key: 'too-short',
      certs: { ...original.certs, [original.serial]: original.certs[sandbox.platform.serial], PUB_KEY_ID_X: original.certs[sandbox.platform.publicKeyId] },
    }));
    const run = await cli(['doctor', '--config', broken, '--serial', 'ABCDEF0123']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`FAIL  serial`);
    expect(run.stdout).toContain(`ABCDEF0123 is not the merchant certificate's serial ${sandbox.config.serial}`);
    expect(run.stdout).toContain(`${original.serial} is the merchant's own certificate serial`);
    expect(run.stdout).toContain('the id is not PUB_KEY_ID_ followed by its digits');
    expect(run.stdout).toContain('9 bytes: it must be exactly 32');
    expect(run.stdout).toContain('not called: fix the problems above first');
    expect(run.stdout).toMatch(/\d+ problems, 0 warnings/);
    expect(run.stdout).not.toContain('too-short');
  });

  it('fails on a private key that is not the certificate\'s, and on a platform that refuses the merchant', async () => {
    const stranger = join(dir, 'stranger.json');
    const original = JSON.parse(readFileSync(config(), 'utf8'));
    writeFileSync(stranger, JSON.stringify({ ...original, mchid: '1900000001' }));
    const refused = await cli(['doctor', '--config', stranger, '--json']);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).checks).toContainEqual(expect.objectContaining({
      status: 'fail', message: expect.stringContaining('the platform refused the call: 401 SIGN_ERROR'),
    }));
    const otherKey = join(sandbox.dir, 'platform', 'certificate_key.pem');
    const mismatch = await cli(['doctor', '--config', config(), '--private-key', otherKey]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stdout).toContain('it does not belong to the private key');
  });
});
