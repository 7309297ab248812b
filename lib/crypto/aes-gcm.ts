import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoError } from '../errors.js';

const KEY_BYTES = 32;
/** The IV lengths OpenSSL's GCM accepts (so wechatpay-php too): 1 to 128 bytes; WeChat Pay's nonces are 12. */
const IV_MIN_BYTES = 1;
const IV_MAX_BYTES = 128;
const TAG_BYTES = 16;

/** `data` as bytes (a string is UTF-8), or a CryptoError naming `what` and the type it got. @internal */
export function toBytes(data: string | Uint8Array, what: string): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new CryptoError('ECRYPTO_ARGUMENT', `${what} must be a string or a Buffer, got ${data === null ? 'null' : typeof data}.`);
}

/** An AES-256 key: exactly 32 bytes; the error states the length given, never the key. @internal */
export function aes256Key(key: string | Uint8Array, operation: string): Buffer {
  const bytes = toBytes(key, `${operation}: the key`);
  if (bytes.length !== KEY_BYTES) {
    throw new CryptoError('ECRYPTO_KEY_LENGTH', `${operation}: the key must be exactly ${KEY_BYTES} bytes (AES-256), got ${bytes.length}.`);
  }
  return bytes;
}

/**
 * Canonical base64 only: padded, no whitespace, no stray characters (`Buffer.from(text, 'base64')` alone
 * silently skips them). @internal
 */
export function fromBase64(text: string, operation: string): Buffer {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'base64') : undefined;
  if (bytes === undefined || bytes.toString('base64') !== text) {
    throw new CryptoError('ECRYPTO_BASE64', `${operation}: the ciphertext is not canonical base64.`);
  }
  return bytes;
}

function nonce(iv: string | Uint8Array, operation: string): Buffer {
  const bytes = toBytes(iv, `${operation}: the iv`);
  if (bytes.length < IV_MIN_BYTES || bytes.length > IV_MAX_BYTES) {
    throw new CryptoError('ECRYPTO_IV_LENGTH',
      `${operation}: the iv (nonce) must be ${IV_MIN_BYTES} to ${IV_MAX_BYTES} bytes (WeChat Pay's are 12), got ${bytes.length}.`);
  }
  return bytes;
}

/**
 * AES-256-GCM as WeChat Pay uses it (notifications, `encrypt_certificate`): key = the APIv3 key,
 * iv = the `nonce` (12 bytes from the platform; any length OpenSSL takes, as in wechatpay-php),
 * aad = `associated_data`, base64 of the ciphertext followed by its 16-byte tag.
 */
export const AesGcm = {
  /** base64(ciphertext || tag). */
  encrypt(plaintext: string | Uint8Array, key: string | Uint8Array, iv: string | Uint8Array, aad: string | Uint8Array = ''): string {
    const cipher = createCipheriv('aes-256-gcm', aes256Key(key, 'AesGcm.encrypt'), nonce(iv, 'AesGcm.encrypt'), {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(toBytes(aad, 'AesGcm.encrypt: the aad'));
    const body = Buffer.concat([cipher.update(toBytes(plaintext, 'AesGcm.encrypt: the plaintext')), cipher.final()]);
    return Buffer.concat([body, cipher.getAuthTag()]).toString('base64');
  },

  /** The UTF-8 plaintext of base64(ciphertext || tag), after checking the tag over ciphertext and aad. */
  decrypt(ciphertext: string, key: string | Uint8Array, iv: string | Uint8Array, aad: string | Uint8Array = ''): string {
    const secret = aes256Key(key, 'AesGcm.decrypt');
    const bytes = fromBase64(ciphertext, 'AesGcm.decrypt');
    if (bytes.length < TAG_BYTES) {
      throw new CryptoError(
        'ECRYPTO_DECRYPT',
        `AesGcm.decrypt: the input is ${bytes.length} bytes, shorter than the ${TAG_BYTES}-byte authentication tag it must end with.`,
      );
    }
    const decipher = createDecipheriv('aes-256-gcm', secret, nonce(iv, 'AesGcm.decrypt'), { authTagLength: TAG_BYTES });
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    decipher.setAAD(toBytes(aad, 'AesGcm.decrypt: the aad'));
    const body = decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES));
    try {
      return Buffer.concat([body, decipher.final()]).toString('utf8');
    } catch {
      throw new CryptoError(
        'ECRYPTO_AUTH',
        'AesGcm.decrypt: authentication failed: the ciphertext, tag, nonce or associated data was altered, or the key is wrong.',
      );
    }
  },
};
