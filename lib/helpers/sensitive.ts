import type { KeyObject } from 'node:crypto';
import { Rsa } from '../crypto/rsa.js';
import type { PlatformKeys } from '../v3/platform-keys.js';

/** Ciphertexts remembered per client so the request that carries one names its key; bounded. */
const REMEMBERED_LIMIT = 256;

/**
 * Sensitive fields (docs/protocol.md#keys-and-sensitive-fields): values encrypted for the platform with RSA-OAEP under the
 * key the platform expects, and the `Wechatpay-Serial` the request carrying them must send.
 */
export class SensitiveFields {
  private readonly remembered = new Map<string, string>();

  constructor(
    private readonly platformKeys: () => PlatformKeys,
    private readonly merchantKey: KeyObject,
  ) {}

  /** Encrypts a value for the platform (its public key, or the newest valid platform certificate). */
  encrypt(plaintext: string): string {
    const { id, key } = this.platformKeys().encryptionKey();
    const ciphertext = Rsa.encrypt(plaintext, key);
    if (this.remembered.size >= REMEMBERED_LIMIT) this.remembered.delete(this.remembered.keys().next().value!);
    this.remembered.set(ciphertext, id);
    return ciphertext;
  }

  /** Decrypts a sensitive value the platform returned to the merchant (merchant private key, RSA-OAEP). */
  decrypt(ciphertext: string): string {
    return Rsa.decrypt(ciphertext, this.merchantKey);
  }

  /** The key id to send as `Wechatpay-Serial` when this body carries a value from {@link encrypt}. */
  serialFor(body: string): string | undefined {
    if (this.remembered.size === 0 || body.length === 0) return undefined;
    for (const [ciphertext, id] of this.remembered) {
      if (body.includes(ciphertext)) return id;
    }
    return undefined;
  }
}
