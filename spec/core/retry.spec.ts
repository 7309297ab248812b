/**
 * The retry policy (core/retry.ts): which failures are tried again and where, the generated idempotency table,
 * full-jitter backoff, Retry-After within the deadline, and the `retry` setting's checks.
 */
import net from 'node:net';
import axios from 'axios';
import { ApiError, ConfigError, RequestError, VerificationError } from '../../lib/errors.js';
import { backoff, checkRetry, classify, DEFAULT_RETRY, isIdempotent, nextDelay, NO_RETRY, parseRetryAfter, verdict } from '../../lib/core/retry.js';
import { IDEMPOTENT_ENDPOINTS } from '../../lib/generated/idempotency.js';
import { toSdkError } from '../../lib/util/exchange.js';
import { loadConfig } from '../../lib/core/config.js';
import { Builder } from '../../lib/core/builder.js';
import { keyPair, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL } from '../support/platform.js';

/** The SDK error of a real axios request to `url` (what the transport turns a socket failure into). */
async function transportError(url: string, options: Record<string, unknown> = {}): Promise<RequestError> {
  const error = await axios.get(url, { timeout: 0, ...options }).then(() => undefined, (e: unknown) => e);
  return toSdkError(error) as RequestError;
}

/** A loopback server that treats each connection with `onConnection`; its URL. */
async function server(onConnection: (socket: net.Socket) => void): Promise<{ url: string; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const listener = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const { port } = listener.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v3/x`,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      listener.close(() => resolve());
    }),
  };
}

const apiError = (status: number, code: string) => new ApiError(status, code, `answered ${status} ${code}`, { body: '', headers: {} });

describe('classify: what a failure says about the request', () => {
  it('a refused connection never reached the platform', async () => {
    const closed = await server(() => undefined);
    await closed.close();
    const error = await transportError(closed.url);
    expect(error.code).toBe('EREQUEST_TRANSPORT');
    expect(classify(error)).toBe('never-reached');
  });

  it('an unknown host never reached the platform', async () => {
    const error = await transportError('http://no-such-host.invalid/v3/x');
    expect(classify(error)).toBe('never-reached');
  });

  it('a TLS handshake that fails (a plain-HTTP server on an https URL) never sent the request', async () => {
    const plain = await server((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    try {
      const error = await transportError(plain.url.replace('http:', 'https:'));
      expect(classify(error)).toBe('never-reached');
    } finally {
      await plain.close();
    }
  });

  it('a connection dropped after the request was read: sent, no answer', async () => {
    const dropping = await server((socket) => socket.once('data', () => socket.destroy()));
    try {
      const error = await transportError(dropping.url);
      expect(error.message).toMatch(/socket hang up|ECONNRESET/);
      expect(classify(error)).toBe('sent-no-answer');
    } finally {
      await dropping.close();
    }
  });

  it('a reset after the request was read: sent, no answer', async () => {
    const resetting = await server((socket) => socket.once('data', () => socket.resetAndDestroy()));
    try {
      expect(classify(await transportError(resetting.url))).toBe('sent-no-answer');
    } finally {
      await resetting.close();
    }
  });

  it.each([
    [500, 'SYSTEM_ERROR'], [502, 'HTTP_502'], [503, 'HTTP_503'], [429, 'FREQUENCY_LIMITED'], [429, 'HTTP_429'], [200, 'SYSTEMERROR'], [403, 'FREQUENCY_LIMITED'],
  ])('%i %s: the platform could not do it now', (status, code) => {
    expect(classify(apiError(status, code))).toBe('retryable-status');
  });

  it.each([[400, 'PARAM_ERROR'], [401, 'SIGN_ERROR'], [403, 'NO_AUTH'], [404, 'ORDER_NOT_EXIST'], [200, 'ORDERPAID']])('%i %s is a business answer: not retried', (status, code) => {
    expect(classify(apiError(status, code))).toBe('not-retryable');
  });

  it('an answer that fails verification is not a transient fault', () => {
    expect(classify(new VerificationError('EV3_RES_HEADER_SIGNATURE_DIGEST', 'forged', { status: 500 }))).toBe('not-retryable');
  });

  it('the SDK\'s own refusals, the deadline and the caller\'s abort are not retried', () => {
    for (const code of ['EREQUEST_OPTIONS', 'EREQUEST_TIMEOUT', 'EREQUEST_ABORTED', 'EREQUEST_UNSIGNED', 'EREQUEST_ANSWER_TOO_LARGE'] as const) {
      expect(classify(new RequestError(code, code))).toBe('not-retryable');
    }
    expect(classify(new ConfigError('x', 'y'))).toBe('not-retryable');
  });
});

describe('the idempotency table (generated from the API description)', () => {
  it('lists writes carrying a merchant idempotency number, in the path or as a required body field', () => {
    expect(IDEMPOTENT_ENDPOINTS).toEqual(expect.arrayContaining([
      'POST v3/pay/transactions/native',
      'POST v3/pay/transactions/jsapi',
      'POST v3/refund/domestic/refunds',
      'POST v3/pay/transactions/out-trade-no/{out_trade_no}/close',
      'POST v3/transfer/batches',
      'POST v3/applyment4sub/applyment/',
      'POST v2/pay/unifiedorder',
    ]));
    expect(IDEMPOTENT_ENDPOINTS.every((entry) => /^(POST|PUT|PATCH|DELETE) \S+$/.test(entry))).toBe(true);
    expect([...IDEMPOTENT_ENDPOINTS].sort()).toEqual(IDEMPOTENT_ENDPOINTS);
  });

  it('leaves out writes without one (a complaint response)', () => {
    expect(IDEMPOTENT_ENDPOINTS).not.toContain('POST v3/merchant-service/complaints-v2/{complaint_id}/response');
    expect(isIdempotent('post', 'v3/merchant-service/complaints-v2/{complaint_id}/response')).toBe(false);
  });

  it('reads are idempotent without being listed; writes by the table', () => {
    expect(isIdempotent('get', 'v3/anything/at/all')).toBe(true);
    expect(isIdempotent('head', 'v3/anything')).toBe(true);
    expect(isIdempotent('post', 'v3/pay/transactions/native')).toBe(true);
    expect(isIdempotent('POST', '/v3/pay/transactions/native')).toBe(true);
    expect(isIdempotent('put', 'v3/pay/transactions/native')).toBe(false);
    expect(isIdempotent('post', 'v3/not/described')).toBe(false);
  });
});

describe('verdict: whether a failure is tried again', () => {
  const order = { verb: 'post', route: 'v3/pay/transactions/native' };
  const complaint = { verb: 'post', route: 'v3/merchant-service/complaints-v2/{complaint_id}/response' };

  it('a request that never reached the platform: always, any endpoint', () => {
    expect(verdict('never-reached', complaint).retry).toBe(true);
    expect(verdict('never-reached', { ...order, mutualTls: true }).retry).toBe(true);
  });

  it('a lost answer or a 5xx/429: only an idempotent endpoint', () => {
    expect(verdict('sent-no-answer', order).retry).toBe(true);
    expect(verdict('retryable-status', { verb: 'get', route: 'v3/x' }).retry).toBe(true);
    const refused = verdict('sent-no-answer', complaint);
    expect(refused.retry).toBe(false);
    expect(refused.reason).toMatch(/answer was lost.*POST v3\/merchant-service\/complaints-v2\/\{complaint_id\}\/response is not idempotent/);
  });

  it('APIv2 over mutual TLS: only when never reached', () => {
    const refund = { verb: 'post', route: 'v2/secapi/pay/refund', mutualTls: true };
    expect(verdict('sent-no-answer', refund)).toMatchObject({ retry: false, reason: expect.stringMatching(/mutual TLS/) });
    expect(verdict('retryable-status', refund).retry).toBe(false);
  });

  it('never a business error or a failed verification', () => {
    expect(verdict('not-retryable', order).retry).toBe(false);
  });
});

describe('backoff: full jitter', () => {
  it('is uniform between 0 and minDelay * 2^(n-1), capped at maxDelay', () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoff(n, DEFAULT_RETRY, top))).toEqual([99, 199, 399, 799, 1599, 1999]);
    expect(backoff(3, DEFAULT_RETRY, () => 0)).toBe(0);
    expect(backoff(2, DEFAULT_RETRY, () => 0.5)).toBe(100);
  });

  it('spreads retries (not the same wait every time)', () => {
    const waits = new Set(Array.from({ length: 50 }, () => backoff(3, DEFAULT_RETRY)));
    expect(waits.size).toBeGreaterThan(10);
    expect(Math.max(...waits)).toBeLessThan(400);
  });
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter(undefined)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter('-1')).toBeUndefined();
    expect(parseRetryAfter('99999999')).toBe(3_600_000);
  });

  it('is honoured within the deadline, and refused past it', () => {
    expect(nextDelay(1, DEFAULT_RETRY, 1500, 5000, () => 0)).toEqual({ delay: 1500 });
    expect(nextDelay(1, DEFAULT_RETRY, undefined, 5000, () => 0.5)).toEqual({ delay: 50 });
    expect(nextDelay(1, DEFAULT_RETRY, 3000, 2000)).toEqual({ refused: expect.stringMatching(/Retry-After.*deadline/) });
    expect(nextDelay(3, DEFAULT_RETRY, undefined, 100, () => 0.5)).toEqual({ refused: expect.stringMatching(/deadline/) });
    expect(nextDelay(1, DEFAULT_RETRY, 3000, Infinity)).toEqual({ delay: 3000 });
  });
});

describe('the retry setting', () => {
  const refuse = (problem: string) => new ConfigError('retry', problem);

  it('defaults to 2 retries from 100 ms capped at 2 s; false is one attempt; given fields override', () => {
    expect(checkRetry(undefined, refuse)).toEqual({ retries: 2, minDelay: 100, maxDelay: 2000 });
    expect(checkRetry(true, refuse)).toBe(DEFAULT_RETRY);
    expect(checkRetry(false, refuse)).toBe(NO_RETRY);
    expect(checkRetry({ retries: 5 }, refuse)).toEqual({ retries: 5, minDelay: 100, maxDelay: 2000 });
    expect(checkRetry({ maxDelay: 50 }, refuse, { retries: 1, minDelay: 10, maxDelay: 100 })).toEqual({ retries: 1, minDelay: 10, maxDelay: 50 });
  });

  it.each([
    ['a number', 3, /must be false, true or/],
    ['an unknown field', { tries: 3 }, /unknown setting "tries"/],
    ['a negative count', { retries: -1 }, /retries must be a whole number from 0 to 10/],
    ['too many', { retries: 11 }, /from 0 to 10/],
    ['a fraction', { minDelay: 0.5 }, /minDelay must be a whole number/],
    ['min above max', { minDelay: 500, maxDelay: 100 }, /must not exceed maxDelay/],
  ])('refuses %s', (_what, value, message) => {
    expect(() => checkRetry(value, refuse)).toThrow(message);
  });
});

describe('Builder.factory: retry, backupBaseURL and connectTimeout', () => {
  const merchant = keyPair('merchant');
  const platformKey = keyPair('platform');
  const base = { mchid: MCHID, serial: MERCHANT_SERIAL, privateKey: merchant.privatePem, certs: { [PLATFORM_SERIAL]: platformKey.publicPem } };

  it('the official host has api2 as its backup; another host none unless given', () => {
    expect(loadConfig(base)).toMatchObject({ backupBaseURL: 'https://api2.mch.weixin.qq.com/', retry: DEFAULT_RETRY });
    expect(loadConfig({ ...base, baseURL: 'https://api.mch.weixin.qq.com/hk/' }).backupBaseURL).toBe('https://api2.mch.weixin.qq.com/hk/');
    expect(loadConfig({ ...base, baseURL: 'http://127.0.0.1:9/' }).backupBaseURL).toBeUndefined();
    expect(loadConfig({ ...base, backupBaseURL: false }).backupBaseURL).toBeUndefined();
    expect(loadConfig({ ...base, baseURL: 'http://127.0.0.1:9/', backupBaseURL: 'http://127.0.0.1:10/' }).backupBaseURL).toBe('http://127.0.0.1:10/');
    expect(loadConfig({ ...base, retry: false }).retry).toBe(NO_RETRY);
    expect(loadConfig(base).connectTimeout).toBe(10_000);
    expect(loadConfig({ ...base, connectTimeout: 0 }).connectTimeout).toBe(0);
  });

  it.each([
    ['backupBaseURL', { backupBaseURL: 'ftp://example.com/' }, /backupBaseURL: must be an http\(s\) URL/],
    ['backupBaseURL', { backupBaseURL: 'https://user:pw@example.com/' }, /backupBaseURL: must be a URL without credentials/],
    ['retry', { retry: { retries: 'two' } }, /retry: retries must be a whole number/],
    ['retry', { retry: 'yes' }, /retry: must be false, true or/],
    ['connectTimeout', { connectTimeout: -1 }, /connectTimeout: must be a whole number of milliseconds/],
  ])('refuses a bad %s, naming it', (field, extra, message) => {
    const error = (() => {
      try {
        Builder.factory({ ...base, ...extra } as never);
      } catch (caught) {
        return caught as ConfigError;
      }
      throw new Error('accepted');
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('pw@');
  });

  it('a call refuses a bad retry option before sending', async () => {
    const client: any = Builder.factory(base);
    await expect(client.v3.certificates.get({ retry: { retries: 99 } })).rejects.toMatchObject({ code: 'EREQUEST_OPTIONS', message: expect.stringMatching(/v3\/certificates: retry retries must be/) });
  });
});
