import { Readable } from 'node:stream';
import type { AxiosAdapter, InternalAxiosRequestConfig } from 'axios';
import { Builder } from '../../lib/core/builder.js';
import { ACCEPT } from '../../lib/v3/signer.js';
import { MCHID, MERCHANT_SERIAL, parseAuthorization, usePlatform } from '../support/platform.js';

type AnyClient = any;
const platform = usePlatform('{"ok":true}');
let client: AnyClient;

beforeAll(() => {
  client = Builder.factory(platform.config());
});

async function sent(call: () => Promise<unknown>) {
  const before = platform.requests.length;
  await call();
  expect(platform.requests.length).toBe(before + 1);
  return platform.last;
}

describe('the Authorization header (docs/protocol.md#apiv3-request-signing)', () => {
  it('signs METHOD, the target exactly as sent, timestamp, nonce and the exact body bytes', async () => {
    const request = await sent(() => client.v3.pay.transactions.native.post({ json: { description: '商品 "a" <b>', amount: { total: 1 } } }));
    expect(request.authorized).toBe(true);
    expect(request.body.toString()).toBe('{"description":"商品 \\"a\\" <b>","amount":{"total":1}}');
    const auth = request.authorization;
    expect(auth).toEqual({ mchid: MCHID, serial_no: MERCHANT_SERIAL, timestamp: expect.any(String), nonce_str: expect.any(String), signature: expect.any(String) });
    expect(request.headers.authorization).toMatch(/^WECHATPAY2-SHA256-RSA2048 mchid="\d+",serial_no="[0-9A-F]+",timestamp="\d+",nonce_str="[0-9A-Za-z]{32}",signature="[A-Za-z0-9+/=]+"$/);
    expect(Math.abs(Number(auth['timestamp']) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('signs an empty body line for GET and includes the query', async () => {
    const request = await sent(() => client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'T 1/2', query: { mchid: MCHID } }));
    expect(request.target).toBe(`/v3/pay/transactions/out-trade-no/T%201%2F2?mchid=${MCHID}`);
    expect(request.body.length).toBe(0);
    expect(request.authorized).toBe(true);
  });

  it('accepts axios `params` as the query', async () => {
    const request = await sent(() => client.v3.bill.tradebill.get({ params: { bill_date: '2025-01-01', bill_type: 'ALL' } }));
    expect(request.target).toBe('/v3/bill/tradebill?bill_date=2025-01-01&bill_type=ALL');
    expect(request.authorized).toBe(true);
  });

  it('uses a fresh nonce for every request', async () => {
    const a = await sent(() => client.v3.a.get());
    const b = await sent(() => client.v3.a.get());
    expect(a.authorization['nonce_str']).not.toBe(b.authorization['nonce_str']);
  });

  it('sets Accept, Content-Type and a User-Agent naming the SDK, axios and node', async () => {
    const request = await sent(() => client.v3.a.post({ json: {} }));
    expect(request.headers.accept).toBe(ACCEPT);
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request.headers['user-agent']).toMatch(/^wechatpay-chain\/\d+\.\d+\.\d+ \(.+\) axios\/\d+\.\d+\.\d+ node\/\d+/);
  });

  it('lets request headers override the defaults and config headers, and refuses an Authorization of their own', async () => {
    const withHeaders = Builder.factory(platform.config({ headers: { 'X-Config': 'c', Accept: 'application/json' } })) as AnyClient;
    await expect(withHeaders.v3.a.get({ headers: { Authorization: 'forged' } })).rejects.toMatchObject({ code: 'EREQUEST_OPTIONS' });
    const request = await sent(() => withHeaders.v3.a.get({ headers: { 'X-Request': 'r', 'Wechatpay-Serial': 'PUB_KEY_ID_1' } }));
    expect(request.headers['x-config']).toBe('c');
    expect(request.headers['x-request']).toBe('r');
    expect(request.headers['wechatpay-serial']).toBe('PUB_KEY_ID_1');
    expect(request.headers.accept).toBe('application/json');
    expect(parseAuthorization(request.headers.authorization).mchid).toBe(MCHID);
    expect(request.authorized).toBe(true);
  });

  it.each([
    ['a string', '{"raw":"string"}'],
    ['a Buffer', Buffer.from('{"raw":"buffer"}')],
    ['a Uint8Array', new Uint8Array(Buffer.from('{"raw":"bytes"}'))],
    ['a stream', () => Readable.from([Buffer.from('{"raw":'), Buffer.from('"stream"}')])],
  ])('signs a raw body given as %s, byte for byte', async (_kind, body) => {
    const value = typeof body === 'function' ? body() : body;
    const request = await sent(() => client.v3.a.post({ body: value }));
    expect(request.body.toString()).toMatch(/^\{"raw":"(string|buffer|bytes|stream)"\}$/);
    expect(request.authorized).toBe(true);
  });

  it('signs a media upload over its meta JSON, not the multipart bytes', async () => {
    const meta = JSON.stringify({ filename: 'a.png', sha256: 'ab' });
    const boundary = 'xBOUNDARYx';
    const bytes = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="meta"\r\nContent-Type: application/json\r\n\r\n${meta}\r\n--${boundary}--\r\n`);
    const media = { getMeta: () => meta, getContentType: () => `multipart/form-data; boundary=${boundary}`, getBody: () => bytes };
    const request = await sent(() => client.v3.merchant.media.upload.post({ multipart: media }));
    expect(request.headers['content-type']).toBe(`multipart/form-data; boundary=${boundary}`);
    expect(request.body.equals(bytes)).toBe(true);
    expect(request.authorized).toBe(false);
    const auth = request.authorization;
    const { verify } = await import('node:crypto');
    const message = `POST\n/v3/merchant/media/upload\n${auth['timestamp']}\n${auth['nonce_str']}\n${meta}\n`;
    expect(verify('sha256', Buffer.from(message), platform.merchant.publicKey, Buffer.from(auth['signature']!, 'base64'))).toBe(true);
  });

  it('signs the target with a base URL path prefix (per request baseURL and base_uri)', async () => {
    const prefixed = `${platform.baseURL}hk`;
    const a = await sent(() => client.v3.refunds.post({ json: {}, baseURL: prefixed }));
    expect(a.target).toBe('/hk/v3/refunds');
    expect(a.authorized).toBe(true);
    const b = await sent(() => client.v3.refunds.post({ json: {}, base_uri: `${prefixed}/` }));
    expect(b.target).toBe('/hk/v3/refunds');
    expect(b.authorized).toBe(true);
    const configured = Builder.factory(platform.config({ baseURL: undefined, base_uri: prefixed })) as AnyClient;
    const c = await sent(() => configured.v3.refunds.post({ json: {} }));
    expect(c.target).toBe('/hk/v3/refunds');
    expect(c.authorized).toBe(true);
  });

  it('hands a user adapter the signed request', async () => {
    const seen: InternalAxiosRequestConfig[] = [];
    const adapter: AxiosAdapter = async (config) => {
      seen.push(config);
      const { status, headers, payload } = platform.render({ body: '{"via":"adapter"}' });
      return { status, statusText: 'OK', headers, data: payload, config };
    };
    const viaConfig = Builder.factory(platform.config({ adapter })) as AnyClient;
    const response = await viaConfig.v3.pay.transactions.native.post({ json: { a: 1 } });
    expect(response.data).toEqual({ via: 'adapter' });
    expect(seen).toHaveLength(1);
    expect(String(seen[0]!.headers.Authorization)).toMatch(/^WECHATPAY2-SHA256-RSA2048 /);
    expect(seen[0]!.data).toBe('{"a":1}');
    // The call's deadline (timeout, the caller's signal) reaches the adapter as one AbortSignal; axios's idle timer is off.
    expect(seen[0]!.signal).toBeInstanceOf(AbortSignal);
    // axios reads an absent or zero timeout as no idle timer.
    expect(seen[0]!.timeout ?? 0).toBe(0);
    expect(seen[0]!.maxRedirects).toBe(0);
    const perRequest = await client.v3.a.get({ adapter, timeout: 5_000 });
    expect(perRequest.data).toEqual({ via: 'adapter' });
    expect(seen).toHaveLength(2);
    expect(seen[1]!.timeout ?? 0).toBe(0);
  });
});
