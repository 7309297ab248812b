/** The certificate stores: in memory (the default), and a folder shared by processes, keyed by merchant id. */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CertificateError } from '../../lib/errors.js';
import { FileCertificateStore, MemoryCertificateStore, type StoredCertificates } from '../../lib/helpers/certificate-store.js';
import { rejected } from '../support/thrown.js';

const record = (serial: string): StoredCertificates => ({ downloadedAt: 1_700_000_000_000, certificates: [{ serial, pem: `-----BEGIN CERTIFICATE-----\n${serial}\n-----END CERTIFICATE-----\n` }] });
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
    writeFileSync(join(dir, 'wechatpay-certificates-1230000109.json'), '{"downloadedAt":"yesterday","certificates":[]}');
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
