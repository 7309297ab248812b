import { createCipheriv, createDecipheriv } from 'node:crypto';
import { CryptoError } from '../errors.js';
import { aes256Key, fromBase64, toBytes } from './aes-gcm.js';

const BLOCK_BYTES = 16;

/** ECB takes no IV: the parameter exists for wechatpay-php's signature and must stay empty. */
function assertNoIv(iv: string | Uint8Array, operation: string): void {
  if (toBytes(iv, `${operation}: the iv`).length !== 0) {
    throw new CryptoError('ECRYPTO_IV_LENGTH', `${operation}: AES-256-ECB takes no iv; pass '' (or nothing).`);
  }
}

/**
 * AES-256-ECB with PKCS#7 padding, base64: the APIv2 refund notification's `req_info`
 * (key = lower-case hex MD5 of the APIv2 secret).
 */
export const AesEcb = {
  encrypt(plaintext: string | Uint8Array, key: string | Uint8Array, iv: string | Uint8Array = ''): string {
    assertNoIv(iv, 'AesEcb.encrypt');
    const cipher = createCipheriv('aes-256-ecb', aes256Key(key, 'AesEcb.encrypt'), null);
    return Buffer.concat([cipher.update(toBytes(plaintext, 'AesEcb.encrypt: the plaintext')), cipher.final()]).toString('base64');
  },

  /** The UTF-8 plaintext; a wrong key or altered input shows as bad padding (`ECRYPTO_DECRYPT`). */
  decrypt(ciphertext: string, key: string | Uint8Array, iv: string | Uint8Array = ''): string {
    assertNoIv(iv, 'AesEcb.decrypt');
    const secret = aes256Key(key, 'AesEcb.decrypt');
    const bytes = fromBase64(ciphertext, 'AesEcb.decrypt');
    if (bytes.length === 0 || bytes.length % BLOCK_BYTES !== 0) {
      throw new CryptoError(
        'ECRYPTO_DECRYPT',
        `AesEcb.decrypt: the input is ${bytes.length} bytes, not a positive multiple of the ${BLOCK_BYTES}-byte block.`,
      );
    }
    const decipher = createDecipheriv('aes-256-ecb', secret, null);
    const body = decipher.update(bytes);
    try {
      return Buffer.concat([body, decipher.final()]).toString('utf8');
    } catch {
      throw new CryptoError('ECRYPTO_DECRYPT', 'AesEcb.decrypt: bad PKCS#7 padding: the key is wrong or the ciphertext was altered.');
    }
  },
};
