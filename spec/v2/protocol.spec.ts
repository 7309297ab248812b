import { createHash, createHmac } from 'node:crypto';
import { ApiError, RequestError, VerificationError } from '../../lib/errors.js';
import { signPayload } from '../../lib/v2/signer.js';
import { verifyV2Response } from '../../lib/v2/verifier.js';

const SECRET = '192006250b4c09247ec02edce69f6a2d';
const MCHID = '10000100';

/** The APIv2 sign written out independently: sorted k=v&...&key=SECRET, MD5 or HMAC-SHA256, upper-case. */
function independentSign(fields: Record<string, string>, type: 'MD5' | 'HMAC-SHA256', secret = SECRET): string {
  const text = Object.keys(fields).filter((k) => k !== 'sign' && fields[k] !== '').sort()
    .map((k) => `${k}=${fields[k]}`).join('&') + `&key=${secret}`;
  return (type === 'MD5' ? createHash('md5').update(text) : createHmac('sha256', secret).update(text)).digest('hex').toUpperCase();
}

function xml(fields: Record<string, string>): Buffer {
  return Buffer.from(`<xml>${Object.entries(fields).map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join('')}</xml>`);
}

describe('signPayload (docs/protocol.md#apiv2-xml)', () => {
  const vector = { appid: 'wxd930ea5d5a258f4f', body: 'test', device_info: 1000, mch_id: MCHID, nonce_str: 'ibuaiVcKdpRxkhJA' };

  it('matches the protocol test vectors (MD5 default, HMAC-SHA256 by sign_type)', () => {
    expect(signPayload(vector, { mchid: MCHID, secret: SECRET }).sign).toBe('9A0A8659F005D6984697E2CA0A9CF3B7');
    const hmac = signPayload({ ...vector, sign_type: 'HMAC-SHA256' }, { mchid: MCHID, secret: SECRET });
    expect(hmac.sign).toBe(independentSign({ ...vector, device_info: '1000', sign_type: 'HMAC-SHA256' }, 'HMAC-SHA256'));
  });

  it('adds a 32-character nonce_str unless nonceless, and replaces a given sign', () => {
    const signed = signPayload({ mch_id: MCHID, sign: 'FORGED' }, { mchid: MCHID, secret: SECRET });
    expect(signed.nonce_str).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(signed.sign).toBe(independentSign(signed, 'MD5'));
    expect(signPayload({ mch_id: MCHID }, { mchid: MCHID, secret: SECRET, nonceless: true }).nonce_str).toBeUndefined();
  });

  it.each(['mch_id', 'mchid', 'combine_mch_id'])('refuses a payload whose %s names another merchant', (field) => {
    expect(() => signPayload({ [field]: '1900000001' }, { mchid: MCHID, secret: SECRET })).toThrow(RequestError);
  });

  it('refuses a payload that names no merchant (wechatpay-php does too)', () => {
    expect(() => signPayload({}, { mchid: MCHID, secret: SECRET })).toThrow(/names no merchant/);
    expect(() => signPayload({ appid: 'wx', mch_id: undefined }, { mchid: MCHID, secret: SECRET })).toThrow(RequestError);
  });

  it('refuses an unknown sign_type and never signs without the secret', () => {
    expect(() => signPayload({ mch_id: MCHID, sign_type: 'SHA1' }, { mchid: MCHID, secret: SECRET })).toThrow(/sign_type/);
    expect(() => signPayload({ mch_id: MCHID }, { mchid: MCHID, secret: '' })).toThrow();
  });
});

describe('verifyV2Response', () => {
  const ok = (type: 'MD5' | 'HMAC-SHA256' = 'MD5', extra: Record<string, string> = {}) => {
    const fields = { return_code: 'SUCCESS', return_msg: 'OK', appid: 'wx', mch_id: MCHID, nonce_str: 'n', result_code: 'SUCCESS', prepay_id: 'wx201410272009395522657a690389285100', ...extra };
    return { ...fields, sign: independentSign(fields, type) };
  };

  it('accepts an MD5 or HMAC-SHA256 signed answer and returns its fields as strings', () => {
    expect(verifyV2Response(xml(ok()), { secret: SECRET })).toMatchObject({ prepay_id: 'wx201410272009395522657a690389285100' });
    expect(verifyV2Response(xml(ok('HMAC-SHA256')), { secret: SECRET }).result_code).toBe('SUCCESS');
    expect(verifyV2Response(xml(ok('MD5', { total_fee: '0100' })), { secret: SECRET }).total_fee).toBe('0100');
  });

  it.each<[string, Buffer, object]>([
    ['a changed field', xml({ ...ok(), prepay_id: 'wx-other' }), { code: 'EV2_RES_SIGN', constructor: VerificationError }],
    ['no sign', xml(Object.fromEntries(Object.entries(ok()).filter(([k]) => k !== 'sign'))), { code: 'EV2_RES_SIGN' }],
    ['a sign made with another secret', xml({ ...ok(), sign: independentSign(ok(), 'MD5', 'x'.repeat(32)) }), { code: 'EV2_RES_SIGN' }],
    ['an external entity', Buffer.from('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>'), { code: 'EV2_RES_XML' }],
    ['an HTML error page', Buffer.from('<html><head><title>502</title></head><body><hr></body></html>'), { code: 'EV2_RES_XML' }],
    ['return_code FAIL', xml({ return_code: 'FAIL', return_msg: '签名错误' }), { code: 'FAIL', constructor: ApiError }],
    ['result_code FAIL (a business error, once the sign holds)', xml((() => {
      const fields = { return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'ORDERPAID', err_code_des: '该订单已支付', mch_id: MCHID };
      return { ...fields, sign: independentSign(fields, 'MD5') };
    })()), { code: 'ORDERPAID', constructor: ApiError }],
  ])('rejects %s', (_label, raw, match) => {
    expect(() => verifyV2Response(raw, { secret: SECRET })).toThrow(expect.objectContaining(match));
  });

  it('does not trust a forged result_code FAIL either: the sign is checked first', () => {
    const forged = xml({ return_code: 'SUCCESS', result_code: 'FAIL', err_code: 'ORDERPAID', sign: 'AAAA' });
    expect(() => verifyV2Response(forged, { secret: SECRET })).toThrow(expect.objectContaining({ code: 'EV2_RES_SIGN' }));
  });

  it('accepts the documented unsigned answers without a sign', () => {
    expect(verifyV2Response(xml({ return_code: 'SUCCESS', result_code: 'SUCCESS', mch_billno: 'b1' }), { secret: SECRET, unsigned: true }).mch_billno).toBe('b1');
  });
});
