import { Builder } from '../../lib/core/builder.js';
import { ApiError, VerificationError } from '../../lib/errors.js';
import { verifySigned } from '../../lib/v3/verifier.js';
import { type Answer, keyPair, PLATFORM_SERIAL, PUBLIC_KEY_ID, signWith, usePlatform } from '../support/platform.js';

type AnyClient = any;
const platform = usePlatform();
let client: AnyClient;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(() => {
  client = Builder.factory(platform.config());
});

function answering(answer: Answer) {
  platform.respond = () => answer;
}

describe('valid answers are accepted (docs/protocol.md#apiv3-response-verification)', () => {
  it.each<[string, Answer]>([
    ['signed with the platform certificate', { body: '{"a":1}' }],
    ['signed with the platform public key (PUB_KEY_ID_...)', { body: '{"a":1}', serial: PUBLIC_KEY_ID }],
    ['295 s in the past', { body: '{"a":1}', timestamp: String(now() - 295) }],
    ['299 s in the future', { body: '{"a":1}', timestamp: String(now() + 299) }],
    ['with an empty body (204)', { status: 204, body: '' }],
    ['with a UTF-8 body', { body: '{"name":"微信支付 ✓"}' }],
  ])('%s', async (_label, answer) => {
    answering(answer);
    const response = await client.v3.a.get();
    expect(response.status).toBe(answer.status ?? 200);
    expect(response.data).toEqual(answer.body ? JSON.parse(answer.body as string) : undefined);
  });
});

describe('tampered answers are rejected', () => {
  const cases: Array<[string, () => Answer, string]> = [
    ['a changed body byte', () => ({ body: '{"amount":100}', tamperBody: (b) => Buffer.from(b.toString().replace('100', '900')) }), 'EV3_RES_HEADER_SIGNATURE_DIGEST'],
    ['a timestamp 301 s old', () => ({ body: '{}', timestamp: String(now() - 301) }), 'EV3_RES_HEADER_TIMESTAMP_OFFSET'],
    ['a timestamp 302 s ahead (a second may pass before the check)', () => ({ body: '{}', timestamp: String(now() + 302) }), 'EV3_RES_HEADER_TIMESTAMP_OFFSET'],
    ['a non-numeric timestamp', () => ({ body: '{}', timestamp: `${now()}abc` }), 'EV3_RES_HEADER_TIMESTAMP_OFFSET'],
    ['a fractional timestamp', () => ({ body: '{}', timestamp: `${now()}.5` }), 'EV3_RES_HEADER_TIMESTAMP_OFFSET'],
    ['an unknown serial', () => ({ body: '{}', serial: 'FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF', signingKey: platform.platform.privateKey }), 'EV3_RES_HEADER_PLATFORM_SERIAL'],
    ['the right serial signed by another key', () => ({ body: '{}', signingKey: keyPair('attacker').privateKey }), 'EV3_RES_HEADER_SIGNATURE_DIGEST'],
    ['a probe signature', () => ({ body: '{}', signature: `WECHATPAY/SIGNTEST/${Buffer.from('probe').toString('base64')}` }), 'EV3_RES_HEADER_SIGNATURE_DIGEST'],
    ['a garbage signature', () => ({ body: '{}', signature: '!!not base64!!' }), 'EV3_RES_HEADER_SIGNATURE_DIGEST'],
    ['no signature headers at all', () => ({ body: '{}', unsigned: true }), 'EV3_RES_HEADERS_INCOMPLETE'],
    ...['Wechatpay-Timestamp', 'Wechatpay-Nonce', 'Wechatpay-Serial', 'Wechatpay-Signature'].map(
      (header): [string, () => Answer, string] => [`a missing ${header}`, () => ({ body: '{}', omit: [header] }), 'EV3_RES_HEADERS_INCOMPLETE'],
    ),
  ];

  it.each(cases)('%s', async (_label, answer, code) => {
    answering(answer());
    const error = await client.v3.a.get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VerificationError);
    expect(error.code).toBe(code);
    expect(error.status).toBe(200);
    expect(error.url).toBe(`${platform.baseURL}v3/a`);
  });

  it('says what a probe signature is', async () => {
    answering({ body: '{}', signature: 'WECHATPAY/SIGNTEST/abc' });
    await expect(client.v3.a.get()).rejects.toThrow(/probe signature.*on purpose/);
  });

  it('cannot be switched off by a per-request transformResponse or validateStatus', async () => {
    answering({ body: '{"a":1}', tamperBody: () => Buffer.from('{"a":2}') });
    await expect(client.v3.a.get({ transformResponse: [(data: unknown) => data] })).rejects.toBeInstanceOf(VerificationError);
    await expect(client.v3.a.get({ validateStatus: () => true })).rejects.toBeInstanceOf(VerificationError);
    await expect(client.v3.a.get({ responseType: 'stream' })).rejects.toBeInstanceOf(VerificationError);
  });

  it('applies config-level transformResponse and validateStatus the same way', async () => {
    const hooked = Builder.factory(platform.config({
      transformResponse: [(data: { a: number }) => ({ hooked: data.a })],
      validateStatus: (status: number) => status === 404,
    })) as AnyClient;
    answering({ body: '{"a":1}' });
    expect((await hooked.v3.a.get()).data).toEqual({ hooked: 1 });
    answering({ body: '{"a":1}', tamperBody: () => Buffer.from('{"a":2}') });
    await expect(hooked.v3.a.get()).rejects.toBeInstanceOf(VerificationError);
    answering({ status: 404, body: '{"a":3}' });
    expect((await hooked.v3.a.get()).data).toEqual({ hooked: 3 });
  });

  it('refuses transformRequest, which would change the body after signing', async () => {
    const refused = client.v3.a.post({ json: {}, transformRequest: [(d: unknown) => d] });
    await expect(refused).rejects.toMatchObject({ code: 'EREQUEST_OPTIONS' });
    await expect(refused).rejects.toThrow(/signs the exact bytes it serialises.*change those bytes after signing.*own bytes with `body`/);
    expect(() => Builder.factory(platform.config({ transformRequest: [(d: unknown) => d] }))).toThrow(expect.objectContaining({ field: 'transformRequest' }));
  });

  it('applies a per-request transformResponse after verification', async () => {
    answering({ body: '{"a":1}' });
    const response = await client.v3.a.get({ transformResponse: (data: { a: number }) => ({ doubled: data.a * 2 }) });
    expect(response.data).toEqual({ doubled: 2 });
  });
});

describe('an answer signed by a key that is not configured', () => {
  it('says which kind of key signed it and which kinds are configured', async () => {
    const certificateOnly: AnyClient = Builder.factory(platform.config({ certs: { [PLATFORM_SERIAL]: platform.certs[PLATFORM_SERIAL] } }));
    answering({ body: '{}', serial: PUBLIC_KEY_ID, signingKey: platform.publicKey.privateKey });
    const error = await certificateOnly.v3.a.get().catch((e: unknown) => e as VerificationError);
    expect(error).toMatchObject({ code: 'EV3_RES_HEADER_PLATFORM_SERIAL' });
    expect(error.message).toContain(`signed by the platform public key ${PUBLIC_KEY_ID}, which is not configured`);
    expect(error.message).toContain(`configured: platform certificate ${PLATFORM_SERIAL}; no platform public key`);
    const publicKeyOnly: AnyClient = Builder.factory(platform.config({ certs: { [PUBLIC_KEY_ID]: platform.publicKey.publicPem } }));
    answering({ body: '{}', serial: PLATFORM_SERIAL });
    const other = await publicKeyOnly.v3.a.get().catch((e: unknown) => e as VerificationError);
    expect(other.message).toContain(`signed by the platform certificate ${PLATFORM_SERIAL}, which is not configured`);
    expect(other.message).toContain(`configured: no platform certificate; platform public key ${PUBLIC_KEY_ID}`);
  });
});

describe('documented exceptions', () => {
  it('accepts an unsigned bill download and hands over the bytes', async () => {
    const bill = Buffer.from('\uFEFF交易时间,公众账号ID\n`2025-01-01,`wx1\n');
    platform.respond = () => ({ body: bill, unsigned: true, headers: { 'Content-Type': 'application/octet-stream' } });
    const response = await client.v3.billdownload.file.get({ query: { token: 'abc' } });
    expect(Buffer.isBuffer(response.data)).toBe(true);
    expect(response.data.equals(bill)).toBe(true);
  });

  it('can stream an unsigned download', async () => {
    platform.respond = () => ({ body: 'gzip-bytes', unsigned: true, headers: { 'Content-Type': 'application/x-gzip' } });
    const response = await client.v3.billdownload.file.get({ query: { token: 'abc' }, responseType: 'stream' });
    const chunks: Buffer[] = [];
    for await (const chunk of response.data) chunks.push(chunk);
    expect(Buffer.concat(chunks).toString()).toBe('gzip-bytes');
  });

  it('still verifies the signed media upload next to the unsigned media download', async () => {
    platform.respond = () => ({ body: '{"media_id":"m"}', unsigned: true });
    await expect(client.v3.merchantService.images.upload.post({ json: {} })).rejects.toMatchObject({ code: 'EV3_RES_HEADERS_INCOMPLETE' });
    platform.respond = () => ({ body: 'PNG', unsigned: true, headers: { 'Content-Type': 'image/png' } });
    const image = await client.v3.merchantService.images._media_id_.get({ media_id: 'abc' });
    expect(image.data.toString()).toBe('PNG');
  });

  it('verifies overseas statements over {"sha1":...} and checks the SHA-1 of the body', async () => {
    const csv = 'date,amount\n2025-01-01,100\n';
    platform.respond = () => ({ body: csv, statement: true, headers: { 'Content-Type': 'text/csv' } });
    expect((await client.hk.v3.statements.get({ query: { date: '20250101' } })).data).toBe(csv);
    expect((await client.v3.global.statements.get({ query: { date: '20250101' } })).data).toBe(csv);

    platform.respond = () => ({ body: csv, statement: true, headers: { 'Content-Type': 'text/csv' }, tamperBody: () => Buffer.from(csv.replace('100', '900')) });
    await expect(client.v3.global.statements.get()).rejects.toMatchObject({ code: 'EV3_RES_STATEMENT_SHA1' });
  });
});

describe('non-2xx answers', () => {
  it('become an ApiError with status, code, message, detail, request id and raw body', async () => {
    const body = JSON.stringify({ code: 'PARAM_ERROR', message: '参数错误', detail: { field: 'amount.total', location: 'body' } });
    platform.respond = () => ({ status: 400, body, headers: { 'Request-ID': '08F1B2C3-REQ' } });
    const error = await client.v3.pay.transactions.native.post({ json: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400, code: 'PARAM_ERROR', detail: { field: 'amount.total', location: 'body' }, requestId: '08F1B2C3-REQ', body, method: 'POST',
    });
    expect(error.message).toContain('参数错误');
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ name: 'ApiError', code: 'PARAM_ERROR', status: 400, requestId: '08F1B2C3-REQ' });
  });

  it('keep the status as the code when the body is not JSON', async () => {
    platform.respond = () => ({ status: 502, body: '<html>Bad Gateway</html>', unsigned: true, headers: { 'Content-Type': 'text/html' } });
    await expect(client.v3.a.get()).rejects.toMatchObject({ status: 502, code: 'HTTP_502' });
  });

  it('resolve when the caller accepts the status with validateStatus', async () => {
    platform.respond = () => ({ status: 404, body: '{"code":"RESOURCE_NOT_EXISTS","message":"no"}' });
    const response = await client.v3.certificates.get({ validateStatus: (status: number) => status === 404 });
    expect(response.status).toBe(404);
    expect(response.data).toEqual({ code: 'RESOURCE_NOT_EXISTS', message: 'no' });
  });
});

describe('replacing certs at run time', () => {
  it('trusts only the new set, without rebuilding the client', async () => {
    const own = Builder.factory(platform.config()) as AnyClient;
    platform.respond = () => ({ body: '{}', serial: PLATFORM_SERIAL });
    await expect(own.v3.a.get()).resolves.toMatchObject({ status: 200 });
    own.setCerts({ [PUBLIC_KEY_ID]: platform.publicKey.publicPem });
    await expect(own.v3.a.get()).rejects.toMatchObject({ code: 'EV3_RES_HEADER_PLATFORM_SERIAL' });
    platform.respond = () => ({ body: '{}', serial: PUBLIC_KEY_ID });
    await expect(own.v3.a.get()).resolves.toMatchObject({ status: 200 });
    expect(() => own.setCerts({})).toThrow(/certs/);
    await expect(own.v3.a.get()).resolves.toMatchObject({ status: 200 });
  });
});

describe('verifySigned on its own', () => {
  const key = keyPair('platform');
  const keys = new Map([[PLATFORM_SERIAL, key.publicKey]]);
  const signed = (body: string, timestamp = String(now())) => ({
    headers: {
      'wechatpay-timestamp': timestamp,
      'WECHATPAY-NONCE': 'n',
      'Wechatpay-Serial': PLATFORM_SERIAL,
      'wechatpay-signature': signWith(key.privateKey, `${timestamp}\nn\n${body}\n`),
    },
    raw: Buffer.from(body),
  });

  it('matches header names case-insensitively and signs an empty body as an empty line', () => {
    expect(() => verifySigned(signed('{"x":1}'), { keys })).not.toThrow();
    expect(() => verifySigned(signed(''), { keys })).not.toThrow();
  });

  it('honours a custom clock window and clock', () => {
    const message = signed('{}', String(now() - 100));
    expect(() => verifySigned(message, { keys, maxClockOffset: 60 })).toThrow(VerificationError);
    expect(() => verifySigned(message, { keys, maxClockOffset: 60, now: () => now() - 100 })).not.toThrow();
  });

  it('verifies raw bytes, so a body that is not valid UTF-8 is checked exactly', () => {
    const raw = Buffer.from([0x7b, 0xff, 0xfe, 0x7d]);
    const timestamp = String(now());
    const signature = signWith(key.privateKey, Buffer.concat([Buffer.from(`${timestamp}\nn\n`), raw, Buffer.from('\n')]));
    const headers = { 'Wechatpay-Timestamp': timestamp, 'Wechatpay-Nonce': 'n', 'Wechatpay-Serial': PLATFORM_SERIAL, 'Wechatpay-Signature': signature };
    expect(() => verifySigned({ headers, raw }, { keys })).not.toThrow();
    expect(() => verifySigned({ headers, raw: Buffer.from(raw.toString('utf8')) }, { keys })).toThrow(VerificationError);
  });
});
