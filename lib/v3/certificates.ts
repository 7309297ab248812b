import { X509Certificate, type KeyObject } from 'node:crypto';
import { AesGcm } from '../crypto/aes-gcm.js';
import { CertificateError, CryptoError } from '../errors.js';

/** A platform certificate the platform announced and this SDK checked. */
export interface PlatformCertificate {
  /** The serial as the platform prints it (upper-case hex). */
  readonly serial: string;
  /** The certificate, PEM. */
  readonly pem: string;
  readonly validFrom: Date;
  readonly validTo: Date;
  /** Its public key, which verifies answers and notifications signed with `serial`. */
  readonly key: KeyObject;
}

/** wechatpay-php's downloader accepts serials of this shape only. */
const SERIAL = /^[0-9A-Fa-f]{1,64}$/;

const refused = (message: string, cause?: unknown): CertificateError =>
  new CertificateError('ECERT_ANSWER', `The platform certificate download is refused: ${message}`, cause === undefined ? {} : { cause });

/**
 * A certificate from PEM text, checked to be the one `serial` names: `what` says where it came from
 * (the download, a store) in errors.
 */
export function platformCertificate(pem: string, serial: string, what = 'the download'): PlatformCertificate {
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch (error) {
    throw refused(`${what} holds, under serial ${serial}, something that is not an X.509 certificate`, error);
  }
  const actual = certificate.serialNumber.toUpperCase();
  if (actual !== serial.toUpperCase()) {
    throw refused(`${what} announces serial ${serial}, but the certificate it holds is serial ${actual}`);
  }
  const key = certificate.publicKey;
  if (key.asymmetricKeyType !== 'rsa') {
    throw refused(`certificate ${serial} holds a ${key.asymmetricKeyType ?? 'non-RSA'} key; answers are signed with RSA`);
  }
  return { serial: actual, pem, validFrom: new Date(certificate.validFrom), validTo: new Date(certificate.validTo), key };
}

/** The settings {@link openCertificates} checks against. */
export interface OpenCertificatesOptions {
  /** The APIv3 key: each certificate is encrypted with it (AES-256-GCM). */
  apiv3Key: string;
  /** The merchant's own certificate serial, which must never be trusted as the platform's. */
  merchantSerial: string;
  now?: Date;
}

/**
 * The certificates of a `GET v3/certificates` answer, decrypted with the APIv3 key and checked: each
 * serial is the one announced beside it, each validity window is the announced one; expired ones are
 * left out. Newest first. Any inconsistency refuses the whole answer (it was altered, or the key is wrong).
 */
export function openCertificates(answer: unknown, options: OpenCertificatesOptions): PlatformCertificate[] {
  const now = options.now ?? new Date();
  const data = (answer as { data?: unknown } | null | undefined)?.data;
  if (!Array.isArray(data)) throw refused('the answer has no `data` list');
  const opened: PlatformCertificate[] = [];
  for (const [index, entry] of data.entries()) {
    const { serial_no: serial, effective_time: effective, expire_time: expire, encrypt_certificate: encrypted } = (entry ?? {}) as Record<string, unknown>;
    if (typeof serial !== 'string' || !SERIAL.test(serial)) throw refused(`entry #${index} has no usable serial_no`);
    if (serial.toUpperCase() === options.merchantSerial.toUpperCase()) {
      throw refused(`certificate ${serial} is the merchant's own certificate serial, never a platform certificate`);
    }
    const pem = decrypt(serial, encrypted, options.apiv3Key);
    const certificate = platformCertificate(pem, serial);
    sameTime(serial, 'effective_time', effective, certificate.validFrom);
    sameTime(serial, 'expire_time', expire, certificate.validTo);
    if (certificate.validTo.getTime() < now.getTime()) continue;
    opened.push(certificate);
  }
  if (opened.length === 0) throw refused(data.length === 0 ? 'it lists no certificate' : 'every certificate it lists has expired');
  return opened.sort((a, b) => b.validFrom.getTime() - a.validFrom.getTime());
}

function decrypt(serial: string, encrypted: unknown, apiv3Key: string): string {
  const { algorithm, nonce, associated_data: aad, ciphertext } = (encrypted ?? {}) as Record<string, unknown>;
  if (algorithm !== 'AEAD_AES_256_GCM') {
    throw refused(`certificate ${serial} is encrypted with ${JSON.stringify(algorithm)}, not AEAD_AES_256_GCM`);
  }
  if (typeof nonce !== 'string' || typeof ciphertext !== 'string' || (aad !== undefined && typeof aad !== 'string')) {
    throw refused(`certificate ${serial} lacks its nonce or ciphertext`);
  }
  try {
    return AesGcm.decrypt(ciphertext, apiv3Key, nonce, aad ?? '');
  } catch (error) {
    const reason = error instanceof CryptoError ? error.message : 'decryption failed';
    throw refused(`certificate ${serial} does not decrypt with the APIv3 key (a wrong apiv3Key, or an altered answer): ${reason}`, error);
  }
}

/** An announced time must be the certificate's own, to the second (X.509 keeps seconds). */
function sameTime(serial: string, field: string, announced: unknown, actual: Date): void {
  const time = typeof announced === 'string' ? Date.parse(announced) : Number.NaN;
  if (Number.isNaN(time)) throw refused(`certificate ${serial} has no usable ${field}`);
  if (Math.floor(time / 1000) !== Math.floor(actual.getTime() / 1000)) {
    throw refused(`certificate ${serial} is announced with ${field} ${announced}, but the certificate says ${actual.toISOString()}`);
  }
}
