/**
 * Opening a `GET v3/certificates` answer: each certificate decrypted with the APIv3 key (AES-256-GCM, real
 * crypto), its serial and validity checked against what the answer announces; any inconsistency refuses it all.
 */
import { sign, verify } from 'node:crypto';
import { AesGcm } from '../../lib/crypto/aes-gcm.js';
import { CertificateError } from '../../lib/errors.js';
import { createCertificate } from '../../lib/sandbox/self-signed.js';
import { openCertificates, platformCertificate } from '../../lib/v3/certificates.js';
import { keyFixture } from '../fixtures/keys.js';
import { thrown } from '../support/thrown.js';

const APIV3_KEY = 'abcdefghijABCDEFGHIJ0123456789ab';
const MERCHANT_SERIAL = keyFixture('merchant').serial;
const platform = keyFixture('platform');
const stranger = keyFixture('stranger');
const NEWER = '6B0A3C1D2E3F405162738495A6B7C8D9E0F11223';
const YEAR = 365 * 24 * 3600 * 1000;
/** A fixed notBefore, whole seconds, so that the announced times can be written exactly. */
const SINCE = new Date(Math.floor(Date.now() / 1000) * 1000 - 30 * 24 * 3600 * 1000);

/** An entry as the platform writes it: times in Beijing time, the PEM encrypted with the APIv3 key. */
function entry(pem: string, serial: string, options: { key?: string; algorithm?: string; effective?: string; expire?: string } = {}) {
  const certificate = platformCertificate(pem, serial);
  const beijing = (date: Date) => `${new Date(date.getTime() + 8 * 3600 * 1000).toISOString().slice(0, 19)}+08:00`;
  const nonce = 'a1b2c3d4e5f6';
  return {
    serial_no: serial,
    effective_time: options.effective ?? beijing(certificate.validFrom),
    expire_time: options.expire ?? beijing(certificate.validTo),
    encrypt_certificate: {
      algorithm: options.algorithm ?? 'AEAD_AES_256_GCM', nonce, associated_data: 'certificate',
      ciphertext: AesGcm.encrypt(pem, options.key ?? APIV3_KEY, nonce, 'certificate'),
    },
  };
}

const pem = (serial: string, notBefore = SINCE, notAfter = new Date(SINCE.getTime() + 5 * YEAR), key = platform) =>
  createCertificate({ publicKey: key.publicKey, signingKey: key.privateKey, serial, commonName: 'Platform', notBefore, notAfter });

const open = (answer: unknown) => openCertificates(answer, { apiv3Key: APIV3_KEY, merchantSerial: MERCHANT_SERIAL });
const refusal = (answer: unknown) => {
  const error = thrown(() => open(answer)) as CertificateError;
  expect(error).toBeInstanceOf(CertificateError);
  expect(error.code).toBe('ECERT_ANSWER');
  return error.message;
};

describe('openCertificates', () => {
  it('decrypts each certificate with the APIv3 key, newest first, with its validity and a key that verifies', () => {
    const older = pem(platform.serial);
    const newer = pem(NEWER, new Date(SINCE.getTime() + 1000 * 3600), undefined, stranger);
    const opened = open({ data: [entry(older, platform.serial), entry(newer, NEWER)] });
    expect(opened.map((c) => c.serial)).toEqual([NEWER, platform.serial]);
    expect(opened[1]!.pem).toBe(older);
    expect(opened[1]!.validFrom.getTime()).toBe(SINCE.getTime());
    const signature = sign('sha256', Buffer.from('message'), platform.privateKey);
    expect(verify('sha256', Buffer.from('message'), opened[1]!.key, signature)).toBe(true);
    expect(verify('sha256', Buffer.from('message'), opened[0]!.key, signature)).toBe(false);
  });

  it('accepts a lower-case announced serial and gives it as the platform prints it', () => {
    const [opened] = open({ data: [entry(pem(NEWER), NEWER.toLowerCase())] });
    expect(opened!.serial).toBe(NEWER);
  });

  it('leaves expired certificates out, and refuses an answer with none left', () => {
    const expired = pem(NEWER, new Date(SINCE.getTime() - 2 * YEAR), new Date(Date.now() - 60_000));
    expect(open({ data: [entry(expired, NEWER), entry(pem(platform.serial), platform.serial)] }).map((c) => c.serial)).toEqual([platform.serial]);
    expect(refusal({ data: [entry(expired, NEWER)] })).toContain('every certificate it lists has expired');
    expect(refusal({ data: [] })).toContain('it lists no certificate');
  });

  it('refuses a certificate encrypted with another key (a wrong apiv3Key, or an altered answer)', () => {
    expect(refusal({ data: [entry(pem(NEWER), NEWER, { key: 'x'.repeat(32) })] })).toMatch(/does not decrypt with the APIv3 key.*authentication failed/);
    const altered = entry(pem(NEWER), NEWER);
    const bytes = Buffer.from(altered.encrypt_certificate.ciphertext, 'base64');
    bytes[10]! ^= 1;
    altered.encrypt_certificate.ciphertext = bytes.toString('base64');
    expect(refusal({ data: [altered] })).toContain('does not decrypt');
  });

  it('refuses a serial other than the certificate it announces', () => {
    const swapped = { ...entry(pem(NEWER), NEWER), serial_no: platform.serial };
    expect(refusal({ data: [swapped] })).toContain(`announces serial ${platform.serial}, but the certificate it holds is serial ${NEWER}`);
  });

  it('refuses announced times other than the certificate\'s own', () => {
    expect(refusal({ data: [entry(pem(NEWER), NEWER, { expire: '2099-01-01T00:00:00+08:00' })] })).toContain('expire_time 2099-01-01T00:00:00+08:00');
    expect(refusal({ data: [entry(pem(NEWER), NEWER, { effective: 'yesterday' })] })).toContain('no usable effective_time');
  });

  it("refuses the merchant's own serial, another algorithm, a non-hex serial, something not a certificate, and a shape without data", () => {
    expect(refusal({ data: [entry(pem(MERCHANT_SERIAL), MERCHANT_SERIAL)] })).toContain("merchant's own certificate serial");
    expect(refusal({ data: [entry(pem(NEWER), NEWER, { algorithm: 'AEAD_SM4_GCM' })] })).toContain('"AEAD_SM4_GCM", not AEAD_AES_256_GCM');
    expect(refusal({ data: [{ ...entry(pem(NEWER), NEWER), serial_no: 'not-hex' }] })).toContain('entry #0 has no usable serial_no');
    const nonce = 'a1b2c3d4e5f6';
    const notACertificate = { ...entry(pem(NEWER), NEWER), encrypt_certificate: { algorithm: 'AEAD_AES_256_GCM', nonce, associated_data: 'certificate', ciphertext: AesGcm.encrypt('hello', APIV3_KEY, nonce, 'certificate') } };
    expect(refusal({ data: [notACertificate] })).toContain('not an X.509 certificate');
    expect(refusal({ certificates: [] })).toContain('no `data` list');
    expect(refusal(null)).toContain('no `data` list');
  });
});
