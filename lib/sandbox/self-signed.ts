/**
 * Certificates and PKCS#12 bundles for the sandbox's identity and for tests, made with node-forge from
 * keys read by node:crypto (never the client's key loader: a defect there must not shape both sides).
 */
import { createPrivateKey, createPublicKey, type KeyObject, type X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { CryptoError } from '../errors.js';

/** A key as node:crypto reads it: a KeyObject, or PEM text / bytes (a private key gives its public half). */
export type RsaKeyInput = KeyObject | string | Buffer;

const publicKeyOf = (key: RsaKeyInput): KeyObject => (typeof key === 'object' && !Buffer.isBuffer(key) && key.type === 'public' ? key : createPublicKey(key));
function privateKeyOf(key: RsaKeyInput): KeyObject {
  if (typeof key === 'string' || Buffer.isBuffer(key)) return createPrivateKey(key);
  if (key.type !== 'private') throw new CryptoError('ECRYPTO_ARGUMENT', 'a private key is needed to sign a certificate');
  return key;
}

/** What {@link createCertificate} needs. */
export interface CertificateOptions {
  /** The subject's key (a private key gives its public half). */
  publicKey: RsaKeyInput;
  /** The issuer's private key; the subject's own private key for a self-signed certificate. */
  signingKey: RsaKeyInput;
  /** The serial as WeChat Pay prints it: hex, e.g. `5157F09EFDC096DE15EBE81A47057A7232F1B8E1`. */
  serial: string;
  /** Subject CN (a merchant certificate carries the mchid). */
  commonName: string;
  /** Issuer CN; defaults to `commonName` (self-signed). */
  issuerCommonName?: string;
  /** Defaults to five minutes ago. */
  notBefore?: Date;
  /** Defaults to five years after `notBefore`. */
  notAfter?: Date;
}

/** What {@link createPkcs12} needs. */
export interface Pkcs12Options {
  privateKey: RsaKeyInput;
  /** PEM text or a loaded certificate. */
  certificate: string | X509Certificate;
  password: string;
  /** Cipher of the key bag; node-forge's default is `aes128`. */
  algorithm?: 'aes128' | 'aes192' | 'aes256' | '3des';
}

/**
 * The DER content hex of a positive INTEGER whose printed serial is `serial` again: whole bytes, a `00`
 * prefix when the top bit is set. A serial starting with a zero byte could not round-trip, so it is refused.
 */
function serialToDerHex(serial: string): string {
  if (!/^[0-9A-Fa-f]{1,40}$/.test(serial)) {
    throw new CryptoError('ECRYPTO_ARGUMENT', 'createCertificate: the serial must be 1 to 40 hex digits.');
  }
  const hex = (serial.length % 2 === 1 ? `0${serial}` : serial).toUpperCase();
  if (hex.startsWith('00')) {
    throw new CryptoError('ECRYPTO_ARGUMENT', 'createCertificate: the serial must not start with a zero byte (it would print differently).');
  }
  return parseInt(hex.slice(0, 2), 16) >= 0x80 ? `00${hex}` : hex;
}

function forgePrivateKey(key: KeyObject): forge.pki.rsa.PrivateKey {
  return forge.pki.privateKeyFromPem(key.export({ type: 'pkcs1', format: 'pem' }) as string);
}

/** A PEM X.509 v3 certificate (sha256WithRSAEncryption) built with node-forge, for tests and simulators. */
export function createCertificate(options: CertificateOptions): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(
    publicKeyOf(options.publicKey).export({ type: 'spki', format: 'pem' }) as string,
  );
  cert.serialNumber = serialToDerHex(options.serial);
  const notBefore = options.notBefore ?? new Date(Date.now() - 5 * 60 * 1000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = options.notAfter ?? new Date(notBefore.getTime() + 5 * 365 * 24 * 3600 * 1000);
  cert.setSubject([{ name: 'commonName', value: options.commonName }]);
  cert.setIssuer([{ name: 'commonName', value: options.issuerCommonName ?? options.commonName }]);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyEncipherment: true, dataEncipherment: true },
  ]);
  cert.sign(forgePrivateKey(privateKeyOf(options.signingKey)), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

/** A DER PKCS#12 bundle of one private key and its certificate, like `apiclient_cert.p12`. */
export function createPkcs12(options: Pkcs12Options): Buffer {
  const pem = typeof options.certificate === 'string' ? options.certificate : options.certificate.toString();
  const asn1 = forge.pkcs12.toPkcs12Asn1(
    forgePrivateKey(privateKeyOf(options.privateKey)),
    [forge.pki.certificateFromPem(pem)],
    options.password,
    { algorithm: options.algorithm ?? 'aes128', generateLocalKeyId: true, friendlyName: 'Tenpay Certificate' },
  );
  return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
}
