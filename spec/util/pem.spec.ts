import { X509Certificate, generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import forge from 'node-forge';
import { CryptoError, KeyError } from '../../lib/errors.js';
import { Rsa } from '../../lib/crypto/rsa.js';
import { PemUtil } from '../../lib/util/pem.js';
import { createCertificate, createPkcs12 } from '../../lib/sandbox/self-signed.js';
import { fixtureFile, keyFixture, pkcs12Fixture, removeFixtureDir } from '../fixtures/keys.js';
import { expectThrown, thrown } from '../support/thrown.js';

const merchant = keyFixture('merchant');
const platform = keyFixture('platform');

afterAll(removeFixtureDir);

function der(key: { export(options: { type: 'pkcs8' | 'spki'; format: 'der' }): Buffer; type: string }): string {
  return key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'der' }).toString('base64');
}

function expectKeyError(run: () => unknown, text: RegExp): KeyError {
  return expectThrown(run, KeyError, 'EKEY', text);
}

function certificateWithSerial(serial: string): string {
  return createCertificate({ publicKey: merchant.publicKey, signingKey: merchant.privateKey, serial, commonName: 'serial test' });
}

describe('PemUtil.loadCertificate / loadCertificateFromString', () => {
  it('loads from a plain path, a file:// URL, PEM text, a PEM Buffer and a DER file', () => {
    const path = fixtureFile('platform.pem', platform.pem.certificate);
    const derPath = fixtureFile('platform.cer', platform.certificate.raw);
    for (const certificate of [
      PemUtil.loadCertificate(path),
      PemUtil.loadCertificate(`file://${path}`),
      PemUtil.loadCertificate(derPath),
      PemUtil.loadCertificate(platform.pem.certificate),
      PemUtil.loadCertificate(Buffer.from(platform.pem.certificate)),
      PemUtil.loadCertificateFromString(platform.pem.certificate),
      PemUtil.loadCertificateFromString(Buffer.from(platform.pem.certificate)),
      PemUtil.loadCertificateFromString(platform.certificate.raw),
    ]) {
      expect(certificate).toBeInstanceOf(X509Certificate);
      expect(certificate.raw.equals(platform.certificate.raw)).toBe(true);
    }
    expect(PemUtil.loadCertificateFromString(platform.certificate)).toBe(platform.certificate);
  });

  it('takes the CERTIFICATE block out of a bundle with a key first', () => {
    const certificate = PemUtil.loadCertificateFromString(merchant.pem.pkcs8Private + platform.pem.certificate);
    expect(certificate.raw.equals(platform.certificate.raw)).toBe(true);
  });

  it('throws KeyError naming what was given', () => {
    expectKeyError(() => PemUtil.loadCertificate('/nonexistent/cert.pem'), /a file path that cannot be read: \/nonexistent\/cert\.pem \(ENOENT\)/);
    expectKeyError(() => PemUtil.loadCertificate(fixtureFile('junk.cer', Buffer.from('junk'))), /a file that holds neither PEM nor a DER certificate/);
    expectKeyError(() => PemUtil.loadCertificateFromString(Buffer.from([0x30, 0x03, 0x02, 0x01])), /a Buffer that holds neither PEM nor a DER certificate/);
    expectKeyError(() => PemUtil.loadCertificateFromString('not pem'), /a string that is not PEM/);
    expectKeyError(() => PemUtil.loadCertificateFromString(merchant.pem.spkiPublic), /a PEM block of type PUBLIC KEY; a PEM block of type CERTIFICATE is required/);
    expectKeyError(() => PemUtil.loadCertificateFromString('-----BEGIN CERTIFICATE-----\nAAAA\n'), /PEM text without a complete BEGIN\/END block/);
    expectKeyError(() => PemUtil.loadCertificateFromString('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'), /type CERTIFICATE that cannot be decoded/);
    expectKeyError(() => PemUtil.loadCertificateFromString(42 as unknown as string), /neither a string, a Buffer nor an X509Certificate/);
  });
});

describe('PemUtil.parseCertificateSerialNo', () => {
  it('gives the serial WeChat Pay prints, from PEM, Buffer or X509Certificate', () => {
    expect(PemUtil.parseCertificateSerialNo(platform.pem.certificate)).toBe('5157F09EFDC096DE15EBE81A47057A7232F1B8E1');
    expect(PemUtil.parseCertificateSerialNo(Buffer.from(platform.pem.certificate))).toBe(platform.serial);
    expect(PemUtil.parseCertificateSerialNo(platform.certificate)).toBe(platform.serial);
    expect(PemUtil.parseCertificateSerialNo(platform.certificate.raw)).toBe(platform.serial);
  });

  it('reads the certificate from a file:// URL or a path, as wechatpay-php does', () => {
    const path = fixtureFile('serial-from-file.pem', platform.pem.certificate);
    expect(PemUtil.parseCertificateSerialNo(`file://${path}`)).toBe(platform.serial);
    expect(PemUtil.parseCertificateSerialNo(path)).toBe(platform.serial);
    expectKeyError(() => PemUtil.parseCertificateSerialNo(`${path}.missing`), /file path that cannot be read/);
  });

  it('keeps a leading zero nibble, upper-cases, and drops the DER sign byte of a high serial', () => {
    expect(PemUtil.parseCertificateSerialNo(certificateWithSerial('0a1b2c3d4e5f60718293a4b5c6d7e8f901234567'))).toBe(
      '0A1B2C3D4E5F60718293A4B5C6D7E8F901234567',
    );
    expect(PemUtil.parseCertificateSerialNo(certificateWithSerial('abc'))).toBe('0ABC');
    expect(PemUtil.parseCertificateSerialNo(certificateWithSerial('F1D2'))).toBe('F1D2');
    expect(PemUtil.parseCertificateSerialNo(certificateWithSerial('01'))).toBe('01');
  });

});

describe('PemUtil.loadPrivateKey / loadPrivateKeyFromString', () => {
  it('loads from a path (file:// added when missing), encrypted keys with a passphrase', () => {
    const path = fixtureFile('apiclient_key.pem', merchant.pem.pkcs8Private);
    const encrypted = fixtureFile('apiclient_key.enc.pem', merchant.pem.encryptedPkcs8Private);
    for (const key of [
      PemUtil.loadPrivateKey(path),
      PemUtil.loadPrivateKey(`file://${path}`),
      PemUtil.loadPrivateKey(encrypted, merchant.passphrase),
      PemUtil.loadPrivateKey(fixtureFile('apiclient_cert.p12', pkcs12Fixture().der), pkcs12Fixture().password),
      PemUtil.loadPrivateKeyFromString(merchant.pem.pkcs1Private),
      PemUtil.loadPrivateKeyFromString(merchant.privateKey),
      PemUtil.loadPrivateKeyFromString(`private.pkcs8://${merchant.der.pkcs8Private}`),
      PemUtil.loadPrivateKeyFromString(merchant.pem.encryptedPkcs1Private, merchant.passphrase),
      PemUtil.loadPrivateKeyFromString(Buffer.from(merchant.pem.encryptedPkcs8Private), merchant.passphrase),
    ]) {
      expect(key.type).toBe('private');
      expect(der(key)).toBe(der(merchant.privateKey));
    }
  });

  it('throws KeyError for public keys, missing files and misplaced passphrases', () => {
    expectKeyError(() => PemUtil.loadPrivateKey(fixtureFile('pub.pem', merchant.pem.spkiPublic)), /a public key where a private key is required/);
    expectKeyError(() => PemUtil.loadPrivateKey('/nonexistent/key.pem'), /a file:\/\/ path that cannot be read: \/nonexistent\/key\.pem \(ENOENT\)/);
    expectKeyError(() => PemUtil.loadPrivateKey(fixtureFile('enc.pem', merchant.pem.encryptedPkcs8Private)), /without a passphrase/);
    expectKeyError(() => PemUtil.loadPrivateKeyFromString(merchant.privateKey, 'x'), /a passphrase goes with PEM text or a Buffer only/);
  });
});

describe('PemUtil.loadPkcs12', () => {
  it('returns the key, the certificate and its serial, from a Buffer, a path or file://', () => {
    const { der: p12, password } = pkcs12Fixture('merchant');
    const path = fixtureFile('merchant.p12', p12);
    for (const bundle of [PemUtil.loadPkcs12(p12, password), PemUtil.loadPkcs12(path, password), PemUtil.loadPkcs12(`file://${path}`, password)]) {
      expect(bundle.serial).toBe(merchant.serial);
      expect(bundle.certificate.raw.equals(merchant.certificate.raw)).toBe(true);
      expect(der(bundle.privateKey)).toBe(der(merchant.privateKey));
    }
  });

  it('picks the certificate that matches the key when the bundle also holds others', () => {
    const asn1 = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(platform.pem.pkcs1Private),
      [forge.pki.certificateFromPem(merchant.pem.certificate), forge.pki.certificateFromPem(platform.pem.certificate)],
      'pw',
      { algorithm: '3des' },
    );
    const bundle = PemUtil.loadPkcs12(Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary'), 'pw');
    expect(bundle.serial).toBe(platform.serial);
    expect(bundle.certificate.checkPrivateKey(bundle.privateKey)).toBe(true);
  });

  it('says the password is wrong, without repeating it', () => {
    const error = expectKeyError(() => PemUtil.loadPkcs12(pkcs12Fixture().der, 'Zq7SentinelPassword'), /password is wrong/);
    const text = [error.message, error.stack, inspect(error, { showHidden: true, depth: 10 }), JSON.stringify(error)].join('\n');
    expect(text).not.toContain('Zq7SentinelPassword');
    expect(text).not.toContain(pkcs12Fixture().password);
  });

  it('throws KeyError for unreadable, non-PKCS#12 input and a missing password', () => {
    expectKeyError(() => PemUtil.loadPkcs12('/nonexistent.p12', 'x'), /PemUtil.loadPkcs12: cannot load a file path that cannot be read: \/nonexistent\.p12 \(ENOENT\)/);
    expectKeyError(() => PemUtil.loadPkcs12(Buffer.from('junk'), 'x'), /a PKCS#12 bundle that cannot be decoded/);
    expectKeyError(() => PemUtil.loadPkcs12(42 as unknown as string, 'x'), /neither a Buffer, a file path nor a file:\/\/ URL/);
    expectKeyError(() => PemUtil.loadPkcs12(pkcs12Fixture().der, undefined as unknown as string), /password must be a string/);
  });

  it('refuses a bundle without a key, or without the certificate of its key', () => {
    // node-forge can write a bundle with only a certificate, or with a key and a foreign certificate
    const certOnly = forge.pkcs12.toPkcs12Asn1(null, [forge.pki.certificateFromPem(platform.pem.certificate)], 'pw');
    expectKeyError(() => PemUtil.loadPkcs12(Buffer.from(forge.asn1.toDer(certOnly).getBytes(), 'binary'), 'pw'), /holds no RSA private key/);
    const mismatched = forge.pkcs12.toPkcs12Asn1(
      forge.pki.privateKeyFromPem(merchant.pem.pkcs1Private),
      [forge.pki.certificateFromPem(platform.pem.certificate)],
      'pw',
    );
    expectKeyError(() => Rsa.from([Buffer.from(forge.asn1.toDer(mismatched).getBytes(), 'binary'), 'pw']), /holds no certificate for its private key/);
  });
});

describe('createCertificate / createPkcs12', () => {
  it('mints a certificate with the chosen serial, names, validity and public key', () => {
    const notBefore = new Date('2024-01-01T00:00:00Z');
    const notAfter = new Date('2029-01-01T00:00:00Z');
    const pem = createCertificate({
      publicKey: platform.pem.spkiPublic,
      signingKey: merchant.pem.pkcs8Private,
      serial: '7132D55ABC1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C',
      commonName: 'Tenpay.com Platform',
      issuerCommonName: 'Tenpay.com Root CA',
      notBefore,
      notAfter,
    });
    const certificate = new X509Certificate(pem);
    expect(certificate.serialNumber).toBe('7132D55ABC1A2B3C4D5E6F7A8B9C0D1E2F3A4B5C');
    expect(certificate.subject).toBe('CN=Tenpay.com Platform');
    expect(certificate.issuer).toBe('CN=Tenpay.com Root CA');
    expect(new Date(certificate.validFrom).toISOString()).toBe(notBefore.toISOString());
    expect(new Date(certificate.validTo).toISOString()).toBe(notAfter.toISOString());
    expect(der(certificate.publicKey)).toBe(der(platform.publicKey));
    expect(certificate.verify(merchant.publicKey)).toBe(true);
    expect(certificate.verify(platform.publicKey)).toBe(false);
  });

  it('defaults to a self-signed certificate valid from a few minutes ago for five years', () => {
    const certificate = new X509Certificate(certificateWithSerial('01'));
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.verify(merchant.publicKey)).toBe(true);
    const from = Date.parse(certificate.validFrom);
    expect(Date.now() - from).toBeGreaterThan(0);
    expect(Date.now() - from).toBeLessThan(10 * 60 * 1000);
    expect(Date.parse(certificate.validTo) - from).toBeGreaterThan(4.9 * 365 * 24 * 3600 * 1000);
  });

  it('refuses serials that are not hex or that could not print back the same', () => {
    for (const serial of ['', 'xyz', '00AB', '0', 'A'.repeat(41)]) {
      const error = thrown(() => certificateWithSerial(serial));
      expect(error).toBeInstanceOf(CryptoError);
      expect((error as CryptoError).code).toBe('ECRYPTO_ARGUMENT');
    }
  });

  it('bundles a key and certificate that PemUtil.loadPkcs12 reads back, for each cipher', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const certificate = createCertificate({ publicKey: privateKey, signingKey: privateKey, serial: 'C0FFEE', commonName: '1900000001' });
    for (const algorithm of ['aes256', '3des'] as const) {
      const p12 = createPkcs12({ privateKey, certificate: new X509Certificate(certificate), password: '1900000001', algorithm });
      const bundle = PemUtil.loadPkcs12(p12, '1900000001');
      expect(bundle.serial).toBe('C0FFEE');
      expect(der(bundle.privateKey)).toBe(der(privateKey));
    }
  });
});
