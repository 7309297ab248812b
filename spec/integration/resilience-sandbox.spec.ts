/**
 * The sandbox's faults for resilience (lib/sandbox/faults.ts): `reset-after-processing` (the work is done, the
 * answer lost), `rate-limited` (429 + Retry-After), a sandbox unreachable for a while, and a sandbox started as
 * the backup host of another. Seen here by clients that make one attempt; retries are in resilience.spec.ts.
 */
import { Builder } from '../../lib/index.js';
import { ApiError, RequestError } from '../../lib/errors.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';

type AnyClient = any;
let sandbox: Sandbox;
let client: AnyClient;

beforeAll(async () => {
  sandbox = await startSandbox();
  client = Builder.factory({ ...sandbox.config, retry: false });
}, 30_000);
afterAll(() => sandbox.close());
afterEach(() => sandbox.faults.clear());

const order = (outTradeNo: string) => ({
  appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description: 'faults', out_trade_no: outTradeNo,
  notify_url: 'https://example.com/notify', amount: { total: 100, currency: 'CNY' },
});

it('reset-after-processing: the order is created, the connection is reset without an answer', async () => {
  sandbox.faults.inject('reset-after-processing');
  const error = await client.v3.pay.transactions.native.post({ json: order('F1') }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(RequestError);
  expect(error).toMatchObject({ code: 'EREQUEST_TRANSPORT' });
  expect(sandbox.order('F1')).toMatchObject({ out_trade_no: 'F1', trade_state: 'NOTPAY' });
  expect(sandbox.requests.at(-1)).toMatchObject({ code: 'RESET_AFTER_PROCESSING', fault: 'reset-after-processing', status: 0 });
});

it('rate-limited: 429 FREQUENCY_LIMITED with Retry-After', async () => {
  sandbox.faults.inject('rate-limited');
  const error = await client.v3.certificates.get().catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ApiError);
  expect(error).toMatchObject({ status: 429, code: 'FREQUENCY_LIMITED', headers: expect.objectContaining({ 'retry-after': '1' }) });
});

it('unreachable: connections are refused for a while, then served on the same port', async () => {
  await sandbox.unreachable();
  const error = await client.v3.certificates.get().catch((e: unknown) => e);
  expect(error).toMatchObject({ code: 'EREQUEST_TRANSPORT', message: expect.stringMatching(/ECONNREFUSED/) });
  await sandbox.reachable();
  expect((await client.v3.certificates.get()).status).toBe(200);
  await sandbox.unreachable(50);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect((await client.v3.certificates.get()).status).toBe(200);
});

it('unreachable through the control API', async () => {
  const answer = await fetch(`${sandbox.baseURL}__sandbox/unreachable`, { method: 'POST', body: JSON.stringify({ ms: 200 }), headers: { 'Content-Type': 'application/json' } });
  expect(answer.status).toBe(202);
  await new Promise((resolve) => setTimeout(resolve, 60));
  await expect(client.v3.certificates.get()).rejects.toMatchObject({ message: expect.stringMatching(/ECONNREFUSED/) });
  await sandbox.reachable();
  const refused = await fetch(`${sandbox.baseURL}__sandbox/unreachable`, { method: 'POST', body: '{"ms":0}', headers: { 'Content-Type': 'application/json' } });
  expect(refused.status).toBe(400);
});

describe('a backup host', () => {
  let backup: Sandbox;
  beforeAll(async () => {
    backup = await startSandbox({ backupOf: sandbox });
  });
  afterAll(() => backup.close());

  it('serves the same platform on its own address, with its own faults and log', async () => {
    expect(backup.baseURL).not.toBe(sandbox.baseURL);
    expect(backup.config).toMatchObject({ mchid: sandbox.config.mchid, baseURL: backup.baseURL });
    const viaBackup: AnyClient = Builder.factory({ ...sandbox.config, baseURL: backup.baseURL, retry: false });
    backup.faults.inject('server-error');
    await expect(viaBackup.v3.certificates.get()).rejects.toMatchObject({ status: 500 });
    expect(sandbox.faults.pending).toEqual([]);
    await viaBackup.v3.pay.transactions.native.post({ json: order('F2') });
    // One platform: the order made through the backup is the primary's.
    expect(sandbox.order('F2')).toMatchObject({ out_trade_no: 'F2' });
    expect(backup.requests.at(-1)).toMatchObject({ target: '/v3/pay/transactions/native', status: 200 });
    expect(sandbox.requests.some((entry) => entry.target === '/v3/pay/transactions/native' && entry.status === 200
      && JSON.stringify(entry.request.body).includes('F2'))).toBe(false);
  });

  it('closing the backup leaves the primary serving', async () => {
    const extra = await startSandbox({ backupOf: sandbox });
    await extra.close();
    expect((await client.v3.certificates.get()).status).toBe(200);
  });

  it('is a backup of a primary only', async () => {
    await expect(startSandbox({ backupOf: backup })).rejects.toThrow(/not itself a backup host/);
  });
});
