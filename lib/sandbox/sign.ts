/**
 * The platform's signature on answers and notifications: RSA-SHA256 over `TIMESTAMP\nNONCE\nBODY\n` with
 * the platform certificate's key (`Wechatpay-Serial: <serial>`) or the platform public key's
 * (`Wechatpay-Serial: PUB_KEY_ID_...`). A request naming a `PUB_KEY_ID_...` in its own `Wechatpay-Serial`
 * asks for the public key, as during the platform's certificate-to-public-key migration.
 */
import { createCipheriv, randomBytes, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { Identity, PlatformKey } from './identity.js';
import { nonce as newNonce } from './ids.js';
import { platformCertificates } from './platform-certificates.js';

/** Which platform key signs answers by default. */
export type SignWith = 'certificate' | 'public-key';

/** Ways to spoil a signature on purpose (the fault injection's). */
export interface SigningTweak {
  /** Unix seconds to sign with (a stale timestamp). */
  timestamp?: number;
  /** Name this key id instead of the signing key's (an unknown serial). */
  serial?: string;
  /** Sign other bytes than the ones sent (a signature that does not verify). */
  wrong?: boolean;
  /** Send a `WECHATPAY/SIGNTEST/` probe instead of a signature. */
  probe?: boolean;
}

/** The key that signs an answer to a request carrying `requestSerial` (its `Wechatpay-Serial`, if any). */
export function signingKey(identity: Identity, mode: SignWith, requestSerial?: string): PlatformKey {
  const certificates = platformCertificates(identity);
  if (requestSerial?.startsWith('PUB_KEY_ID_') || mode === 'public-key' || certificates.publicKeyOnly) return identity.platformPublicKey;
  return certificates.signing();
}

/**
 * `Wechatpay-Timestamp`, `-Nonce`, `-Serial`, `-Signature`, `-Signature-Type` for `body`. The RSA work runs on
 * libuv's thread pool (node:crypto's callback form), so the sandbox's event loop keeps serving while it signs.
 */
export async function signatureHeaders(body: Buffer, key: PlatformKey, tweak: SigningTweak = {}): Promise<Record<string, string>> {
  const timestamp = String(tweak.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = newNonce();
  const signed = Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`), tweak.wrong ? Buffer.concat([body, Buffer.from(' ')]) : body, Buffer.from('\n')]);
  const signature = tweak.probe
    ? `WECHATPAY/SIGNTEST/${randomBytes(192).toString('base64')}`
    : await rsaSign(signed, key.privateKey);
  return {
    'Wechatpay-Timestamp': timestamp,
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': tweak.serial ?? key.id,
    'Wechatpay-Signature': signature,
    'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
  };
}

const signOnPool = promisify(sign);

async function rsaSign(message: Buffer, key: KeyObject): Promise<string> {
  return (await signOnPool('sha256', message, key)).toString('base64');
}

/** A `Request-ID` as the platform writes one. */
export function requestId(): string {
  return `08${randomBytes(15).toString('hex').toUpperCase()}`;
}

/**
 * AES-256-GCM as the platform encrypts notification resources and certificates: key = the APIv3 key
 * (32 bytes), iv = the 12-character nonce, aad = the associated data; base64 of ciphertext then the 16-byte tag.
 */
export function aesGcmEncrypt(plaintext: string, apiv3Key: string, nonce: string, aad: string): string {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiv3Key, 'utf8'), Buffer.from(nonce, 'utf8'), { authTagLength: 16 });
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
}
