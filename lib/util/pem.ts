import { KeyObject, X509Certificate } from 'node:crypto';
import { KeyError } from '../errors.js';
import { Rsa, type RsaKeyInput, describeLabel, pemBlocks, readFileInput, readPkcs12 } from '../crypto/rsa.js';

/** What a PKCS#12 bundle (`apiclient_cert.p12`) holds. */
export interface Pkcs12Bundle {
  privateKey: KeyObject;
  certificate: X509Certificate;
  /** The certificate's serial, as {@link PemUtil.parseCertificateSerialNo} gives it. */
  serial: string;
}

const FILE_PROTOCOL = 'file://';
const PEM_BEGIN = '-----BEGIN ';

function certificateFromPem(text: string): X509Certificate {
  const blocks = pemBlocks(text);
  const block = blocks.find(({ label }) => label === 'CERTIFICATE');
  if (!block) {
    const given = blocks[0] ? `${describeLabel(blocks[0].label)}` : 'PEM text without a complete BEGIN/END block';
    throw new KeyError(`Cannot load a certificate from ${given}; a PEM block of type CERTIFICATE is required.`);
  }
  try {
    return new X509Certificate(block.text);
  } catch (error) {
    throw new KeyError('Cannot load a certificate from a PEM block of type CERTIFICATE that cannot be decoded.', { cause: error });
  }
}

function certificateFromBytes(bytes: Uint8Array, origin: string): X509Certificate {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (text.includes(PEM_BEGIN)) return certificateFromPem(text);
  try {
    return new X509Certificate(bytes);
  } catch (error) {
    throw new KeyError(`Cannot load a certificate from ${origin} that holds neither PEM nor a DER certificate.`, { cause: error });
  }
}

/** Keys and certificates from files and strings, under wechatpay-php's `PemUtil` names. */
export const PemUtil = {
  /** A private key from a file (a plain path or `file://...`), optionally encrypted with `passphrase`. */
  loadPrivateKey(filepath: string, passphrase?: string): KeyObject {
    const url = filepath.startsWith(FILE_PROTOCOL) ? filepath : `${FILE_PROTOCOL}${filepath}`;
    return Rsa.from(passphrase === undefined ? url : [url, passphrase]);
  },

  /** A private key from anything {@link Rsa.from} accepts, optionally encrypted with `passphrase`. */
  loadPrivateKeyFromString(content: RsaKeyInput, passphrase?: string): KeyObject {
    if (passphrase === undefined) return Rsa.from(content);
    if (typeof content !== 'string' && !(content instanceof Uint8Array)) {
      throw new KeyError('PemUtil.loadPrivateKeyFromString: a passphrase goes with PEM text or a Buffer only.');
    }
    return Rsa.from([content, passphrase]);
  },

  /** An X.509 certificate from a file path, a `file://` URL or PEM text (DER files too). */
  loadCertificate(thing: string | Uint8Array): X509Certificate {
    if (typeof thing === 'string' && !thing.includes(PEM_BEGIN)) {
      const bytes = readFileInput(thing, (code, path) => {
        throw new KeyError(`Cannot load a certificate from a file path that cannot be read: ${path} (${code}).`);
      });
      return certificateFromBytes(bytes, 'a file');
    }
    return PemUtil.loadCertificateFromString(thing);
  },

  /** An X.509 certificate from PEM text, or from a Buffer of PEM or DER. */
  loadCertificateFromString(content: string | Uint8Array | X509Certificate): X509Certificate {
    if (content instanceof X509Certificate) return content;
    if (typeof content === 'string') {
      if (!content.includes(PEM_BEGIN)) {
        throw new KeyError('Cannot load a certificate from a string that is not PEM; a PEM block of type CERTIFICATE is required.');
      }
      return certificateFromPem(content);
    }
    if (content instanceof Uint8Array) return certificateFromBytes(content, 'a Buffer');
    throw new KeyError('Cannot load a certificate from a value that is neither a string, a Buffer nor an X509Certificate.');
  },

  /**
   * The serial as WeChat Pay prints it (`Wechatpay-Serial`, `serial_no`): upper-case hex of the X.509 serial
   * number, whole bytes, so a leading zero nibble is kept (`0A1B...`). The certificate as PEM text, a Buffer,
   * an X509Certificate, or (as in wechatpay-php) a `file://` URL or a path.
   */
  parseCertificateSerialNo(certificate: string | Uint8Array | X509Certificate): string {
    const loaded = typeof certificate === 'string' ? PemUtil.loadCertificate(certificate) : PemUtil.loadCertificateFromString(certificate);
    return loaded.serialNumber.toUpperCase();
  },

  /** The private key, certificate and serial of a PKCS#12 bundle (a Buffer, a path or `file://`). */
  loadPkcs12(thing: string | Uint8Array, password: string): Pkcs12Bundle {
    if (typeof password !== 'string') {
      throw new KeyError('PemUtil.loadPkcs12: the password must be a string (WeChat Pay sets it to the merchant id).');
    }
    const failure = (given: string): never => {
      throw new KeyError(`PemUtil.loadPkcs12: cannot load ${given}.`);
    };
    const bytes = typeof thing === 'string' ? readFileInput(thing, (code, path) => failure(`a file path that cannot be read: ${path} (${code})`)) : thing;
    if (!(bytes instanceof Uint8Array)) failure('a value that is neither a Buffer, a file path nor a file:// URL');
    const { privateKey, certificate } = readPkcs12(bytes, password, failure);
    return { privateKey, certificate, serial: certificate.serialNumber.toUpperCase() };
  },
};
