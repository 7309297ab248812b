/**
 * Notification.parseV2 on APIv2 notifications written here with node:crypto alone (signs and req_info made
 * independently of the SDK's Hash and AesEcb): what is accepted, and every refusal, typed.
 */
import { createCipheriv, createHash, createHmac } from 'node:crypto';
import { inspect } from 'node:util';
import { ConfigError, VerificationError } from '../../lib/errors.js';
import { Notification } from '../../lib/helpers/notification.js';
import { thrown } from '../support/thrown.js';

const SECRET = 'V2SeCrEt0123456789abcdefghijklmn';
const MCHID = '10000100';

function sign(fields: Record<string, string>, type: 'MD5' | 'HMAC-SHA256', secret = SECRET): string {
  const text = `${Object.keys(fields).filter((k) => k !== 'sign' && fields[k] !== '').sort().map((k) => `${k}=${fields[k]}`).join('&')}&key=${secret}`;
  return (type === 'HMAC-SHA256' ? createHmac('sha256', secret).update(text) : createHash('md5').update(text)).digest('hex').toUpperCase();
}
const xml = (fields: Record<string, string>) => `<xml>${Object.entries(fields).map(([k, v]) => `<${k}><![CDATA[${v}]]></${k}>`).join('')}</xml>`;

const PAYMENT = {
  appid: 'wx2421b1c4370ec43b', attach: '支付测试', bank_type: 'CFT', fee_type: 'CNY', is_subscribe: 'Y', mch_id: MCHID,
  nonce_str: '5d2b6c2a8db53831f7eda20af46e531c', openid: 'oUpF8uMEb4qRXf22hE3X68TekukE', out_trade_no: '1409811653',
  result_code: 'SUCCESS', return_code: 'SUCCESS', time_end: '20140903131540', total_fee: '1', cash_fee: '1', coupon_fee: '10',
  coupon_count: '1', coupon_type_0: 'CASH', coupon_id_0: '10000', trade_type: 'JSAPI', transaction_id: '1004400740201409030005092168',
};
const signed = (fields: Record<string, string>, type: 'MD5' | 'HMAC-SHA256' = 'MD5', secret = SECRET) => ({ ...fields, sign: sign(fields, type, secret) });

const REFUND_INFO = {
  out_refund_no: '131811191610442717309', out_trade_no: '71106718111915575302817', refund_account: 'REFUND_SOURCE_RECHARGE_FUNDS',
  refund_fee: '3960', refund_id: '50000408942018111907145868882', refund_recv_accout: '支付用户零钱', refund_request_source: 'API',
  refund_status: 'SUCCESS', settlement_refund_fee: '3960', settlement_total_fee: '3960', success_time: '2018-11-19 16:24:13',
  total_fee: '3960', transaction_id: '4200000215201811190261405420',
};
function reqInfo(plaintext: string, secret = SECRET): string {
  const key = Buffer.from(createHash('md5').update(secret).digest('hex'));
  const cipher = createCipheriv('aes-256-ecb', key, null);
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}
const refund = (info = reqInfo(`<root>${xml(REFUND_INFO).slice(5, -6)}</root>`)) => xml({
  return_code: 'SUCCESS', appid: 'wx2421b1c4370ec43b', mch_id: MCHID, nonce_str: 'TeqClE3i0mvn3DrK', req_info: info,
});

function refused(body: unknown, code: VerificationError['code'], text?: RegExp, options: { secret?: string; mchid?: string } = {}): VerificationError {
  const error = thrown(() => Notification.parseV2({ body: body as string }, { secret: SECRET, ...options }));
  expect(error).toBeInstanceOf(VerificationError);
  expect((error as VerificationError).code).toBe(code);
  if (text) expect(error.message).toMatch(text);
  return error as VerificationError;
}

describe('Notification.parseV2: payment results', () => {
  it('checks an MD5 sign and returns the fields as strings', () => {
    const result = Notification.parseV2({ headers: { 'Content-Type': 'text/xml' }, body: xml(signed(PAYMENT)) }, { secret: SECRET });
    expect(result).toEqual(signed(PAYMENT));
  });

  it('checks HMAC-SHA256 when sign_type says so, and when a 64-character sign tells it without sign_type', () => {
    const said = signed({ ...PAYMENT, sign_type: 'HMAC-SHA256' }, 'HMAC-SHA256');
    expect(Notification.parseV2({ body: Buffer.from(xml(said)) }, { secret: SECRET })).toMatchObject({ sign_type: 'HMAC-SHA256' });
    const told = signed(PAYMENT, 'HMAC-SHA256');
    expect(Notification.parseV2({ body: xml(told) }, { secret: SECRET, mchid: MCHID })).toMatchObject({ transaction_id: PAYMENT.transaction_id });
    // sign_type decides: an HMAC-SHA256 sign announced as MD5 does not verify
    refused(xml({ ...told, sign_type: 'MD5' }), 'EV2_NOTIFY_SIGN');
  });

  it('refuses an altered field, another secret, no sign, an unknown sign_type', () => {
    refused(xml({ ...signed(PAYMENT), total_fee: '100' }), 'EV2_NOTIFY_SIGN', /sign does not match/);
    refused(xml(signed(PAYMENT, 'MD5', 'AnotherSecret0123456789abcdefghi')), 'EV2_NOTIFY_SIGN');
    refused(xml(PAYMENT), 'EV2_NOTIFY_SIGN', /carries no sign/);
    refused(xml(signed({ ...PAYMENT, sign_type: 'SHA1' })), 'EV2_NOTIFY_SIGN', /sign_type SHA1/);
  });

  it('refuses another merchant, return_code FAIL, XML with a DOCTYPE, and anything but the raw body', () => {
    refused(xml(signed(PAYMENT)), 'EV2_NOTIFY_BODY', /for merchant 10000100, not 1900000109/, { mchid: '1900000109' });
    refused(xml({ return_code: 'FAIL', return_msg: '签名失败' }), 'EV2_NOTIFY_BODY', /return_code=FAIL: 签名失败/);
    refused('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><a>&e;</a></xml>', 'EV2_NOTIFY_BODY', /not acceptable XML/);
    refused(signed(PAYMENT), 'EV2_NOTIFY_BODY', /raw XML body .* already-parsed object/);
    refused(undefined, 'EV2_NOTIFY_BODY');
  });
});

describe('Notification.parseV2: refund results', () => {
  it('decrypts req_info with md5(secret) and returns it parsed in place of the ciphertext', () => {
    const result = Notification.parseV2({ body: refund() }, { secret: SECRET, mchid: MCHID });
    expect(result).toEqual({ return_code: 'SUCCESS', appid: 'wx2421b1c4370ec43b', mch_id: MCHID, nonce_str: 'TeqClE3i0mvn3DrK', req_info: REFUND_INFO });
    if (!('req_info' in result)) throw new Error('a refund');
    expect(result.req_info.refund_status).toBe('SUCCESS');
  });

  it('refuses a req_info encrypted with another secret, altered, empty, or not XML', () => {
    refused(refund(reqInfo('<root><a>1</a></root>', 'AnotherSecret0123456789abcdefghi')), 'EV2_NOTIFY_REQ_INFO', /does not decrypt/);
    refused(refund('AAAA'), 'EV2_NOTIFY_REQ_INFO');
    refused(refund(''), 'EV2_NOTIFY_REQ_INFO', /empty/);
    refused(refund(reqInfo('not xml <')), 'EV2_NOTIFY_REQ_INFO', /not XML/);
  });
});

describe('setup and replies', () => {
  it('checks the secret where it is given, and never shows it', () => {
    expect(thrown(() => Notification.parseV2({ body: refund() }, { secret: 'short' }))).toBeInstanceOf(ConfigError);
    const error = refused(xml(signed(PAYMENT, 'MD5', 'AnotherSecret0123456789abcdefghi')), 'EV2_NOTIFY_SIGN');
    expect(`${inspect(error)} ${JSON.stringify(error)} ${error.stack}`).not.toContain(SECRET);
  });

  it('replies the XML the platform expects', () => {
    expect(Notification.successV2()).toEqual({
      status: 200, headers: { 'Content-Type': 'text/xml; charset=utf-8' }, body: '<xml><return_code>SUCCESS</return_code><return_msg>OK</return_msg></xml>',
    });
    expect(Notification.failureV2('busy').body).toBe('<xml><return_code>FAIL</return_code><return_msg>busy</return_msg></xml>');
  });
});
