/**
 * APIv2 over the client, against a local XML platform written with node:crypto and node:http only:
 * it checks the request's sign independently and answers signed (or tampered) XML.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { Builder } from '../../lib/core/builder.js';
import { ApiError, VerificationError } from '../../lib/errors.js';
import { createCertificate } from '../../lib/sandbox/self-signed.js';
import { keyPair, MCHID, MERCHANT_SERIAL, PLATFORM_SERIAL } from '../support/platform.js';

type AnyClient = any;
const SECRET = 'V2SeCrEt0123456789abcdefghijklmn';

function sign(fields: Record<string, string>, type = 'MD5', secret = SECRET): string {
  const text = `${Object.keys(fields).filter((k) => k !== 'sign' && fields[k] !== '').sort().map((k) => `${k}=${fields[k]}`).join('&')}&key=${secret}`;
  return (type === 'HMAC-SHA256' ? createHmac('sha256', secret).update(text) : createHash('md5').update(text)).digest('hex').toUpperCase();
}
const toXml = (fields: Record<string, string>) => `<xml>${Object.entries(fields).map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join('')}</xml>`;
const fromXml = (xml: string) => Object.fromEntries([...xml.matchAll(/<(\w+)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)].map((m) => [m[1]!, m[2] ?? m[3] ?? '']));

interface Seen {
  method: string;
  path: string;
  query: Record<string, string>;
  fields: Record<string, string>;
  signOk: boolean;
}

let server: Server;
let baseURL = '';
const seen: Seen[] = [];
let answer: (request: Seen) => { status?: number; body: string; type?: string } = () => ({ body: '' });

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const query = Object.fromEntries(url.searchParams);
      const fields = req.method === 'GET' ? query : fromXml(Buffer.concat(chunks).toString());
      const request = { method: req.method ?? '', path: url.pathname, query, fields, signOk: fields['sign'] === sign(fields, fields['sign_type'] ?? 'MD5') };
      seen.push(request);
      const { status, body, type } = answer(request);
      res.writeHead(status ?? 200, { 'Content-Type': type ?? 'text/xml' }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const merchant = keyPair('merchant');
const client = (extra: Record<string, unknown> = {}) => Builder.factory({
  mchid: MCHID, serial: MERCHANT_SERIAL, privateKey: merchant.privatePem, certs: { [PLATFORM_SERIAL]: keyPair('platform').publicPem },
  secret: SECRET, baseURL, ...extra,
}) as AnyClient;

function signedAnswer(fields: Record<string, string>, type = 'MD5') {
  return toXml({ ...fields, sign: sign(fields, type) });
}

describe('APIv2 requests', () => {
  it('sends signed XML to the path without v2/, and resolves the verified fields', async () => {
    answer = () => ({ body: signedAnswer({ return_code: 'SUCCESS', result_code: 'SUCCESS', mch_id: MCHID, prepay_id: 'wx2014', nonce_str: 'x' }) });
    const response = await client().v2.pay.unifiedorder.post({ xml: { appid: 'wx8888888888888888', mch_id: MCHID, body: 'A&B <test>', out_trade_no: '1415659990', total_fee: 1, spbill_create_ip: '14.23.150.211', notify_url: 'https://example.com/notify', trade_type: 'NATIVE' } });
    expect(response.data).toMatchObject({ prepay_id: 'wx2014', result_code: 'SUCCESS' });
    const request = seen.at(-1)!;
    expect([request.method, request.path]).toEqual(['POST', '/pay/unifiedorder']);
    expect(request.signOk).toBe(true);
    expect(request.fields).toMatchObject({ body: 'A&B <test>', total_fee: '1', nonce_str: expect.stringMatching(/^[0-9A-Za-z]{32}$/) });
  });

  it('signs with HMAC-SHA256 when sign_type says so, and verifies a 64-hex sign', async () => {
    answer = () => ({ body: signedAnswer({ return_code: 'SUCCESS', result_code: 'SUCCESS', mch_id: MCHID }, 'HMAC-SHA256') });
    await client().chain('v2/pay/orderquery').post({ xml: { appid: 'wx', mch_id: MCHID, out_trade_no: '1', sign_type: 'HMAC-SHA256' } });
    expect(seen.at(-1)!.signOk).toBe(true);
    expect(seen.at(-1)!.fields['sign']).toHaveLength(64);
  });

  it('puts the signed fields in the query for the GET endpoints', async () => {
    answer = () => ({ body: '<html>redirect</html>', type: 'text/html' });
    const response = await client().v2.papay.entrustweb.get({ xml: { appid: 'wx', mch_id: MCHID, plan_id: '12535', contract_code: '100000', request_serial: 1000, contract_display_account: '微信代扣', notify_url: 'https://example.com', version: '1.0', timestamp: '1414488825' } });
    expect(response.data).toBe('<html>redirect</html>');
    const request = seen.at(-1)!;
    expect(request.method).toBe('GET');
    expect(request.query['contract_display_account']).toBe('微信代扣');
    expect(request.signOk).toBe(true);
    // written as typed, with `query`: the same fields, all signed
    await client().v2.papay.entrustweb.get({ query: { appid: 'wx', mch_id: MCHID, plan_id: '12535', contract_code: '100001', timestamp: '1414488825' } });
    expect(seen.at(-1)!.query['contract_code']).toBe('100001');
    expect(seen.at(-1)!.signOk).toBe(true);
  });

  it('hands over a downloaded bill as is, and its XML failure as an error', async () => {
    answer = () => ({ body: '交易时间,公众账号ID\n`2025-01-01,`wx\n', type: 'text/plain' });
    expect((await client().v2.pay.downloadbill.post({ xml: { appid: 'wx', mch_id: MCHID, bill_date: '20250101', bill_type: 'ALL' } })).data).toContain('交易时间');
    answer = () => ({ body: toXml({ return_code: 'FAIL', return_msg: 'No Bill Exist' }) });
    await expect(client().v2.pay.downloadbill.post({ xml: { appid: 'wx', mch_id: MCHID, bill_date: '20250101' } })).rejects.toMatchObject({ code: 'FAIL', constructor: ApiError });
  });

  it('rejects tampered answers and surfaces business failures', async () => {
    answer = () => ({ body: toXml({ return_code: 'SUCCESS', result_code: 'SUCCESS', mch_id: MCHID, sign: 'A'.repeat(32) }) });
    await expect(client().v2.pay.orderquery.post({ xml: { mch_id: MCHID } })).rejects.toMatchObject({ code: 'EV2_RES_SIGN', constructor: VerificationError });
    answer = () => ({ body: '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>' });
    await expect(client().v2.pay.orderquery.post({ xml: { mch_id: MCHID } })).rejects.toMatchObject({ code: 'EV2_RES_XML' });
    answer = () => ({ body: signedAnswer({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'ORDERNOTEXIST', err_code_des: '此交易订单号不存在' }) });
    await expect(client().v2.pay.orderquery.post({ xml: { mch_id: MCHID } })).rejects.toMatchObject({ code: 'ORDERNOTEXIST', status: 200 });
  });

  it('refuses a signed answer carrying elements its sign does not cover (nested or repeated)', async () => {
    const fields = { return_code: 'SUCCESS', result_code: 'SUCCESS', mch_id: MCHID, total_fee: '1' };
    const signed = signedAnswer(fields);
    for (const injected of ['<promotion_detail><amount>100000</amount></promotion_detail>', '<total_fee>100000</total_fee>']) {
      answer = () => ({ body: signed.replace('</xml>', `${injected}</xml>`) });
      const error = await client().v2.pay.orderquery.post({ xml: { mch_id: MCHID } }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VerificationError);
      expect(error).toMatchObject({ code: 'EV2_RES_SIGN' });
    }
  });

  it('gives an empty return_code or result_code a code all the same', async () => {
    answer = () => ({ body: toXml({ return_code: '', return_msg: 'x' }) });
    await expect(client().v2.pay.orderquery.post({ xml: { mch_id: MCHID } })).rejects.toMatchObject({ constructor: ApiError, code: 'FAIL' });
    answer = () => ({ body: signedAnswer({ return_code: 'SUCCESS', result_code: '', mch_id: MCHID }) });
    await expect(client().v2.pay.orderquery.post({ xml: { mch_id: MCHID } })).rejects.toMatchObject({ constructor: ApiError, code: 'FAIL' });
  });

  it('resolves exactly the signed fields of an answer (empty ones, which the sign skips, included)', async () => {
    const fields = { return_code: 'SUCCESS', result_code: 'SUCCESS', mch_id: MCHID, total_fee: '1', attach: '' };
    answer = () => ({ body: signedAnswer(fields) });
    const { data } = await client().v2.pay.orderquery.post({ xml: { mch_id: MCHID } });
    expect(data).toEqual({ ...fields, sign: sign(fields) });
  });

  it('passes the nested data of an endpoint documented as answering unsigned (its own rule)', async () => {
    answer = () => ({ body: '<xml><return_code>SUCCESS</return_code><result_code>SUCCESS</result_code><hblist><hbinfo><amount>100</amount></hbinfo></hblist></xml>' });
    const withTls = client({ merchant: { cert: createCertificate({ publicKey: merchant.publicKey, signingKey: merchant.privateKey, serial: MERCHANT_SERIAL, commonName: MCHID }) } });
    const { data } = await withTls.v2.mmpaymkttransfers.gethbinfo.post({ xml: { mch_id: MCHID } });
    expect(data.hblist).toEqual({ hbinfo: { amount: '100' } });
  });

  it('refuses before any I/O: another merchant id, no secret, a cert-required endpoint without the merchant certificate', async () => {
    const before = seen.length;
    await expect(client().v2.pay.orderquery.post({ xml: { mch_id: '1900000001' } })).rejects.toMatchObject({ code: 'EREQUEST_OPTIONS' });
    await expect(client({ secret: undefined }).v2.pay.orderquery.post({ xml: {} })).rejects.toMatchObject({ field: 'secret' });
    await expect(client().v2.secapi.pay.refund.post({ xml: { mch_id: MCHID } })).rejects.toMatchObject({ field: 'merchant' });
    await expect(client().v2.pay.orderquery.post({ xml: { mch_id: MCHID }, security: true })).rejects.toMatchObject({ field: 'merchant' });
    await expect(client().v2.pay.orderquery.post({ json: { mch_id: MCHID } })).rejects.toMatchObject({ code: 'EREQUEST_OPTIONS' });
    const withTls = client({ merchant: { cert: createCertificate({ publicKey: merchant.publicKey, signingKey: merchant.privateKey, serial: MERCHANT_SERIAL, commonName: MCHID }) } });
    const plain = await withTls.v2.pay.orderquery.post({ xml: { mch_id: MCHID }, security: true }).catch((e: unknown) => e);
    expect(plain).toMatchObject({ code: 'EREQUEST_OPTIONS', message: expect.stringMatching(/https:\/\//) });
    await expect(client().v2.pay.orderquery.post({ xml: { mch_id: MCHID }, security: 'yes' })).rejects.toMatchObject({ code: 'EREQUEST_OPTIONS' });
    const media = { getMeta: () => '{}', getContentType: () => 'multipart/form-data; boundary=x', getBody: () => Buffer.from('') };
    await expect(client({ merchant: undefined }).chain('v2/secapi/mch/uploadmedia').post({ multipart: media, security: false })).rejects.toMatchObject({
      code: 'EREQUEST_OPTIONS', message: expect.stringMatching(/takes a MediaUtil/),
    });
    expect(seen.length).toBe(before);
  });

  it('refuses a payload that names no merchant, as wechatpay-php does, instead of sending only nonce_str and sign', async () => {
    const before = seen.length;
    for (const call of [
      () => client().v2.pay.orderquery.post({ xml: {} }),
      () => client().v2.pay.orderquery.post(),
      () => client().v2.pay.orderquery.post({ xml: { appid: 'wx', out_trade_no: '1217752501201407033233368018' } }),
      () => client().chain('v2/papay/entrustweb').get({ query: { appid: 'wx' } }),
    ]) {
      await expect(call()).rejects.toMatchObject({ code: 'EREQUEST_OPTIONS', message: expect.stringMatching(/names no merchant \(mch_id, mchid or combine_mch_id\)/) });
    }
    expect(seen.length).toBe(before);
    answer = () => ({ body: signedAnswer({ return_code: 'SUCCESS', result_code: 'SUCCESS', mchid: MCHID }) });
    await client().v2.mmpaymkttransfers.promotion.transfers.post({ xml: { mchid: MCHID, partner_trade_no: '1' }, security: false });
    expect(seen.at(-1)!.fields).toMatchObject({ mchid: MCHID, sign: expect.any(String) });
  });

  it('loads the merchant certificate for mutual TLS and keeps its key out of sight', async () => {
    const certificate = createCertificate({ publicKey: merchant.publicKey, signingKey: merchant.privateKey, serial: MERCHANT_SERIAL, commonName: MCHID });
    const withTls = client({ merchant: { cert: certificate } });
    answer = () => ({ body: signedAnswer({ return_code: 'SUCCESS', result_code: 'SUCCESS', mch_id: MCHID, refund_id: 'r1' }) });
    // The local platform speaks plain HTTP, so only the request path is exercised here; TLS itself is node's.
    const response = await withTls.v2.secapi.pay.refund.post({ xml: { mch_id: MCHID, out_refund_no: 'r1' } });
    expect(response.data.refund_id).toBe('r1');
    const secret = merchant.privatePem.split('\n')[3]!;
    expect(inspect(response, { depth: 8 })).not.toContain(secret);
    expect(inspect(withTls, { depth: 8 })).not.toContain(secret);
    expect(() => client({ merchant: { cert: certificate, key: keyPair('attacker').privatePem } })).toThrow(/does not belong/);
    const otherSerial = createCertificate({ publicKey: merchant.publicKey, signingKey: merchant.privateKey, serial: '0A0B', commonName: MCHID });
    expect(() => client({ merchant: { cert: otherSerial } })).toThrow(/serial/);
  });
});
