import { createHash, createHmac, timingSafeEqual, type Hmac } from 'node:crypto';

import { CryptoError } from '../errors.js';
import { Formatter } from '../util/formatter.js';

/** The APIv2 `sign_type` for MD5 signatures (the platform's default). */
export const ALGO_MD5 = 'MD5';
/** The APIv2 `sign_type` for HMAC-SHA256 signatures. */
export const ALGO_HMAC_SHA256 = 'HMAC-SHA256';

/** An APIv2 `sign_type`. */
export type SignType = typeof ALGO_MD5 | typeof ALGO_HMAC_SHA256;

/**
 * The APIv2 (and WeCom) hashes, with wechatpay-php's names and argument orders.
 * Every digest is hex; {@link Hash.sign} upper-cases it as the platform expects.
 */
export const Hash = {
  ALGO_MD5: ALGO_MD5 as typeof ALGO_MD5,
  ALGO_HMAC_SHA256: ALGO_HMAC_SHA256 as typeof ALGO_HMAC_SHA256,

  /**
   * Lower-case hex MD5 of `thing`, or of `thing + "&key=" + key` when a key is given
   * (`"&secret="` instead when `agency` is truthy: a WeCom secret). Without a key this is plain MD5,
   * which is what the refund-notification key derivation needs; use {@link Hash.sign} to sign.
   */
  md5(thing: string, key = '', agency: boolean | number | string = false): string {
    const md5 = createHash('md5').update(thing);
    if (key !== '') md5.update(agency ? '&secret=' : '&key=').update(key);
    return md5.digest('hex');
  },

  /** Lower-case hex HMAC (keyed with `key`) of `thing + "&key=" + key`, as the APIv2 signature needs it. */
  hmac(thing: string, key: string, algorithm = 'sha256'): string {
    requireKey(key, 'Hash.hmac');
    return keyedHmac(algorithm, key).update(thing).update('&key=').update(key).digest('hex');
  },

  /**
   * The APIv2 signature of `data`: keys in byte order, `k=v` joined by `&` (skipping `sign` and empty
   * values), then `&key=KEY`, hashed with `type`, upper-case hex. The APIv2 secret `key` is required.
   */
  sign(type: SignType, data: Record<string, unknown>, key: string): string {
    requireKey(key, 'Hash.sign');
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new CryptoError('ECRYPTO_ARGUMENT', 'Hash.sign: data must be an object of the fields to sign');
    }
    const signable = Formatter.queryStringLike(Formatter.ksort(data));
    switch (type) {
      case ALGO_MD5:
        return Hash.md5(signable, key).toUpperCase();
      case ALGO_HMAC_SHA256:
        return Hash.hmac(signable, key).toUpperCase();
      default:
        throw new CryptoError(
          'ECRYPTO_ARGUMENT',
          `Hash.sign: unsupported sign type "${String(type)}"; expected "${ALGO_MD5}" or "${ALGO_HMAC_SHA256}"`,
        );
    }
  },

  /**
   * Whether `user` equals `known`, in time that does not depend on where they differ.
   * Anything that is not a string, or a string of another length, is simply not equal.
   */
  equals(known: string, user: unknown): boolean {
    if (typeof known !== 'string' || typeof user !== 'string') return false;
    const knownBytes = Buffer.from(known);
    const userBytes = Buffer.from(user);
    return knownBytes.length === userBytes.length && timingSafeEqual(knownBytes, userBytes);
  },
};

function requireKey(key: unknown, where: string): asserts key is string {
  if (typeof key !== 'string' || key === '') {
    throw new CryptoError('ECRYPTO_ARGUMENT', `${where}: the secret key is required (an unkeyed hash is never a signature)`);
  }
}

function keyedHmac(algorithm: string, key: string): Hmac {
  try {
    return createHmac(algorithm, key);
  } catch (cause) {
    throw new CryptoError('ECRYPTO_ARGUMENT', `Hash.hmac: unsupported digest algorithm "${algorithm}"`, { cause });
  }
}
