/**
 * Calls that survive the network (docs/resilience.md), against the sandbox and its faults: a lost answer of an
 * idempotent write is asked for again with the same bytes and a fresh signature, and the order exists once; a
 * write without an idempotency number is sent once and the error says why; a refused connection is retried for
 * any endpoint; a primary host that is down costs one connect per window while the backup host serves; `retry:
 * false` is one attempt; the deadline bounds all attempts together.
 */
import { lookup } from 'node:dns';
import { Builder } from '../../lib/index.js';
import { ApiError, RequestError, WechatpayError } from '../../lib/errors.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';
import { parseAuthorization } from '../support/platform.js';

let sandbox: Sandbox;
type AnyClient = any;

beforeAll(async () => {
  sandbox = await startSandbox();
}, 30_000);
afterAll(() => sandbox.close());
afterEach(() => sandbox.faults.clear());

const APPID = 'wxd678efh567hg6787';
const order = (outTradeNo: string) => ({
  appid: APPID, mchid: sandbox.config.mchid, description: 'resilience', out_trade_no: outTradeNo,
  notify_url: 'https://example.com/notify', amount: { total: 100, currency: 'CNY' },
});

/** A client of the sandbox that notes every attempt's Authorization (as signed) on its way out. */
function observed(extra: Record<string, unknown> = {}): { client: AnyClient; signed: Array<{ url: string; nonce: string; timestamp: string }> } {
  const signed: Array<{ url: string; nonce: string; timestamp: string }> = [];
  const client = Builder.factory({
    ...sandbox.config,
    hooks: {
      beforeRequest: (request) => {
        const auth = parseAuthorization(request.headers.get('Authorization'));
        signed.push({ url: request.url, nonce: auth['nonce_str'] ?? '', timestamp: auth['timestamp'] ?? '' });
      },
    },
    ...extra,
  } as Parameters<typeof Builder.factory>[0]);
  return { client, signed };
}

const fail = (promise: Promise<unknown>): Promise<WechatpayError> =>
  promise.then(() => {
    throw new Error('the call was expected to fail');
  }, (error: WechatpayError) => error);

describe('an idempotent write whose answer is lost', () => {
  it('is sent again with the same body bytes and a new signature; the platform creates the order once', async () => {
    const { client, signed } = observed();
    sandbox.faults.inject('reset-after-processing', 1, '/v3/pay/transactions/native');
    const before = sandbox.requests.length;
    const response = await client.v3.pay.transactions.native.post({ json: order('RS1') });
    expect(response.status).toBe(200);
    expect(response.attempts).toEqual([
      { url: `${sandbox.baseURL}v3/pay/transactions/native`, code: 'ECONNRESET', ms: expect.any(Number) },
      { url: `${sandbox.baseURL}v3/pay/transactions/native`, status: 200, requestId: expect.any(String), ms: expect.any(Number) },
    ]);
    const log = sandbox.requests.slice(before);
    expect(log.map((entry) => entry.code ?? entry.status)).toEqual(['RESET_AFTER_PROCESSING', 200]);
    // The same bytes, signed afresh: the platform checked both signatures with its own code.
    expect(log[0]!.request.body).toEqual(log[1]!.request.body);
    expect(signed).toHaveLength(2);
    expect(signed[0]!.nonce).not.toBe(signed[1]!.nonce);
    expect(sandbox.orders().filter((o) => o['out_trade_no'] === 'RS1')).toHaveLength(1);
    // The retry got the first result, not a second order.
    expect(response.data.code_url).toBe(sandbox.order('RS1')!['code_url'] ?? response.data.code_url);
  });

  it('a 500 SYSTEM_ERROR and a 429 with Retry-After are tried again', async () => {
    const { client } = observed();
    sandbox.faults.inject('server-error', 1, '/v3/pay/transactions/out-trade-no/RS1');
    sandbox.faults.inject('rate-limited', 1, '/v3/pay/transactions/out-trade-no/RS1');
    const response = await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'RS1', query: { mchid: sandbox.config.mchid } });
    expect(response.attempts.map((a: { status: number }) => a.status)).toEqual([500, 429, 200]);
    expect(response.attempts[1].code).toBe('FREQUENCY_LIMITED');
  });
});

describe('a write without an idempotency number whose answer is lost', () => {
  it('is sent exactly once, and the error says it was not retried and why', async () => {
    const { client } = observed();
    sandbox.faults.inject('reset-after-processing', 1, '/response');
    const before = sandbox.requests.length;
    const error = await fail(client.v3.merchantService.complaintsV2._complaint_id_.response.post({
      complaint_id: '200201820200101080076610000',
      json: { complainted_mchid: sandbox.config.mchid, response_content: 'handled' },
    }));
    expect(error).toBeInstanceOf(RequestError);
    expect(sandbox.requests.length - before).toBe(1);
    expect(error.attempts).toHaveLength(1);
    expect(error.notRetried).toMatch(/not idempotent \(its request carries no merchant idempotency number\)/);
    expect(error.message).toMatch(/not retried: .*not idempotent/);
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ notRetried: expect.any(String), attempts: [{ code: 'ECONNRESET' }] });
  });
});

describe('a refused connection', () => {
  it('is retried for any endpoint (it never reached the platform)', async () => {
    const { client } = observed({ retry: { retries: 10, minDelay: 100, maxDelay: 100 } });
    await sandbox.unreachable(100);
    const response = await client.v3.merchantService.complaintsV2._complaint_id_.response.post({
      complaint_id: '200201820200101080076610000',
      json: { complainted_mchid: sandbox.config.mchid, response_content: 'handled' },
    });
    expect([200, 204]).toContain(response.status);
    expect(response.attempts.length).toBeGreaterThan(1);
    expect(response.attempts[0].code).toBe('ECONNREFUSED');
  });
});

describe('a connect that hangs', () => {
  it('is given up on after connectTimeout (it never reached the platform) and retried on the backup host', async () => {
    // A host whose name never resolves stands for one that drops connection attempts: the connect never completes.
    const client: AnyClient = Builder.factory({
      ...sandbox.config,
      baseURL: 'http://blackhole.test:9/',
      backupBaseURL: sandbox.baseURL,
      connectTimeout: 150,
      lookup: ((hostname: string, options: object, callback: (...args: unknown[]) => void) => {
        if (hostname !== 'blackhole.test') lookup(hostname, options, callback as never);
      }) as never,
    });
    const response = await client.v3.certificates.get();
    expect(response.status).toBe(200);
    expect(response.attempts).toEqual([
      { url: 'http://blackhole.test:9/v3/certificates', code: 'ETIMEDOUT', ms: expect.any(Number) },
      { url: `${sandbox.baseURL}v3/certificates`, status: 200, requestId: expect.any(String), ms: expect.any(Number) },
    ]);
    expect(response.attempts[0].ms).toBeGreaterThanOrEqual(140);
  });
});

describe('the backup host', () => {
  let backup: Sandbox;
  beforeAll(async () => {
    backup = await startSandbox({ backupOf: sandbox });
  });
  afterAll(async () => {
    await sandbox.reachable();
    await backup.close();
  });

  it('serves the same platform: an order created through it is one order of the primary', async () => {
    const client: AnyClient = Builder.factory({ ...sandbox.config, baseURL: backup.baseURL });
    await client.v3.pay.transactions.native.post({ json: order('BK1') });
    expect(sandbox.order('BK1')).toBeDefined();
    expect(backup.requests.at(-1)).toMatchObject({ status: 200, target: '/v3/pay/transactions/native' });
  });

  it('primary down: 100 calls succeed via the backup, with one connect attempt to the primary per window', async () => {
    const client: AnyClient = Builder.factory({ ...sandbox.config, backupBaseURL: backup.baseURL });
    await sandbox.unreachable();
    const before = backup.requests.length;
    const attempts: Array<{ url: string }> = [];
    for (let i = 0; i < 100; i++) {
      const response = await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'BK1', query: { mchid: sandbox.config.mchid } });
      expect(response.status).toBe(200);
      attempts.push(...response.attempts);
    }
    const onPrimary = attempts.filter((a) => a.url.startsWith(sandbox.baseURL));
    expect(onPrimary).toHaveLength(1);
    expect(attempts.filter((a) => a.url.startsWith(backup.baseURL))).toHaveLength(100);
    expect(backup.requests.length - before).toBe(100);
  });

  it('a client without a backup host is not helped by another client failing over', async () => {
    await sandbox.unreachable();
    const lonely: AnyClient = Builder.factory({ ...sandbox.config, retry: false });
    const error = await fail(lonely.v3.certificates.get());
    expect(error.attempts).toEqual([{ url: `${sandbox.baseURL}v3/certificates`, code: 'ECONNREFUSED', ms: expect.any(Number) }]);
    await sandbox.reachable();
  });
});

describe('APIv2', () => {
  it('an idempotent write (unifiedorder, out_trade_no) whose answer is lost is signed again and sent again', async () => {
    const { client } = observed();
    sandbox.faults.inject('reset-after-processing', 1, '/pay/unifiedorder');
    const before = sandbox.requests.length;
    const response = await client.v2.pay.unifiedorder.post({ xml: {
      appid: APPID, mch_id: sandbox.config.mchid, body: 'retried', out_trade_no: 'V2RS1', total_fee: 1,
      spbill_create_ip: '127.0.0.1', notify_url: 'https://example.com/notify', trade_type: 'NATIVE',
    } });
    expect(response.data).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
    expect(response.attempts.map((a: { code?: string; status?: number }) => a.code ?? a.status)).toEqual(['ECONNRESET', 200]);
    const [first, second] = sandbox.requests.slice(before).map((entry) => entry.request.body);
    // Its nonce is in the body: a fresh nonce_str, every other field the same.
    const withoutNonce = (xml: string) => xml.replace(/<nonce_str>.*?<\/nonce_str>/, '').replace(/<sign>.*?<\/sign>/, '');
    expect(first).not.toBe(second);
    expect(withoutNonce(first!)).toBe(withoutNonce(second!));
  });
});

describe('the beforeRetry hook', () => {
  it('sees the failure, the failed attempt\'s request and what comes next; beforeRequest runs per attempt', async () => {
    const seen: unknown[] = [];
    const requests: string[] = [];
    const client: AnyClient = Builder.factory({
      ...sandbox.config,
      hooks: {
        beforeRequest: (request) => {
          requests.push(`${request.attempt} ${request.url}`);
        },
        beforeRetry: (error, request, retry) => {
          seen.push({ code: error.code, url: request?.url, failed: request?.attempt, attempt: retry.attempt, reason: retry.reason, before: retry.attempts.length });
        },
      },
    });
    sandbox.faults.inject('server-error', 1, '/v3/certificates');
    await client.v3.certificates.get();
    expect(seen).toEqual([{ code: 'SYSTEM_ERROR', url: `${sandbox.baseURL}v3/certificates`, failed: 1, attempt: 2, reason: expect.stringMatching(/could not do it now/), before: 1 }]);
    expect(requests).toEqual([`1 ${sandbox.baseURL}v3/certificates`, `2 ${sandbox.baseURL}v3/certificates`]);
  });

  it('cancels the retry by throwing: the call ends with the failure, saying why', async () => {
    const client: AnyClient = Builder.factory({ ...sandbox.config, hooks: { beforeRetry: () => { throw new Error('circuit open'); } } });
    sandbox.faults.inject('server-error', 1, '/v3/certificates');
    const before = sandbox.requests.length;
    const error = await fail(client.v3.certificates.get());
    expect(error).toMatchObject({ code: 'SYSTEM_ERROR', notRetried: 'a beforeRetry hook cancelled the retry: circuit open' });
    expect(sandbox.requests.length - before).toBe(1);
  });

  it('must be functions', () => {
    expect(() => Builder.factory({ ...sandbox.config, hooks: { beforeRetry: 1 as never } })).toThrow(/hooks.beforeRetry: must be a function/);
  });
});

describe('retry: false and the deadline', () => {
  it('retry: false makes exactly one attempt', async () => {
    const client: AnyClient = Builder.factory({ ...sandbox.config, retry: false });
    sandbox.faults.inject('server-error', 3);
    const before = sandbox.requests.length;
    const error = await fail(client.v3.certificates.get());
    expect(error).toBeInstanceOf(ApiError);
    expect(sandbox.requests.length - before).toBe(1);
    expect(error.notRetried).toMatch(/retry: false/);
    // Per call, too: a client that retries, a call that does not.
    const retrying: AnyClient = Builder.factory(sandbox.config);
    const once = await fail(retrying.v3.certificates.get({ retry: false }));
    expect(once.attempts).toHaveLength(1);
  });

  it('an answer the caller\'s validateStatus accepts is the answer: not retried', async () => {
    const client: AnyClient = Builder.factory(sandbox.config);
    sandbox.faults.inject('server-error', 1, '/v3/certificates');
    const response = await client.v3.certificates.get({ validateStatus: () => true });
    expect(response.status).toBe(500);
    expect(response.attempts).toHaveLength(1);
  });

  it('the deadline covers all the attempts together', async () => {
    const client: AnyClient = Builder.factory({ ...sandbox.config, timeout: 400, retry: { retries: 10, minDelay: 300, maxDelay: 300 } });
    sandbox.faults.inject('server-error', 20);
    const started = performance.now();
    const error = await fail(client.v3.certificates.get());
    const elapsed = performance.now() - started;
    sandbox.faults.clear();
    // Either the deadline fired during a wait, or no wait fitted before it: never the eleven attempts asked for.
    expect(error.code === 'EREQUEST_TIMEOUT' || /deadline/.test(error.notRetried ?? '')).toBe(true);
    expect(elapsed).toBeLessThan(400 * 2);
  });
});
