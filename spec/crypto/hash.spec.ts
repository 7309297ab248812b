import crypto, { createHash, createHmac } from 'node:crypto';

import { ALGO_HMAC_SHA256, ALGO_MD5, Hash } from '../../lib/crypto/hash.js';
import { CryptoError } from '../../lib/errors.js';
import { expectThrown } from '../support/thrown.js';

// docs/protocol.md#test-vectors: the platform's own example.
const SECRET = '192006250b4c09247ec02edce69f6a2d';
const FIELDS = {
  appid: 'wxd930ea5d5a258f4f',
  body: 'test',
  device_info: '1000',
  mch_id: '10000100',
  nonce_str: 'ibuaiVcKdpRxkhJA',
};
const MD5_SIGN = '9A0A8659F005D6984697E2CA0A9CF3B7';
const HMAC_SHA256_SIGN = '6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6';

function expectCryptoError(action: () => unknown, message: RegExp): void {
  expectThrown(action, CryptoError, 'ECRYPTO_ARGUMENT', message);
}

describe('Hash constants', () => {
  it('are the sign_type values the platform reads, each selecting its algorithm in Hash.sign', () => {
    // The platform's own example: MD5 and HMAC-SHA256 signs of the same fields, selected by these names.
    expect(Hash.sign(ALGO_MD5, FIELDS, SECRET)).toBe(MD5_SIGN);
    expect(Hash.sign(ALGO_HMAC_SHA256, FIELDS, SECRET)).toBe(HMAC_SHA256_SIGN);
    expect(Hash.sign(Hash.ALGO_MD5, FIELDS, SECRET)).toBe(MD5_SIGN);
    expect(Hash.sign(Hash.ALGO_HMAC_SHA256, FIELDS, SECRET)).toBe(HMAC_SHA256_SIGN);
  });
});

describe('Hash.md5', () => {
  it('is plain lower-case MD5 without a key', () => {
    expect(Hash.md5('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(Hash.md5('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(Hash.md5('abc', '', true)).toBe('900150983cd24fb0d6963f7d28e17f72');
  });

  it('hashes the UTF-8 bytes of the input', () => {
    expect(Hash.md5('支付')).toBe(createHash('md5').update(Buffer.from('支付', 'utf8')).digest('hex'));
  });

  it('appends "&key=KEY" when a key is given', () => {
    expect(Hash.md5('a=1', 'K')).toBe(createHash('md5').update('a=1&key=K').digest('hex'));
    expect(Hash.md5('a=1', 'K')).not.toBe(Hash.md5('a=1'));
  });

  it('appends "&secret=KEY" for an agency (WeCom) key, given as true or as an AgentId', () => {
    const expected = createHash('md5').update('a=1&secret=K').digest('hex');
    expect(Hash.md5('a=1', 'K', true)).toBe(expected);
    expect(Hash.md5('a=1', 'K', 1000002)).toBe(expected);
    expect(Hash.md5('a=1', 'K', false)).not.toBe(expected);
  });
});

describe('Hash.hmac', () => {
  it('is the lower-case hex HMAC keyed with KEY over "thing&key=KEY"', () => {
    const expected = createHmac('sha256', 'K').update('a=1&key=K').digest('hex');
    expect(Hash.hmac('a=1', 'K')).toBe(expected);
    expect(expected).toMatch(/^[0-9a-f]{64}$/);
    expect(Hash.hmac('a=1', 'K')).not.toBe(createHmac('sha256', 'K').update('a=1').digest('hex'));
  });

  it('takes another digest algorithm', () => {
    expect(Hash.hmac('a=1', 'K', 'sha512')).toBe(createHmac('sha512', 'K').update('a=1&key=K').digest('hex'));
    expect(Hash.hmac('a=1', 'K', 'md5')).toMatch(/^[0-9a-f]{32}$/);
  });

  it('refuses an unknown algorithm with a CryptoError', () => {
    expectCryptoError(() => Hash.hmac('a=1', 'K', 'sha999'), /unsupported digest algorithm "sha999"/);
  });

  it('refuses an empty or missing key', () => {
    expectCryptoError(() => Hash.hmac('a=1', ''), /secret key is required/);
    expectCryptoError(() => Hash.hmac('a=1', undefined as unknown as string), /secret key is required/);
  });
});

describe('Hash.sign', () => {
  it('matches the platform MD5 vector', () => {
    expect(Hash.sign('MD5', FIELDS, SECRET)).toBe(MD5_SIGN);
  });

  it('matches the platform HMAC-SHA256 vector', () => {
    expect(Hash.sign('HMAC-SHA256', FIELDS, SECRET)).toBe(HMAC_SHA256_SIGN);
  });

  it('is the upper-cased md5/hmac of the byte-ordered query string', () => {
    const signable = 'appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA';
    expect(Hash.sign(ALGO_MD5, FIELDS, SECRET)).toBe(Hash.md5(signable, SECRET).toUpperCase());
    expect(Hash.sign(ALGO_HMAC_SHA256, FIELDS, SECRET)).toBe(Hash.hmac(signable, SECRET).toUpperCase());
  });

  it('does not depend on the order of the fields, and ignores sign and empty values', () => {
    const shuffled = {
      nonce_str: 'ibuaiVcKdpRxkhJA',
      sign: 'WHATEVER',
      mch_id: '10000100',
      attach: '',
      body: 'test',
      detail: null,
      appid: 'wxd930ea5d5a258f4f',
      device_info: '1000',
      goods_tag: undefined,
    };
    expect(Hash.sign('MD5', shuffled, SECRET)).toBe(MD5_SIGN);
    expect(Hash.sign('HMAC-SHA256', shuffled, SECRET)).toBe(HMAC_SHA256_SIGN);
  });

  it('changes when any value changes', () => {
    expect(Hash.sign('MD5', { ...FIELDS, body: 'test ' }, SECRET)).not.toBe(MD5_SIGN);
    expect(Hash.sign('MD5', FIELDS, SECRET.toUpperCase())).not.toBe(MD5_SIGN);
  });

  it('refuses to sign without a key', () => {
    expectCryptoError(() => Hash.sign('MD5', FIELDS, ''), /secret key is required/);
    expectCryptoError(() => Hash.sign('HMAC-SHA256', FIELDS, ''), /secret key is required/);
    expectCryptoError(() => Hash.sign('MD5', FIELDS, undefined as unknown as string), /secret key is required/);
  });

  it('refuses an unknown sign type (sign types are case-sensitive, as on the platform)', () => {
    expectCryptoError(() => Hash.sign('SHA256' as never, FIELDS, SECRET), /unsupported sign type "SHA256"/);
    expectCryptoError(() => Hash.sign('md5' as never, FIELDS, SECRET), /unsupported sign type "md5"/);
  });

  it('refuses data that is not an object of fields', () => {
    const prejoined = 'appid=wxd930ea5d5a258f4f' as unknown as Record<string, unknown>;
    expectCryptoError(() => Hash.sign('MD5', prejoined, SECRET), /data must be an object/);
    expectCryptoError(() => Hash.sign('MD5', null as unknown as Record<string, unknown>, SECRET), /data must be an object/);
    expectCryptoError(() => Hash.sign('MD5', ['a'] as unknown as Record<string, unknown>, SECRET), /data must be an object/);
  });

  it('never puts the key into an error message', () => {
    try {
      Hash.sign('SHA1' as never, FIELDS, SECRET);
      throw new Error('unreachable');
    } catch (error) {
      expect(String(error)).not.toContain(SECRET);
      expect(JSON.stringify(error)).not.toContain(SECRET);
    }
  });
});

describe('Hash.equals', () => {
  afterEach(() => jest.restoreAllMocks());

  it('is true for equal strings only', () => {
    expect(Hash.equals(MD5_SIGN, MD5_SIGN)).toBe(true);
    expect(Hash.equals(MD5_SIGN, `${MD5_SIGN.slice(0, -1)}8`)).toBe(false);
    expect(Hash.equals(MD5_SIGN, MD5_SIGN.toLowerCase())).toBe(false);
  });

  it('is false, without throwing, for another length or a non-string', () => {
    expect(Hash.equals(MD5_SIGN, MD5_SIGN.slice(1))).toBe(false);
    expect(Hash.equals(MD5_SIGN, '')).toBe(false);
    expect(Hash.equals('é', 'e')).toBe(false);
    expect(Hash.equals(MD5_SIGN, undefined)).toBe(false);
    expect(Hash.equals(MD5_SIGN, 42)).toBe(false);
    expect(Hash.equals(undefined as unknown as string, undefined)).toBe(false);
  });

  it('compares with crypto.timingSafeEqual', () => {
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    expect(Hash.equals(HMAC_SHA256_SIGN, HMAC_SHA256_SIGN)).toBe(true);
    expect(spy).toHaveBeenCalledTimes(1);
  });
});
