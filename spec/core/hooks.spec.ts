/**
 * Hooks (`Builder.factory({ hooks })`): they see the request after signing and the answer only after
 * verification, in order, and can neither switch either off nor change what was signed.
 */
import { Builder } from '../../lib/core/builder.js';
import type { HookRequest } from '../../lib/core/hooks.js';
import { ApiError, ConfigError, RequestError, VerificationError, WechatpayError } from '../../lib/errors.js';
import { rejected } from '../support/thrown.js';
import { usePlatform } from '../support/platform.js';

type AnyClient = any;
const platform = usePlatform('{"ok":true}');

function clientWith(hooks: Record<string, unknown>, extra: Record<string, unknown> = {}): AnyClient {
  return Builder.factory(platform.config({ hooks, ...extra }));
}

describe('hooks', () => {
  it('run in order: beforeRequest after signing, afterResponse after verification, with one request view per call', async () => {
    const events: string[] = [];
    let seen: HookRequest | undefined;
    const client = clientWith({
      beforeRequest: [
        (request: HookRequest) => {
          seen = request;
          events.push(`before1 ${request.method} ${request.template} signed=${/^WECHATPAY2-SHA256-RSA2048 /.test(request.headers.get('Authorization') ?? '')}`);
        },
        () => {
          events.push('before2');
        },
      ],
      afterResponse: (response: { status: number; data: unknown }, request: HookRequest) => {
        events.push(`after ${response.status} ${JSON.stringify(response.data)} same=${request === seen}`);
      },
    });
    const response = await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'T1', query: { mchid: '1' } });
    expect(response.data).toEqual({ ok: true });
    expect(events).toEqual([
      'before1 GET v3/pay/transactions/out-trade-no/{out_trade_no} signed=true',
      'before2',
      'after 200 {"ok":true} same=true',
    ]);
    expect(seen!.url).toBe(`${platform.baseURL}v3/pay/transactions/out-trade-no/T1?mchid=1`);
    expect(seen!.startedAt).toBeLessThanOrEqual(performance.now());
  });

  it('may add a header of their own, which is sent (and the request still verifies on the platform)', async () => {
    const client = clientWith({ beforeRequest: (request: HookRequest) => request.headers.set('X-Trace-Id', 'trace-1') });
    await client.v3.certificates.get();
    expect(platform.last.headers['x-trace-id']).toBe('trace-1');
    expect(platform.last.authorized).toBe(true);
  });

  it('cannot set a header the SDK owns (the signature, the body framing)', async () => {
    for (const name of ['Authorization', 'content-type', 'Content-Length', 'Wechatpay-Serial', 'Host']) {
      const before = platform.requests.length;
      const client = clientWith({ beforeRequest: (request: HookRequest) => request.headers.set(name, 'x') });
      const error = await rejected(client.v3.certificates.get());
      expect(error).toBeInstanceOf(RequestError);
      expect(error).toMatchObject({ code: 'EREQUEST_HOOK' });
      expect(platform.requests.length).toBe(before);
    }
  });

  it('do not see an answer that fails verification: beforeError sees the VerificationError', async () => {
    platform.respond = () => ({ body: '{"amount":1}', tamperBody: () => Buffer.from('{"amount":100}') });
    const after = jest.fn();
    const errors: WechatpayError[] = [];
    const client = clientWith({ afterResponse: after, beforeError: (error: WechatpayError) => { errors.push(error); } });
    const error = await rejected(client.v3.certificates.get());
    expect(error).toBeInstanceOf(VerificationError);
    expect(after).not.toHaveBeenCalled();
    expect(errors).toEqual([error]);
  });

  it('beforeError may replace the error with another SDK error; other results keep the original', async () => {
    platform.respond = () => ({ status: 400, body: '{"code":"PARAM_ERROR","message":"bad"}' });
    const seen: Array<HookRequest | undefined> = [];
    const client = clientWith({
      beforeError: [
        (error: WechatpayError, request: HookRequest | undefined) => {
          seen.push(request);
          return error instanceof ApiError ? new RequestError('EREQUEST_OPTIONS', `wrapped ${error.code}`) : undefined;
        },
        () => 'not an error',
      ],
    });
    const error = await rejected(client.v3.certificates.get());
    expect(error).toMatchObject({ code: 'EREQUEST_OPTIONS', message: 'wrapped PARAM_ERROR' });
    expect(seen[0]?.template).toBe('v3/certificates');
  });

  it('beforeError also sees errors raised before signing, with no request', async () => {
    const seen: unknown[] = [];
    const client = clientWith({ beforeError: (error: WechatpayError, request: HookRequest | undefined) => { seen.push([error.code, request]); } });
    await rejected(client.v3.pay.transactions.id._transaction_id_.get({}));
    expect(seen).toEqual([['EURI_VARIABLE_MISSING', undefined]]);
  });

  it('a hook that throws fails the call with a typed error, and nothing unsigned or half-made is sent', async () => {
    const before = platform.requests.length;
    const client = clientWith({ beforeRequest: () => { throw new Error('boom'); } });
    const error = await rejected(client.v3.certificates.get());
    expect(error).toBeInstanceOf(RequestError);
    expect(error).toMatchObject({ code: 'EREQUEST_HOOK', message: 'A hook threw: boom' });
    expect(platform.requests.length).toBe(before);
  });

  it('are checked by Builder.factory', () => {
    expect(() => clientWith({ beforeRequest: 'x' })).toThrow(ConfigError);
    expect(() => clientWith({ onRequest: () => undefined })).toThrow(/hooks.onRequest: is not a hook/);
    expect(() => Builder.factory(platform.config({ hooks: 1 }))).toThrow(/hooks: must be an object/);
  });
});
