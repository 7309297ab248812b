import { constants, privateDecrypt, publicEncrypt, verify } from 'node:crypto';
import { Builder } from '../../lib/core/builder.js';
import { PayParams } from '../../lib/helpers/pay-params.js';
import { createCertificate } from '../../lib/sandbox/self-signed.js';
import { keyPair, Platform, PLATFORM_SERIAL, PUBLIC_KEY_ID } from '../support/platform.js';

type AnyClient = any;
const platform = new Platform();
beforeAll(() => platform.start());
afterAll(() => platform.stop());

/** Independent OAEP-SHA1 decryption: what the platform does with a sensitive field. */
function platformDecrypt(ciphertext: string, key: import('node:crypto').KeyObject): string {
  return privateDecrypt({ key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from(ciphertext, 'base64')).toString();
}

describe('sensitive fields', () => {
  it('encrypts with the platform public key and sends its id as Wechatpay-Serial on the request that carries it', async () => {
    const client = Builder.factory(platform.config()) as AnyClient;
    const name = client.encrypt('张三');
    expect(platformDecrypt(name, platform.publicKey.privateKey)).toBe('张三');
    platform.respond = () => ({ body: '{}' });
    await client.v3.profitsharing.receivers.add.post({ json: { type: 'PERSONAL_OPENID', account: 'o1', name } });
    expect(platform.last.headers['wechatpay-serial']).toBe(PUBLIC_KEY_ID);
    expect(platform.last.authorized).toBe(true);
    await client.v3.profitsharing.receivers.add.post({ json: { type: 'MERCHANT_ID', account: '1900000109' } });
    expect(platform.last.headers['wechatpay-serial']).toBeUndefined();
  });

  it('without a public key, uses the newest valid platform certificate', async () => {
    const older = keyPair('platform-older');
    const newer = keyPair('platform');
    const expired = keyPair('attacker');
    const day = 24 * 3600 * 1000;
    const cert = (pair: typeof older, serial: string, from: number, to: number) => createCertificate({
      publicKey: pair.publicKey, signingKey: pair.privateKey, serial, commonName: 'Tenpay.com Root CA',
      notBefore: new Date(Date.now() + from * day), notAfter: new Date(Date.now() + to * day),
    });
    const client = Builder.factory(platform.config({
      certs: {
        '1A': cert(older, '1A', -400, 300),
        '3C': cert(expired, '3C', -10, -1),
        [PLATFORM_SERIAL]: cert(newer, PLATFORM_SERIAL, -5, 1800),
      },
    })) as AnyClient;
    platform.respond = () => ({ body: '{}' });
    const cipher = client.encrypt('13800138000');
    expect(platformDecrypt(cipher, newer.privateKey)).toBe('13800138000');
    await client.v3.a.post({ json: { mobile: cipher } });
    expect(platform.last.headers['wechatpay-serial']).toBe(PLATFORM_SERIAL);
  });

  it('keeps a Wechatpay-Serial the caller wrote', async () => {
    const client = Builder.factory(platform.config()) as AnyClient;
    await client.v3.a.post({ json: { name: client.encrypt('x') }, headers: { 'Wechatpay-Serial': 'MINE' } });
    expect(platform.last.headers['wechatpay-serial']).toBe('MINE');
  });

  it('decrypts values returned to the merchant with the merchant key', () => {
    const client = Builder.factory(platform.config()) as AnyClient;
    const fromPlatform = publicEncrypt({ key: platform.merchant.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, Buffer.from('李四')).toString('base64');
    expect(client.decrypt(fromPlatform)).toBe('李四');
    expect(() => client.decrypt(client.encrypt('not for the merchant'))).toThrow(expect.objectContaining({ code: 'ECRYPTO_DECRYPT' }));
  });
});

describe('front-end payment parameters (docs/protocol.md#front-end-payment-parameters)', () => {
  const merchant = keyPair('merchant');

  it('JSAPI / mini-program: paySign over appId, timeStamp, nonceStr, package', () => {
    const params = PayParams.jsapi('wx8888888888888888', 'wx201410272009395522657a690389285100', merchant.privateKey, { timestamp: 1414561699, nonce: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS' });
    expect(params).toMatchObject({ appId: 'wx8888888888888888', timeStamp: '1414561699', nonceStr: '5K8264ILTKCH16CQ2502SI8ZNMTM67VS', package: 'prepay_id=wx201410272009395522657a690389285100', signType: 'RSA' });
    const message = 'wx8888888888888888\n1414561699\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx201410272009395522657a690389285100\n';
    expect(verify('sha256', Buffer.from(message), merchant.publicKey, Buffer.from(params.paySign, 'base64'))).toBe(true);
  });

  it('APP: sign over appid, timestamp, noncestr, prepayid', () => {
    const params = PayParams.app('wxapp', '1230000109', 'wx2014', merchant.privatePem, { timestamp: '1414561699', nonce: 'abc' });
    expect(params).toMatchObject({ appid: 'wxapp', partnerid: '1230000109', prepayid: 'wx2014', package: 'Sign=WXPay', noncestr: 'abc', timestamp: '1414561699' });
    expect(verify('sha256', Buffer.from('wxapp\n1414561699\nabc\nwx2014\n'), merchant.publicKey, Buffer.from(params.sign, 'base64'))).toBe(true);
  });

  it('is bound to the client, fresh timestamp and nonce each time', () => {
    const client = Builder.factory(platform.config()) as AnyClient;
    const a = client.payParams.jsapi('wx1', 'prepay1');
    const b = client.payParams.jsapi('wx1', 'prepay1');
    expect(a.nonceStr).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(a.nonceStr).not.toBe(b.nonceStr);
    expect(Math.abs(Number(a.timeStamp) - Date.now() / 1000)).toBeLessThan(5);
    const message = `wx1\n${a.timeStamp}\n${a.nonceStr}\nprepay_id=prepay1\n`;
    expect(verify('sha256', Buffer.from(message), platform.merchant.publicKey, Buffer.from(a.paySign, 'base64'))).toBe(true);
    expect(client.payParams.app('wxapp', 'p').partnerid).toBe('1230000109');
  });
});
