/**
 * A client written here with node:crypto and node:http only (no SDK code) calls the sandbox: correctly
 * signed requests are accepted and their answers verify with the platform's keys read from the files
 * sandbox.json names; every way of getting the signature wrong is refused with 401 SIGN_ERROR.
 */
import { constants, createDecipheriv, createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, publicEncrypt, randomBytes, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';

let sandbox: Sandbox;
let merchantKey: KeyObject;
let mchid: string;
let serial: string;

const file = (ref: string) => readFileSync(ref.replace(/^file:\/\//, ''));

beforeAll(async () => {
  sandbox = await startSandbox();
  ({ mchid, serial } = sandbox.config);
  merchantKey = createPrivateKey(file(sandbox.config.privateKey));
}, 30_000);
afterAll(() => sandbox.close());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

function send(method: string, target: string, body: Buffer | string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const { hostname, port } = new URL(sandbox.baseURL);
    // `path` goes out as written (a URL would resolve `..` first).
    const req = request({ hostname, port, path: target, method, headers: { ...headers, 'Content-Length': String(Buffer.byteLength(body)) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

interface SignOptions {
  key?: KeyObject;
  mchid?: string;
  serial?: string;
  timestamp?: number;
  /** Sign this instead of the body sent. */
  signedBody?: string;
  signedTarget?: string;
}

/** `WECHATPAY2-SHA256-RSA2048 ...` for a request, by hand. */
function authorization(method: string, target: string, body: string, options: SignOptions = {}): string {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const nonce = randomBytes(16).toString('hex').toUpperCase();
  const message = `${method}\n${options.signedTarget ?? target}\n${timestamp}\n${nonce}\n${options.signedBody ?? body}\n`;
  const signature = sign('sha256', Buffer.from(message), options.key ?? merchantKey).toString('base64');
  return `WECHATPAY2-SHA256-RSA2048 mchid="${options.mchid ?? mchid}",nonce_str="${nonce}",signature="${signature}",timestamp="${timestamp}",serial_no="${options.serial ?? serial}"`;
}

function call(method: string, target: string, body = '', options: SignOptions = {}, headers: Record<string, string> = {}): Promise<Answer> {
  return send(method, target, body, {
    Accept: 'application/json', 'Content-Type': 'application/json', Authorization: authorization(method, target, body, options), ...headers,
  });
}

/** Verifies an answer's signature with the platform key its Wechatpay-Serial names (from the files of sandbox.json). */
function answerVerifies(answer: Answer): boolean {
  const h = (name: string) => String(answer.headers[name.toLowerCase()]);
  const key = sandbox.config.certs[h('Wechatpay-Serial')];
  if (!key) return false;
  const message = Buffer.concat([Buffer.from(`${h('Wechatpay-Timestamp')}\n${h('Wechatpay-Nonce')}\n`), answer.body, Buffer.from('\n')]);
  return verify('sha256', message, createPublicKey(file(key)), Buffer.from(h('Wechatpay-Signature'), 'base64'));
}

const json = (answer: Answer) => JSON.parse(answer.body.toString('utf8'));

describe('an independent APIv3 client', () => {
  it('is accepted, and the answer verifies with the platform certificate; the certificate decrypts with the APIv3 key', async () => {
    const answer = await call('GET', '/v3/certificates');
    expect(answer.status).toBe(200);
    expect(answer.headers['request-id']).toMatch(/^08[0-9A-F]{30}$/);
    expect(answer.headers['wechatpay-serial']).toBe(sandbox.platform.serial);
    expect(answerVerifies(answer)).toBe(true);
    const [entry] = json(answer).data;
    const { nonce, associated_data: aad, ciphertext } = entry.encrypt_certificate;
    const bytes = Buffer.from(ciphertext, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', Buffer.from(sandbox.config.apiv3Key), Buffer.from(nonce));
    decipher.setAuthTag(bytes.subarray(-16));
    decipher.setAAD(Buffer.from(aad));
    const pem = Buffer.concat([decipher.update(bytes.subarray(0, -16)), decipher.final()]).toString('utf8');
    expect(pem).toBe(file(sandbox.config.certs[entry.serial_no]!).toString('utf8'));
    expect(new X509Certificate(pem).serialNumber).toBe(entry.serial_no);
  });

  it('is accepted with a body and a query, signed over the exact bytes and target sent', async () => {
    const body = JSON.stringify({ brand_id: '120344', out_request_no: 'ind-1', code_list: ['Z1', 'Z1'] });
    const answer = await call('POST', '/v3/marketing/partner/product-coupon/product-coupons/P/stocks/S/upload-coupon-codes', body);
    expect(answer.status).toBe(200);
    expect(answerVerifies(answer)).toBe(true);
    expect(json(answer)).toMatchObject({ total_count: 1, success_code_list: ['Z1'], duplicate_code_list: ['Z1'] });
    const query = await call('GET', '/v3/bill/tradebill?bill_date=2025-01-01&bill_type=ALL');
    expect(query.status).toBe(200);
    expect(answerVerifies(query)).toBe(true);
  });

  it('gets answers signed with the platform public key when it names the PUB_KEY_ID', async () => {
    const answer = await call('GET', '/v3/certificates', '', {}, { 'Wechatpay-Serial': sandbox.platform.publicKeyId });
    expect(answer.headers['wechatpay-serial']).toBe(sandbox.platform.publicKeyId);
    expect(answerVerifies(answer)).toBe(true);
  });

  it('sends a sensitive field encrypted with the platform public key (RSA-OAEP), and garbage is refused', async () => {
    const key = createPublicKey(file(sandbox.config.certs[sandbox.platform.publicKeyId]!));
    const name = publicEncrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING }, Buffer.from('张三')).toString('base64');
    const receiver = (value: string) => JSON.stringify({ appid: 'wx8888888888888888', type: 'MERCHANT_ID', account: '86693852', name: value, relation_type: 'SERVICE_PROVIDER' });
    const ok = await call('POST', '/v3/profitsharing/receivers/add', receiver(name), {}, { 'Wechatpay-Serial': sandbox.platform.publicKeyId });
    expect(ok.status).toBe(200);
    const bad = await call('POST', '/v3/profitsharing/receivers/add', receiver('not encrypted'), {}, { 'Wechatpay-Serial': sandbox.platform.publicKeyId });
    expect(bad.status).toBe(400);
    expect(json(bad)).toMatchObject({ code: 'PARAM_ERROR', detail: { field: '/name', location: 'body' } });
    const unknown = await call('POST', '/v3/profitsharing/receivers/add', receiver(name), {}, { 'Wechatpay-Serial': 'PUB_KEY_ID_0000' });
    expect(json(unknown)).toMatchObject({ code: 'PARAM_ERROR', detail: { field: 'Wechatpay-Serial', location: 'header' } });
  });
});

describe('wrong signatures are refused with 401 SIGN_ERROR', () => {
  const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const target = '/v3/marketing/partner/product-coupon/product-coupons/P/stocks/S/upload-coupon-codes';
  const body = JSON.stringify({ brand_id: '120344', out_request_no: 'ind-2', code_list: ['Y1'] });

  it.each([
    ['signed with another key', {}, { key: stranger }, /does not verify/],
    ['a body byte changed after signing', {}, { signedBody: body.replace('Y1', 'Y2') }, /does not verify/],
    ['the target changed after signing', {}, { signedTarget: target.replace('/P/', '/Q/') }, /does not verify/],
    ['a stale timestamp', {}, { timestamp: Math.floor(Date.now() / 1000) - 301 }, /-30\d s away/],
    ['a timestamp from the future', {}, { timestamp: Math.floor(Date.now() / 1000) + 400 }, /s away/],
    ['an unknown serial', {}, { serial: 'ABCDEF0123456789ABCDEF0123456789ABCDEF01' }, /serial_no/],
    ['an unknown merchant', {}, { mchid: '1900000001' }, /mchid 1900000001/],
  ] as const)('%s', async (_name, _unused, options, message) => {
    const answer = await call('POST', target, body, options);
    expect(answer.status).toBe(401);
    expect(json(answer)).toMatchObject({ code: 'SIGN_ERROR', message: expect.stringMatching(message) });
    expect(answer.headers['request-id']).toBeDefined();
  });

  it('no Authorization, or another scheme', async () => {
    const none = await send('GET', '/v3/certificates', '', {});
    expect([none.status, json(none).code]).toEqual([401, 'SIGN_ERROR']);
    const basic = await send('GET', '/v3/certificates', '', { Authorization: 'Basic dXNlcjpwYXNz' });
    expect([basic.status, json(basic).code]).toEqual([401, 'SIGN_ERROR']);
  });

  it('and nothing of a refused request happens: the codes were not uploaded', async () => {
    const answer = await call('POST', target, body);
    expect(json(answer).success_code_list).toEqual(['Y1']);
  });

  it('unknown routes are 404, before any signature check', async () => {
    const answer = await send('GET', '/v3/no/such/api', '', {});
    expect([answer.status, json(answer).code]).toEqual([404, 'NOT_FOUND']);
    // The path is routed as sent: no `..` resolution behind the signature's back.
    const dotted = await call('GET', '/v3/bill/../certificates');
    expect([dotted.status, json(dotted).code]).toEqual([404, 'NOT_FOUND']);
    const method = await call('DELETE', '/v3/certificates');
    expect([method.status, json(method).code, json(method).message]).toEqual([404, 'NOT_FOUND', expect.stringContaining('only GET')]);
  });
});

describe('an independent APIv2 client', () => {
  const toXml = (fields: Record<string, string>) => `<xml>${Object.entries(fields).map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join('')}</xml>`;
  const fromXml = (xml: string) => Object.fromEntries([...xml.matchAll(/<(\w+)>(?:<!\[CDATA\[([\s\S]*?)\]\]>|([^<]*))<\/\1>/g)].map((m) => [m[1]!, m[2] ?? m[3] ?? '']));
  const signOf = (fields: Record<string, string>, type: string, secret = sandbox.config.secret) => {
    const text = `${Object.keys(fields).filter((k) => k !== 'sign' && fields[k] !== '').sort().map((k) => `${k}=${fields[k]}`).join('&')}&key=${secret}`;
    return (type === 'HMAC-SHA256' ? createHmac('sha256', secret).update(text) : createHash('md5').update(text)).digest('hex').toUpperCase();
  };
  const order = () => ({ appid: 'wx2421b1c4370ec43b', mch_id: mchid, nonce_str: randomBytes(16).toString('hex'), transaction_id: '1009660380201506130728806387', out_trade_no: '20150806125346' });

  it.each(['MD5', 'HMAC-SHA256'])('signs with %s and gets an answer signed the same way', async (type) => {
    const fields: Record<string, string> = { ...order(), ...(type === 'MD5' ? {} : { sign_type: type }) };
    const answer = await send('POST', '/pay/orderquery', toXml({ ...fields, sign: signOf(fields, type) }), { 'Content-Type': 'text/xml' });
    const result = fromXml(answer.body.toString('utf8'));
    expect(result).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS', mch_id: mchid, appid: 'wx2421b1c4370ec43b' });
    expect(result['sign']).toHaveLength(type === 'MD5' ? 32 : 64);
    expect(result['sign']).toBe(signOf(result, type));
  });

  it('a wrong sign, or another merchant, is FAIL', async () => {
    const fields = order();
    const wrong = fromXml((await send('POST', '/pay/orderquery', toXml({ ...fields, sign: signOf(fields, 'MD5', 'x'.repeat(32)) }), {})).body.toString());
    expect(wrong).toMatchObject({ return_code: 'FAIL', return_msg: expect.stringContaining('签名错误') });
    const other = { ...fields, mch_id: '1900000109' };
    const refused = fromXml((await send('POST', '/pay/orderquery', toXml({ ...other, sign: signOf(other, 'MD5') }), {})).body.toString());
    expect(refused).toMatchObject({ return_code: 'FAIL', return_msg: expect.stringContaining('mch_id 1900000109') });
  });
});
