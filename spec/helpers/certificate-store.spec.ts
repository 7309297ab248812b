/**
 * The certificate stores: in memory (the default), and a folder shared by processes, keyed by merchant id;
 * and a stored record, which is the signed download itself, checked again as a download is when read back.
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Builder, CertificateError, VerificationError } from '../../lib/index.js';
import { FileCertificateStore, MemoryCertificateStore, openRecord, recordOf, type StoredCertificates } from '../../lib/helpers/certificate-store.js';
import { certificatePlatform, type CertificatePlatform } from '../support/certificates.js';
import { rejected, thrown } from '../support/thrown.js';

const record = (serial: string): StoredCertificates => ({ downloadedAt: 1_700_000_000_000, headers: { 'Wechatpay-Serial': serial }, body: `{"data":["${serial}"]}` });
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wechatpay-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('MemoryCertificateStore', () => {
  it('keeps one record per merchant', () => {
    const store = new MemoryCertificateStore();
    expect(store.get('1230000109')).toBeUndefined();
    store.set('1230000109', record('AA'));
    store.set('1230000110', record('BB'));
    expect(store.get('1230000109')).toEqual(record('AA'));
    expect(store.get('1230000110')).toEqual(record('BB'));
  });
});

describe('FileCertificateStore', () => {
  it('writes one JSON file per merchant that another store on the same folder reads', async () => {
    const writer = new FileCertificateStore(join(dir, 'made-on-first-write'));
    await writer.set('1230000109', record('AA'));
    await writer.set('1230000110', record('BB'));
    await writer.set('1230000109', record('CC'));
    const reader = new FileCertificateStore(join(dir, 'made-on-first-write'));
    expect(await reader.get('1230000109')).toEqual(record('CC'));
    expect(await reader.get('1230000110')).toEqual(record('BB'));
    expect(await reader.get('1230000111')).toBeUndefined();
    // Written aside and renamed: nothing else is left in the folder.
    expect(readdirSync(join(dir, 'made-on-first-write')).sort()).toEqual(['wechatpay-certificates-1230000109.json', 'wechatpay-certificates-1230000110.json']);
  });

  it('says what is wrong with a file that is not a record', async () => {
    const store = new FileCertificateStore(dir);
    writeFileSync(join(dir, 'wechatpay-certificates-1230000109.json'), '{"downloadedAt":1700000000000,"certificates":[]}');
    writeFileSync(join(dir, 'wechatpay-certificates-1230000110.json'), 'not json');
    const shape = await rejected(Promise.resolve(store.get('1230000109')));
    expect(shape).toBeInstanceOf(CertificateError);
    expect(shape).toMatchObject({ code: 'ECERT_STORE', message: expect.stringContaining('is not a certificate record') });
    expect(await rejected(Promise.resolve(store.get('1230000110')))).toMatchObject({ code: 'ECERT_STORE', message: expect.stringContaining('is not JSON') });
  });

  it('refuses a merchant id that cannot name a file, and a folder it cannot write', async () => {
    const store = new FileCertificateStore(dir);
    expect(await rejected(store.set('../1230000109', record('AA')))).toMatchObject({ code: 'ECERT_STORE', message: expect.stringContaining('cannot name a file') });
    writeFileSync(join(dir, 'a-file'), '');
    expect(await rejected(new FileCertificateStore(join(dir, 'a-file')).set('1230000109', record('AA')))).toMatchObject({ code: 'ECERT_STORE', message: expect.stringContaining('cannot be written') });
  });
});

describe('a stored download', () => {
  let platform: CertificatePlatform;
  let stored: StoredCertificates;
  let apiv3Key: string;
  let merchantSerial: string;
  beforeAll(async () => {
    platform = await certificatePlatform();
    const store = new MemoryCertificateStore();
    const client = Builder.factory({ ...platform.settings, autoCertificates: { store } });
    await client.certificates.ready();
    stored = store.get(platform.settings.mchid)!;
    apiv3Key = platform.settings.apiv3Key!;
    merchantSerial = platform.settings.serial;
  }, 30_000);
  afterAll(() => platform?.close());
  const open = (value: StoredCertificates, key = apiv3Key) => openRecord(value, { apiv3Key: key, merchantSerial, trusted: new Map(), maxClockOffset: 300 });

  it('is the answer as the platform sent it: its signature headers and its body', () => {
    expect(Object.keys(stored.headers).sort()).toEqual(['Wechatpay-Nonce', 'Wechatpay-Serial', 'Wechatpay-Signature', 'Wechatpay-Timestamp']);
    expect(JSON.parse(stored.body).data[0].encrypt_certificate.algorithm).toBe('AEAD_AES_256_GCM');
    expect(stored.body).not.toContain('BEGIN CERTIFICATE');
  });

  it('opens again: verified with the certificate it carries, decrypted with the APIv3 key, as of its signed time', () => {
    const opened = open(stored);
    expect(opened.signedBy).toBe(stored.headers['Wechatpay-Serial']);
    expect(opened.certificates.map((certificate) => certificate.serial)).toContain(stored.headers['Wechatpay-Serial']);
    expect(opened.signedAt).toBe(Number(stored.headers['Wechatpay-Timestamp']) * 1000);
    expect(Math.abs(opened.signedAt - Date.now())).toBeLessThan(60_000);
  });

  it('is refused when its body, its headers or the key it needs are not the original', () => {
    const body = JSON.parse(stored.body);
    const reordered = { ...stored, body: JSON.stringify(body, null, 1) };
    expect(thrown(() => open(reordered))).toMatchObject({ code: 'EV3_RES_HEADER_SIGNATURE_DIGEST' });
    const ciphertext: string = body.data[0].encrypt_certificate.ciphertext;
    const flipped = { ...stored, body: stored.body.replace(ciphertext, `${ciphertext.slice(0, 10)}${ciphertext[10] === 'A' ? 'B' : 'A'}${ciphertext.slice(11)}`) };
    expect(thrown(() => open(flipped))).toBeInstanceOf(CertificateError);
    const later = { ...stored, headers: { ...stored.headers, 'Wechatpay-Timestamp': String(Number(stored.headers['Wechatpay-Timestamp']) + 1) } };
    expect(thrown(() => open(later))).toBeInstanceOf(VerificationError);
    expect(thrown(() => open(stored, 'another-32-byte-apiv3-key-000000'))).toMatchObject({ code: 'ECERT_ANSWER', message: expect.stringContaining('APIv3 key') });
    const unsigned = { ...stored, headers: { 'Wechatpay-Serial': stored.headers['Wechatpay-Serial']! } };
    expect(thrown(() => open(unsigned))).toMatchObject({ code: 'EV3_RES_HEADERS_INCOMPLETE' });
  });

  it('is made only of a body kept byte for byte', () => {
    expect(recordOf({}, Buffer.from([0x7b, 0xff, 0x7d]), 0)).toBeUndefined();
    expect(recordOf({ 'wechatpay-serial': 'AA', 'content-type': 'application/json' }, Buffer.from('{}'), 5)).toEqual({ downloadedAt: 5, headers: { 'Wechatpay-Serial': 'AA' }, body: '{}' });
  });
});
