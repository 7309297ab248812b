/**
 * The attempt loop of a call (core/attempts.ts) on its own: where each attempt goes, when the loop stops and
 * what the error it ends with says; attempts are given as functions answering or failing the way the transport
 * does (real SDK error objects). The whole path, over loopback HTTP, is in spec/integration/resilience*.spec.ts.
 */
import { withAttempts, type AttemptPlan, type RetryInfo } from '../../lib/core/attempts.js';
import { HostSelector } from '../../lib/core/hosts.js';
import { DEFAULT_RETRY, NO_RETRY } from '../../lib/core/retry.js';
import { ApiError, RequestError, WechatpayError } from '../../lib/errors.js';

const PRIMARY = 'http://primary.test/';
const BACKUP = 'http://backup.test/';
const URL_ = `${PRIMARY}v3/pay/transactions/native`;

const refused = () => new RequestError('EREQUEST_TRANSPORT', 'connect ECONNREFUSED', {}, { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) });
const hangUp = () => new RequestError('EREQUEST_TRANSPORT', 'socket hang up', {}, { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
const status = (code: number, name: string, headers: Record<string, string> = {}) =>
  new ApiError(code, name, `answered ${code} ${name}`, { status: code, requestId: `R${code}`, body: '', headers });

function plan(overrides: Partial<AttemptPlan> = {}): AttemptPlan & { retries: RetryInfo[] } {
  const retries: RetryInfo[] = [];
  return {
    target: { verb: 'post', route: 'v3/pay/transactions/native' },
    retry: { ...DEFAULT_RETRY, minDelay: 1, maxDelay: 2 },
    hosts: new HostSelector(PRIMARY, BACKUP),
    span: undefined,
    attempts: [],
    remaining: () => Infinity,
    signal: new AbortController().signal,
    replayable: () => true,
    beforeRetry: async (_error, info) => {
      retries.push(info);
    },
    retries,
    ...overrides,
  };
}

/** An attempt function answering in turn with each of `outcomes` (an Error is thrown); the URLs it was called with. */
function script(...outcomes: Array<number | Error>) {
  const urls: string[] = [];
  const send = async (url: string) => {
    urls.push(url);
    const next = outcomes.shift();
    if (next instanceof Error) throw next;
    return { status: next ?? 200, headers: { 'Request-ID': 'OK1' } };
  };
  return { urls, send };
}

async function failure(promise: Promise<unknown>): Promise<WechatpayError> {
  return promise.then(() => {
    throw new Error('expected the call to fail');
  }, (error: WechatpayError) => error);
}

it('one attempt when the first answers', async () => {
  const { urls, send } = script(200);
  const { attempts } = await withAttempts(plan(), URL_, send);
  expect(urls).toEqual([URL_]);
  expect(attempts).toEqual([{ url: URL_, status: 200, requestId: 'OK1', ms: expect.any(Number) }]);
});

it('a lost answer of an idempotent write is asked for again, on the same host', async () => {
  const { urls, send } = script(hangUp(), status(500, 'SYSTEM_ERROR'), 200);
  const p = plan();
  const { attempts } = await withAttempts(p, URL_, send);
  expect(urls).toEqual([URL_, URL_, URL_]);
  expect(attempts.map((a) => [a.status, a.code])).toEqual([[undefined, 'ECONNRESET'], [500, 'SYSTEM_ERROR'], [200, undefined]]);
  expect(attempts[1]!.requestId).toBe('R500');
  expect(p.retries.map((r) => [r.attempt, r.reason])).toEqual([[2, expect.stringMatching(/answer was lost/)], [3, expect.stringMatching(/could not do it now/)]]);
});

it('a lost answer of a write without an idempotency number is not sent again, and the error says why', async () => {
  const { urls, send } = script(hangUp(), 200);
  const error = await failure(withAttempts(plan({ target: { verb: 'post', route: 'v3/merchant-service/complaints-v2/{complaint_id}/response' } }), URL_, send));
  expect(urls).toHaveLength(1);
  expect(error.notRetried).toMatch(/not idempotent/);
  expect(error.attempts).toHaveLength(1);
  expect(error.toJSON()).toMatchObject({ notRetried: expect.stringMatching(/not idempotent/), attempts: [{ url: URL_, code: 'ECONNRESET' }] });
});

it('a refused connection is retried for any endpoint, on the backup host at once', async () => {
  const { urls, send } = script(refused(), 200);
  const p = plan({ target: { verb: 'post', route: 'v3/not/idempotent' } });
  const { attempts } = await withAttempts(p, URL_, send);
  expect(urls).toEqual([URL_, `${BACKUP}v3/pay/transactions/native`]);
  expect(attempts[1]!.url).toBe(`${BACKUP}v3/pay/transactions/native`);
  expect(p.retries[0]).toMatchObject({ attempt: 2, delay: 0, url: `${BACKUP}v3/pay/transactions/native` });
  expect(p.hosts.failedOver).toBe(true);
});

it('retry: false makes exactly one attempt', async () => {
  const { urls, send } = script(refused(), 200);
  const error = await failure(withAttempts(plan({ retry: NO_RETRY }), URL_, send));
  expect(urls).toHaveLength(1);
  expect(error.notRetried).toMatch(/retry: false/);
});

it('stops after the last retry, saying how many attempts failed', async () => {
  const { urls, send } = script(status(503, 'HTTP_503'), status(503, 'HTTP_503'), status(503, 'HTTP_503'), 200);
  const error = await failure(withAttempts(plan(), URL_, send));
  expect(urls).toHaveLength(3);
  expect(error).toBeInstanceOf(ApiError);
  expect(error.notRetried).toMatch(/all 3 attempts failed/);
});

it('a business error ends the call at once, without a note', async () => {
  const { urls, send } = script(status(400, 'PARAM_ERROR'), 200);
  const error = await failure(withAttempts(plan(), URL_, send));
  expect(urls).toHaveLength(1);
  expect(error.notRetried).toBeUndefined();
  expect(error.attempts).toHaveLength(1);
});

it('Retry-After past the deadline ends the call', async () => {
  const { urls, send } = script(status(429, 'FREQUENCY_LIMITED', { 'retry-after': '5' }), 200);
  const error = await failure(withAttempts(plan({ remaining: () => 1000 }), URL_, send));
  expect(urls).toHaveLength(1);
  expect(error.notRetried).toMatch(/Retry-After.*deadline/);
});

it('Retry-After within the deadline is waited for', async () => {
  const { send } = script(status(429, 'FREQUENCY_LIMITED', { 'Retry-After': '0' }), 200);
  const p = plan();
  await withAttempts(p, URL_, send);
  expect(p.retries[0]!.delay).toBeLessThanOrEqual(1);
});

it('a beforeRetry hook that throws cancels the retry', async () => {
  const { urls, send } = script(hangUp(), 200);
  const error = await failure(withAttempts(plan({ beforeRetry: async () => { throw new Error('circuit open'); } }), URL_, send));
  expect(urls).toHaveLength(1);
  expect(error.code).toBe('EREQUEST_TRANSPORT');
  expect(error.notRetried).toMatch(/beforeRetry hook cancelled the retry: circuit open/);
});

it('a body that cannot be sent again is not, once it was sent', async () => {
  const { urls, send } = script(hangUp(), 200);
  const error = await failure(withAttempts(plan({ replayable: () => false }), URL_, send));
  expect(urls).toHaveLength(1);
  expect(error.notRetried).toMatch(/stream/);
});

it('a call whose deadline fired is not tried again', async () => {
  const controller = new AbortController();
  const { urls, send } = script(hangUp(), 200);
  controller.abort(new RequestError('EREQUEST_TIMEOUT', 'deadline'));
  const error = await failure(withAttempts(plan({ signal: controller.signal }), URL_, send));
  expect(urls).toHaveLength(1);
  expect(error.attempts).toHaveLength(1);
});

it('a URL not on the primary base never moves to the backup', async () => {
  const { urls, send } = script(refused(), 200);
  await withAttempts(plan(), 'http://elsewhere.test/v3/x', send);
  expect(urls).toEqual(['http://elsewhere.test/v3/x', 'http://elsewhere.test/v3/x']);
});
