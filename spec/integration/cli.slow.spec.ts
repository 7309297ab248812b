/**
 * The CLI as users run it (`npx wechatpay-chain sandbox`: bin/wechatpay-chain.cjs runs the built
 * dist/cjs/cli/index.js; `npm test` builds first): it starts, writes sandbox.json, serves a call made with those settings, logs it, reuses
 * its folder on the next start, and stops on SIGTERM.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Builder } from '../../lib/core/builder.js';
import { printed } from '../support/child.js';

const root = join(__dirname, '..', '..');
const bin = join(root, 'dist', 'cjs', 'cli', 'index.js');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
let dir: string;
/** Every CLI started, stopped at the end whatever happened. */
const children: ChildProcess[] = [];

beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first (npm test does)`);
  dir = mkdtempSync(join(tmpdir(), 'wechatpay-cli-'));
});
afterAll(() => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts the CLI and resolves once it says where it listens. */
async function start(args: string[], cwd?: string): Promise<Running> {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: await printed(child, 'Stop with Ctrl-C.', 'the CLI', 15_000), exited };
}

describe('npx wechatpay-chain sandbox', () => {
  it('is the bin of both names (a launcher of the built CLI), with a shebang', () => {
    expect(pkg.bin).toEqual({ 'wechatpay-chain': 'bin/wechatpay-chain.cjs', wechatpay: 'bin/wechatpay-chain.cjs' });
    for (const file of [bin, join(root, pkg.bin['wechatpay-chain'])]) {
      expect(readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
      expect(statSync(file).mode & 0o111).not.toBe(0);
    }
    const launched = execFileSync(process.execPath, [join(root, pkg.bin['wechatpay-chain']), '--version'], { encoding: 'utf8' });
    expect(launched.trim()).toBe(pkg.version);
  });

  it('starts, writes sandbox.json, serves and logs a call, reuses its folder, stops on SIGTERM', async () => {
    const first = await start(['sandbox', '--port', '0', '--dir', dir]);
    const config = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8'));
    expect(first.output()).toContain(`listening on ${config.baseURL}`);
    expect(Object.keys(config).sort()).toEqual(['apiv3Key', 'baseURL', 'certs', 'mchid', 'merchant', 'privateKey', 'secret', 'serial']);
    expect(statSync(join(dir, 'apiclient_key.pem')).mode & 0o077).toBe(0);

    const client = Builder.factory(config);
    const { data } = await client.v3.certificates.get();
    expect(data.data?.[0]?.serial_no).toBe(Object.keys(config.certs).find((id) => !id.startsWith('PUB_KEY_ID_')));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(first.output()).toMatch(/GET \/v3\/certificates -> 200 [\d.]+ ms/);

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // The same folder: the same merchant, keys and secrets, a new base URL.
    const second = await start(['sandbox', '--port', '0', '--dir', dir, '--quiet', '--sign-with', 'public-key']);
    const again = JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8'));
    expect({ ...again, baseURL: '' }).toEqual({ ...config, baseURL: '' });
    const answer = await Builder.factory(again).v3.certificates.get();
    expect(answer.headers['wechatpay-serial']).toMatch(/^PUB_KEY_ID_/);
    expect(second.output()).not.toContain('/v3/certificates');
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 40_000);

  it('takes the notification pace, the answer timeout and the refund mode; keeps the state only in a folder it is given', async () => {
    const flagged = await start(['sandbox', '--port', '0', '--dir', join(dir, 'flags'), '--quiet', '--time-scale', '0.001', '--notify-timeout', '750', '--refunds', 'manual']);
    const { baseURL } = JSON.parse(readFileSync(join(dir, 'flags', 'sandbox.json'), 'utf8'));
    const overview = await (await fetch(`${baseURL}__sandbox`)).json() as any;
    expect(overview).toMatchObject({ delivery: { timeScale: 0.001, timeout: 750 }, settings: { refunds: 'manual' }, stateFolder: join(dir, 'flags', 'state') });
    expect(flagged.output()).toContain('notification retries at 0.001 times');
    flagged.child.kill('SIGTERM');
    expect(await flagged.exited).toBe(0);
    // Without --dir: ./.sandbox holds the keys, the state lives in memory.
    const elsewhere = join(dir, 'cwd');
    mkdirSync(elsewhere);
    const plain = await start(['sandbox', '--port', '0', '--quiet'], elsewhere);
    const { baseURL: plainURL } = JSON.parse(readFileSync(join(elsewhere, '.sandbox', 'sandbox.json'), 'utf8'));
    expect(await (await fetch(`${plainURL}__sandbox`)).json()).toMatchObject({ stateFolder: null, restored: null });
    expect(plain.output()).toContain('state: in memory');
    plain.child.kill('SIGTERM');
    expect(await plain.exited).toBe(0);
    expect(existsSync(join(elsewhere, '.sandbox', 'state'))).toBe(false);
    for (const [flag, value, message] of [['--time-scale', '2', 'the time scale is a number above 0, at most 1'], ['--notify-timeout', '0', 'a timeout is a whole number'], ['--refunds', 'later', 'Allowed choices are succeed, manual']]) {
      const child = spawn(process.execPath, [bin, 'sandbox', '--port', '0', flag!, value!], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      expect(await new Promise((resolve) => child.once('exit', resolve))).not.toBe(0);
      expect(output).toContain(message);
    }
  }, 40_000);

  it('refuses a bad port with a message', async () => {
    const child = spawn(process.execPath, [bin, 'sandbox', '--port', 'eighty'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).not.toBe(0);
    expect(output).toContain('a port is 0 to 65535');
  });
});
