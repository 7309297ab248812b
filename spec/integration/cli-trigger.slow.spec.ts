/**
 * `wechatpay-chain sandbox trigger` and `wechatpay-chain sandbox --forward-to` as users run them (the built bin,
 * dist/cjs/cli/index.js; `npm run build` first), delivering to a receiver in this process that checks each
 * notification with plain node:crypto (not the SDK): the signature with the platform key from the sandbox's
 * folder, the resource decrypted with the APIv3 key.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createDecipheriv, createPublicKey, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Builder } from '../../lib/core/builder.js';
import { startSandbox } from '../../lib/sandbox/index.js';

const bin = join(__dirname, '..', '..', 'dist', 'cjs', 'cli', 'index.js');
// Child processes on a shared machine: seconds each under load.
jest.setTimeout(60_000);
let dir: string;
let folder: string;
let platform: { serial: string; publicKeyId: string; mchid: string; apiv3Key: string };
let receiver: Server;
let receiverURL: string;
const children: ChildProcess[] = [];

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}
let received: Received[] = [];
/** The statuses the receiver answers, in turn (then 204). */
let answers: number[] = [];

beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run npm run build first (npm test does)`);
  dir = mkdtempSync(join(tmpdir(), 'wechatpay-cli-trigger-'));
  folder = join(dir, 'sandbox');
  // A sandbox folder, made and then stopped: trigger needs its keys, not a running sandbox.
  const made = await startSandbox({ dir: folder });
  platform = { ...made.platform, mchid: made.config.mchid, apiv3Key: made.config.apiv3Key };
  await made.close();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.statusCode = answers.shift() ?? 204;
      res.end(res.statusCode === 204 ? undefined : '{"code":"FAIL","message":"not now"}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverURL = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify`;
}, 30_000);
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await new Promise((resolve) => receiver.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  received = [];
  answers = [];
});

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { PATH: process.env['PATH'] ?? '' }, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

const certificateKey = (): KeyObject => new X509Certificate(readFileSync(join(folder, `wechatpay_${platform.serial}.pem`))).publicKey;
const publicKey = (): KeyObject => createPublicKey(readFileSync(join(folder, 'pub_key.pem')));

/** Checks a notification as a merchant would with node:crypto alone; returns the envelope and the decrypted resource. */
function opened(notification: Received, key: KeyObject): { envelope: Record<string, any>; resource: Record<string, any> } {
  const header = (name: string) => String(notification.headers[name]);
  const message = `${header('wechatpay-timestamp')}\n${header('wechatpay-nonce')}\n${notification.body}\n`;
  expect(verify('sha256', Buffer.from(message), key, Buffer.from(header('wechatpay-signature'), 'base64'))).toBe(true);
  expect(Math.abs(Date.now() / 1000 - Number(header('wechatpay-timestamp')))).toBeLessThan(300);
  const envelope = JSON.parse(notification.body);
  const { ciphertext, nonce, associated_data: aad } = envelope.resource;
  const bytes = Buffer.from(ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(platform.apiv3Key), Buffer.from(nonce));
  decipher.setAAD(Buffer.from(aad));
  decipher.setAuthTag(bytes.subarray(-16));
  const resource = JSON.parse(Buffer.concat([decipher.update(bytes.subarray(0, -16)), decipher.final()]).toString('utf8'));
  return { envelope, resource };
}

describe('wechatpay-chain sandbox trigger', () => {
  it('sends a realistic TRANSACTION.SUCCESS, signed with the stopped sandbox\'s platform certificate, retried on the scaled schedule', async () => {
    answers = [500];
    const run = await cli('sandbox', 'trigger', 'TRANSACTION.SUCCESS', '--to', receiverURL, '--dir', folder, '--time-scale', '0.001');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`^TRANSACTION\\.SUCCESS \\S+ -> ${receiverURL} \\(signed by ${platform.serial}, merchant ${platform.mchid}\\)\\n`
      + '  attempt 1: 500 \\{"code":"FAIL","message":"not now"\\} \\(\\d+ ms\\)\\n  next attempt in 15 ms\\n  attempt 2: 204 \\(\\d+ ms\\)\\nDelivered\\.\\n$'));
    expect(received).toHaveLength(2);
    const [first, second] = received.map((notification) => opened(notification, certificateKey()));
    expect(received[0]!.headers['wechatpay-serial']).toBe(platform.serial);
    expect(received[0]!.headers['wechatpay-nonce']).not.toBe(received[1]!.headers['wechatpay-nonce']);
    expect(second!.envelope).toEqual(first!.envelope);
    expect(first!.envelope).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', summary: '支付成功', resource_type: 'encrypt-resource', resource: { original_type: 'transaction', algorithm: 'AEAD_AES_256_GCM' } });
    expect(first!.resource).toMatchObject({ mchid: platform.mchid, trade_state: 'SUCCESS', amount: { total: expect.any(Number) } });
    expect(typeof first!.resource['out_trade_no']).toBe('string');
  });

  it('sends a resource of a file, for any event type, signed with the platform public key', async () => {
    const file = join(dir, 'resource.json');
    writeFileSync(file, JSON.stringify({ out_bill_no: 'B-1', state: 'SUCCESS' }));
    const run = await cli('sandbox', 'trigger', 'PARTNER.SOMETHING_NEW', '--resource', `@${file}`, '--original-type', 'mch_payment',
      '--sign-with', 'public-key', '--to', receiverURL, '--dir', folder);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(received).toHaveLength(1);
    expect(received[0]!.headers['wechatpay-serial']).toBe(platform.publicKeyId);
    const { envelope, resource } = opened(received[0]!, publicKey());
    expect(envelope).toMatchObject({ event_type: 'PARTNER.SOMETHING_NEW', resource: { original_type: 'mch_payment', associated_data: 'mch_payment' } });
    expect(resource).toEqual({ out_bill_no: 'B-1', state: 'SUCCESS' });
  });

  it('gives up after its attempts (exit 1), and refuses an unknown event type without a resource (exit 2)', async () => {
    answers = [503, 503, 503];
    const [given, unknown, noFolder] = await Promise.all([
      cli('sandbox', 'trigger', 'REFUND.ABNORMAL', '--to', receiverURL, '--dir', folder, '--time-scale', '0.001', '--attempts', '2'),
      cli('sandbox', 'trigger', 'NOT.A_TYPE', '--to', receiverURL, '--dir', folder),
      cli('sandbox', 'trigger', 'REFUND.SUCCESS', '--to', receiverURL, '--dir', join(dir, 'none')),
    ]);
    expect(given.code).toBe(1);
    expect(given.stdout).toMatch(/attempt 1: 503 .*\n {2}next attempt in 15 ms\n {2}attempt 2: 503 .*\nGiven up after 2 attempts\.\n$/);
    expect(received).toHaveLength(2);
    expect(opened(received[0]!, certificateKey()).resource).toMatchObject({ mchid: platform.mchid, refund_status: 'ABNORMAL' });
    expect(unknown).toMatchObject({ code: 2, stdout: '' });
    expect(unknown.stderr).toContain('NOT.A_TYPE is not an event type the API description documents');
    expect(noFolder).toMatchObject({ code: 2, stdout: '' });
    expect(noFolder.stderr).toContain('holds no sandbox');
  });
});

describe('wechatpay-chain sandbox --forward-to', () => {
  it("delivers an order's payment notification to the receiver instead of its notify_url, printing each attempt", async () => {
    const child = spawn(process.execPath, [bin, 'sandbox', '--port', '0', '--dir', folder, '--quiet', '--forward-to', receiverURL], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(child);
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const waitFor = (text: string | RegExp) => new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${String(text)} in: ${output}`)), 15_000);
      const check = () => {
        if (typeof text === 'string' ? output.includes(text) : text.test(output)) {
          clearTimeout(timer);
          resolve();
        } else setTimeout(check, 20);
      };
      check();
    });
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor('Stop with Ctrl-C.');
    expect(output).toContain(`notifications forwarded to ${receiverURL}`);

    const config = JSON.parse(readFileSync(join(folder, 'sandbox.json'), 'utf8'));
    const client = Builder.factory(config);
    await client.v3.pay.transactions.native.post({ json: {
      appid: 'wxd678efh567hg6787', mchid: config.mchid, description: 'forwarded', out_trade_no: 'FWD-1',
      notify_url: 'https://merchant.example.com/wechatpay/notify', amount: { total: 1 },
    } });
    const paid = await fetch(`${config.baseURL}__sandbox/pay`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ out_trade_no: 'FWD-1', notify: true }) });
    expect(paid.status).toBe(200);
    await waitFor(/notification TRANSACTION\.SUCCESS \S+ \(out_trade_no FWD-1\) -> \S+: attempt 1: 204 \(\d+ ms\)/);
    expect(output).toContain(`-> ${receiverURL}: attempt 1: 204`);
    expect(received).toHaveLength(1);
    expect(received[0]!.path).toBe('/notify');
    const { envelope, resource } = opened(received[0]!, certificateKey());
    expect(envelope).toMatchObject({ event_type: 'TRANSACTION.SUCCESS' });
    expect(resource).toMatchObject({ out_trade_no: 'FWD-1', trade_state: 'SUCCESS', mchid: config.mchid, amount: { total: 1 } });
    // A one-shot notification names its URL itself: it keeps it.
    const direct = await fetch(`${config.baseURL}__sandbox/notify`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ url: `${receiverURL}?direct=1`, out_trade_no: 'FWD-1' }) });
    expect(direct.status).toBe(200);
    expect(received.map((notification) => notification.path)).toEqual(['/notify', '/notify?direct=1']);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  }, 30_000);
});
