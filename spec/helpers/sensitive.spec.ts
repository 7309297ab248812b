import { constants, privateDecrypt, publicEncrypt } from 'node:crypto';
import { Builder } from '../../lib/core/builder.js';
import { createCertificate } from '../../lib/sandbox/self-signed.js';
import { keyPair, PLATFORM_SERIAL, PUBLIC_KEY_ID, usePlatform } from '../support/platform.js';

type AnyClient = any;
const platform = usePlatform();

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
