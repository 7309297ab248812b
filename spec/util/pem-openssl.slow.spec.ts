/**
 * PemUtil against the openssl command line, as child processes: the serial `openssl x509 -serial` prints, and
 * PKCS#12 bundles made by `openssl pkcs12 -export` in its current and legacy forms. (Skipped where openssl is
 * not installed; the rest of PemUtil is spec/util/pem.spec.ts.)
 */
import { spawnSync } from 'node:child_process';
import { Rsa } from '../../lib/crypto/rsa.js';
import { PemUtil } from '../../lib/util/pem.js';
import { createCertificate } from '../../lib/sandbox/self-signed.js';
import { fixtureDir, fixtureFile, keyFixture, removeFixtureDir } from '../fixtures/keys.js';

const merchant = keyFixture('merchant');
const platform = keyFixture('platform');

afterAll(removeFixtureDir);

function der(key: { export(options: { type: 'pkcs8' | 'spki'; format: 'der' }): Buffer; type: string }): string {
  return key.export({ type: key.type === 'private' ? 'pkcs8' : 'spki', format: 'der' }).toString('base64');
}

function certificateWithSerial(serial: string): string {
  return createCertificate({ publicKey: merchant.publicKey, signingKey: merchant.privateKey, serial, commonName: 'serial test' });
}

const openssl = spawnSync('openssl', ['version']).status === 0;
const withOpenssl = openssl ? it : it.skip;

describe('PemUtil.parseCertificateSerialNo', () => {
  withOpenssl('agrees with `openssl x509 -serial`', () => {
    for (const serial of ['0A1B2C3D4E5F60718293A4B5C6D7E8F901234567', 'F1D2', platform.serial]) {
      const path = fixtureFile(`serial-${serial}.pem`, certificateWithSerial(serial));
      const printed = spawnSync('openssl', ['x509', '-in', path, '-noout', '-serial'], { encoding: 'utf8' }).stdout.trim();
      expect(printed).toBe(`serial=${PemUtil.parseCertificateSerialNo(PemUtil.loadCertificate(path))}`);
    }
  });
});

describe('PemUtil.loadPkcs12', () => {
  withOpenssl('reads bundles made by OpenSSL 3 (PBES2/AES, SHA-256 MAC) and legacy ones (RC2-40/3DES, SHA-1 MAC)', () => {
    const key = fixtureFile('openssl-key.pem', merchant.pem.pkcs8Private);
    const cert = fixtureFile('openssl-cert.pem', merchant.pem.certificate);
    const variants: string[][] = [[], ['-descert'], ['-legacy']];
    let read = 0;
    for (const extra of variants) {
      const out = `${fixtureDir()}/openssl-${read}.p12`;
      const made = spawnSync('openssl', ['pkcs12', '-export', ...extra, '-inkey', key, '-in', cert, '-out', out, '-passout', 'pass:1900000109']);
      if (made.status !== 0 && extra[0] === '-legacy') continue; // legacy provider not installed
      expect(made.status).toBe(0);
      const bundle = PemUtil.loadPkcs12(out, '1900000109');
      expect(bundle.serial).toBe(merchant.serial);
      expect(der(bundle.privateKey)).toBe(der(merchant.privateKey));
      expect(Rsa.verify('m', Rsa.sign('m', [`file://${out}`, '1900000109']), [`file://${out}`, '1900000109'])).toBe(true);
      read += 1;
    }
    expect(read).toBeGreaterThanOrEqual(2);
  });
});
