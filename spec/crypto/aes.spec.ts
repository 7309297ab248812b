import { createCipheriv, createHash } from 'node:crypto';
import { inspect } from 'node:util';
import { CryptoError } from '../../lib/errors.js';
import { AesGcm } from '../../lib/crypto/aes-gcm.js';
import { AesEcb } from '../../lib/crypto/aes-ecb.js';
import { expectThrown, thrown } from '../support/thrown.js';

const KEY = '0123456789abcdef0123456789abcdef';
const IV = '0123456789ab';

function expectCryptoError(run: () => unknown, code: CryptoError['code'], text?: RegExp): CryptoError {
  return expectThrown(run, CryptoError, code, text);
}

/** Flips one bit of byte `index` (negative: from the end) of base64 `text`. */
function flip(text: string, index: number): string {
  const bytes = Buffer.from(text, 'base64');
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes.toString('base64');
}

describe('AesGcm', () => {
  it('matches the vector of docs/protocol.md#test-vectors', () => {
    expect(AesGcm.encrypt('hello', KEY, IV, 'certificate')).toBe('8cyLViwuyN4D6+jaX5Ea+OGy5PP9');
    expect(AesGcm.decrypt('8cyLViwuyN4D6+jaX5Ea+OGy5PP9', KEY, IV, 'certificate')).toBe('hello');
  });

  it('is base64(ciphertext || 16-byte tag)', () => {
    const bytes = Buffer.from(AesGcm.encrypt('hello', KEY, IV, 'certificate'), 'base64');
    expect(bytes).toHaveLength(5 + 16);
  });

  it('round-trips UTF-8, empty input, empty aad and Buffer arguments', () => {
    const notification = JSON.stringify({ out_trade_no: '1217752501201407033233368018', payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' }, note: '微信支付' });
    for (const [plaintext, aad] of [
      [notification, 'transaction'],
      ['', ''],
      ['x', ''],
      [Buffer.from('bytes'), Buffer.from('aad')],
    ] as const) {
      const ciphertext = AesGcm.encrypt(plaintext, Buffer.from(KEY), Buffer.from(IV), aad);
      expect(AesGcm.decrypt(ciphertext, KEY, IV, aad)).toBe(plaintext.toString());
    }
    expect(AesGcm.decrypt(AesGcm.encrypt('default aad', KEY, IV), KEY, IV)).toBe('default aad');
    expect(AesGcm.decrypt(AesGcm.encrypt('default aad', KEY, IV, ''), new Uint8Array(Buffer.from(KEY)), IV)).toBe('default aad');
  });

  it('refuses a key that is not exactly 32 bytes, stating the length only', () => {
    for (const [key, length] of [
      [KEY.slice(1), 31],
      [`${KEY}x`, 33],
      ['', 0],
      [Buffer.alloc(16), 16],
      ['密钥'.repeat(6), 36],
    ] as const) {
      const error = expectCryptoError(() => AesGcm.encrypt('x', key, IV), 'ECRYPTO_KEY_LENGTH', new RegExp(`exactly 32 bytes \\(AES-256\\), got ${length}\\.`));
      if (typeof key === 'string' && key !== '') expect(error.message).not.toContain(key);
      expectCryptoError(() => AesGcm.decrypt('8cyLViwuyN4D6+jaX5Ea+OGy5PP9', key, IV, 'certificate'), 'ECRYPTO_KEY_LENGTH');
    }
  });

  it('takes the iv lengths OpenSSL (and so wechatpay-php) takes, 1 to 128 bytes, and agrees with node:crypto', () => {
    for (const length of [1, 8, 16, 64, 128]) {
      const iv = Buffer.alloc(length, 7);
      const sealed = AesGcm.encrypt('hello', KEY, iv, 'certificate');
      const cipher = createCipheriv('aes-256-gcm', Buffer.from(KEY), iv);
      cipher.setAAD(Buffer.from('certificate'));
      const expected = Buffer.concat([cipher.update('hello'), cipher.final(), cipher.getAuthTag()]).toString('base64');
      expect(sealed).toBe(expected);
      expect(AesGcm.decrypt(sealed, KEY, iv, 'certificate')).toBe('hello');
      // the iv is authenticated: a different one of the same length fails
      expectCryptoError(() => AesGcm.decrypt(sealed, KEY, Buffer.alloc(length, 8), 'certificate'), 'ECRYPTO_AUTH');
    }
  });

  it('refuses an empty iv and one longer than 128 bytes', () => {
    expectCryptoError(() => AesGcm.encrypt('x', KEY, ''), 'ECRYPTO_IV_LENGTH', /1 to 128 bytes .*got 0/);
    expectCryptoError(() => AesGcm.decrypt('8cyLViwuyN4D6+jaX5Ea+OGy5PP9', KEY, ''), 'ECRYPTO_IV_LENGTH', /got 0/);
    expectCryptoError(() => AesGcm.encrypt('x', KEY, Buffer.alloc(129)), 'ECRYPTO_IV_LENGTH', /got 129/);
  });

  it('refuses non-base64 input strictly', () => {
    const good = '8cyLViwuyN4D6+jaX5Ea+OGy5PP9';
    for (const bad of [`${good}!`, `*${good}`, `${good.slice(0, 8)} ${good.slice(8)}`, `${good}\n`, good.replace(/\+/g, '-'), 'abc', 42]) {
      expectCryptoError(() => AesGcm.decrypt(bad as string, KEY, IV, 'certificate'), 'ECRYPTO_BASE64', /not canonical base64/);
    }
  });

  it('detects a tampered tag, ciphertext, aad, nonce or key', () => {
    const good = '8cyLViwuyN4D6+jaX5Ea+OGy5PP9';
    for (const run of [
      () => AesGcm.decrypt(flip(good, -1), KEY, IV, 'certificate'),
      () => AesGcm.decrypt(flip(good, -16), KEY, IV, 'certificate'),
      () => AesGcm.decrypt(flip(good, 0), KEY, IV, 'certificate'),
      () => AesGcm.decrypt(good, KEY, IV, 'certificatE'),
      () => AesGcm.decrypt(good, KEY, IV, ''),
      () => AesGcm.decrypt(good, KEY, '0123456789aB', 'certificate'),
      () => AesGcm.decrypt(good, KEY.toUpperCase(), IV, 'certificate'),
    ]) {
      expectCryptoError(run, 'ECRYPTO_AUTH', /authentication failed/);
    }
  });

  it('refuses a truncated tag instead of accepting a shorter one', () => {
    const good = Buffer.from('8cyLViwuyN4D6+jaX5Ea+OGy5PP9', 'base64');
    expectCryptoError(() => AesGcm.decrypt(good.subarray(0, good.length - 4).toString('base64'), KEY, IV, 'certificate'), 'ECRYPTO_AUTH');
  });

  it('says clearly when the input is shorter than a tag', () => {
    expectCryptoError(() => AesGcm.decrypt(Buffer.alloc(15).toString('base64'), KEY, IV), 'ECRYPTO_DECRYPT', /15 bytes, shorter than the 16-byte authentication tag/);
    expectCryptoError(() => AesGcm.decrypt('', KEY, IV), 'ECRYPTO_DECRYPT', /0 bytes/);
  });

  it('refuses arguments that are neither strings nor bytes', () => {
    expectCryptoError(() => AesGcm.encrypt(5 as unknown as string, KEY, IV), 'ECRYPTO_ARGUMENT', /plaintext must be a string or a Buffer, got number/);
    expectCryptoError(() => AesGcm.encrypt('x', null as unknown as string, IV), 'ECRYPTO_ARGUMENT', /key must be a string or a Buffer, got null/);
    expectCryptoError(() => AesGcm.decrypt('8cyLViwuyN4D6+jaX5Ea+OGy5PP9', KEY, IV, {} as string), 'ECRYPTO_ARGUMENT', /aad/);
  });
});

describe('AesEcb', () => {
  it('matches the vector of docs/protocol.md#test-vectors', () => {
    expect(AesEcb.encrypt('hello', KEY)).toBe('pZwJZBLuy3mDACEQT4YTBw==');
    expect(AesEcb.decrypt('pZwJZBLuy3mDACEQT4YTBw==', KEY)).toBe('hello');
    expect(AesEcb.encrypt('hello', KEY, '')).toBe('pZwJZBLuy3mDACEQT4YTBw==');
  });

  it('uses standard PKCS#7: a block-sized input gets a whole padding block', () => {
    expect(Buffer.from(AesEcb.encrypt('0123456789abcdef', KEY), 'base64')).toHaveLength(32);
    expect(Buffer.from(AesEcb.encrypt('', KEY), 'base64')).toHaveLength(16);
  });

  it('decrypts an APIv2 refund notification req_info (key = md5 hex of the APIv2 secret)', () => {
    const secret = '192006250b4c09247ec02edce69f6a2d';
    const key = createHash('md5').update(secret).digest('hex');
    const reqInfo = '<root><out_refund_no><![CDATA[131811191610442717309]]></out_refund_no><refund_status><![CDATA[SUCCESS]]></refund_status></root>';
    const ciphertext = AesEcb.encrypt(reqInfo, key);
    expect(AesEcb.decrypt(ciphertext, Buffer.from(key))).toBe(reqInfo);
  });

  it('round-trips UTF-8 and Buffers', () => {
    for (const plaintext of ['微信支付', '', 'a'.repeat(100), Buffer.from([0x41, 0x42])]) {
      expect(AesEcb.decrypt(AesEcb.encrypt(plaintext, KEY), KEY)).toBe(plaintext.toString());
    }
  });

  it('refuses a key that is not exactly 32 bytes', () => {
    expectCryptoError(() => AesEcb.encrypt('x', KEY.slice(1)), 'ECRYPTO_KEY_LENGTH', /got 31/);
    expectCryptoError(() => AesEcb.decrypt('pZwJZBLuy3mDACEQT4YTBw==', `${KEY}0`), 'ECRYPTO_KEY_LENGTH', /got 33/);
  });

  it('refuses an iv: ECB takes none', () => {
    expectCryptoError(() => AesEcb.encrypt('x', KEY, IV), 'ECRYPTO_IV_LENGTH', /takes no iv/);
    expectCryptoError(() => AesEcb.decrypt('pZwJZBLuy3mDACEQT4YTBw==', KEY, Buffer.alloc(16)), 'ECRYPTO_IV_LENGTH');
  });

  it('refuses non-base64 input', () => {
    for (const bad of ['pZwJZBLuy3mDACEQT4YTBw', 'pZwJZBLuy3mDACEQT4YTBw==\n', 'pZwJZBLuy3mD ACEQT4YTBw==', '!!!!']) {
      expectCryptoError(() => AesEcb.decrypt(bad, KEY), 'ECRYPTO_BASE64');
    }
  });

  it('refuses input that is not whole blocks', () => {
    expectCryptoError(() => AesEcb.decrypt('', KEY), 'ECRYPTO_DECRYPT', /0 bytes, not a positive multiple/);
    expectCryptoError(() => AesEcb.decrypt(Buffer.alloc(17).toString('base64'), KEY), 'ECRYPTO_DECRYPT', /17 bytes/);
  });

  it('reports bad padding (wrong key or altered data) as ECRYPTO_DECRYPT', () => {
    // a block whose plaintext ends in 0x00 never has valid PKCS#7 padding
    const cipher = createCipheriv('aes-256-ecb', Buffer.from(KEY), null).setAutoPadding(false);
    const unpadded = Buffer.concat([cipher.update(Buffer.alloc(16)), cipher.final()]).toString('base64');
    expectCryptoError(() => AesEcb.decrypt(unpadded, KEY), 'ECRYPTO_DECRYPT', /bad PKCS#7 padding/);
  });
});

describe('AES errors never carry the key or the plaintext', () => {
  it('leaves them out of message, stack, inspect and JSON', () => {
    const secretKey = 'Zq7SentinelSecretQx9-0123456789'; // 31 bytes
    const errors = [
      thrown(() => AesGcm.encrypt('Zq7SentinelPlaintext', secretKey, IV)),
      thrown(() => AesEcb.decrypt('Zq7SentinelCipher!', `${secretKey}x`)),
      thrown(() => AesGcm.decrypt(AesGcm.encrypt('Zq7SentinelPlaintext', KEY, IV), KEY, IV, 'Zq7SentinelAad')),
      thrown(() => AesGcm.decrypt('AAAA', KEY, 'Zq7SentinelIv')),
    ];
    for (const error of errors) {
      expect(error).toBeInstanceOf(CryptoError);
      const text = [error.message, error.stack, inspect(error, { showHidden: true, depth: 10 }), JSON.stringify(error)].join('\n');
      expect(text).not.toMatch(/Zq7Sentinel/);
      expect(text).not.toContain(KEY);
    }
  });
});
