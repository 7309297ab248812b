/**
 * Automatic certificates on a shared store, several clients standing for a fleet's processes: one download
 * for all (the Redis lock), a record checked by each reader as a download is (a tampered or planted one is
 * reported, ignored and replaced: Redis, file and memory stores alike), a rotation picked up from the store,
 * and a Redis that is gone costing nothing but reports.
 */
import { createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AesGcm } from '../../lib/crypto/aes-gcm.js';
import { Builder, FileCertificateStore, MemoryCertificateStore, type CertificateRefresh, type CertificateStore, type StoredCertificates, type WechatpayError } from '../../lib/index.js';
import { RedisCertificateStore } from '../../lib/redis/index.js';
import { createCertificate } from '../../lib/sandbox/self-signed.js';
import { certificatePlatform, type CertificatePlatform } from '../support/certificates.js';
import { CLIENT_NAMES, CLIENTS, startRedis, type ConnectedClient, type RedisServer } from '../support/redis.js';

let platform: CertificatePlatform;
let server: RedisServer;
const connections: ConnectedClient[] = [];
const folders: string[] = [];

beforeAll(async () => {
  [platform, server] = await Promise.all([certificatePlatform(), startRedis()]);
  for (const name of CLIENT_NAMES) connections.push(await CLIENTS[name](server.url));
}, 30_000);
afterAll(async () => {
  for (const connection of connections) await connection.close();
  await Promise.all([platform?.close(), server?.stop()]);
  for (const folder of folders) rmSync(folder, { recursive: true, force: true });
});

/** A client (one process of the fleet) on `store`, recording its refreshes and errors. */
function processOn(store: CertificateStore) {
  const refreshes: CertificateRefresh[] = [];
  const errors: WechatpayError[] = [];
  const client = Builder.factory({
    ...platform.settings,
    autoCertificates: { store, minInterval: 1000, onRefresh: (event) => refreshes.push(event), onError: (error) => errors.push(error) },
  });
  return { client, refreshes, errors };
}

let prefixes = 0;
/** Each test its own keys. */
const redisStore = (index: number) => new RedisCertificateStore(connections[index]!.client, { prefix: `test${(prefixes += 1)}:` });

/** A record an attacker who can write the store makes: their own certificate, signed by them, encrypted with a key of their choosing. */
function planted(): StoredCertificates {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const serial = '0A0B0C0D0E0F';
  const pem = createCertificate({ publicKey, signingKey: privateKey, serial, commonName: 'Not WeChat Pay' });
  const nonce = randomBytes(6).toString('hex');
  const notBefore = new Date(Math.floor(Date.now() / 1000 - 300) * 1000);
  const body = JSON.stringify({ data: [{
    serial_no: serial, effective_time: notBefore.toISOString(), expire_time: new Date(notBefore.getTime() + 5 * 365 * 24 * 3600_000).toISOString(),
    encrypt_certificate: { algorithm: 'AEAD_AES_256_GCM', nonce, associated_data: 'certificate', ciphertext: AesGcm.encrypt(pem, randomBytes(16).toString('hex'), nonce, 'certificate') },
  }] });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createSign('RSA-SHA256').update(`${timestamp}\n${nonce}\n${body}\n`).sign(privateKey, 'base64');
  return { downloadedAt: Date.now(), headers: { 'Wechatpay-Timestamp': timestamp, 'Wechatpay-Nonce': nonce, 'Wechatpay-Serial': serial, 'Wechatpay-Signature': signature }, body };
}

describe.each(CLIENT_NAMES.map((name, index) => [name, index] as const))('RedisCertificateStore with %s', (_name, index) => {
  it('makes one download for clients that start together; the others read it from the store', async () => {
    const store = redisStore(index);
    const fleet = Array.from({ length: 6 }, () => processOn(store));
    const before = platform.downloads();
    const answers = await Promise.all(fleet.flatMap(({ client }) => [platform.query(client), platform.query(client)]));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    expect(platform.downloads() - before).toBe(1);
    expect(fleet.flatMap(({ refreshes }) => refreshes.map((event) => event.source)).sort()).toEqual(['download', 'store', 'store', 'store', 'store', 'store']);
    expect(fleet.flatMap(({ errors }) => errors)).toEqual([]);
  }, 30_000);

  it('looks up a rotated certificate in the store first: one download for the fleet', async () => {
    const store = redisStore(index);
    const fleet = Array.from({ length: 4 }, () => processOn(store));
    await Promise.all(fleet.map(({ client }) => platform.query(client)));
    const { serial } = await platform.sandbox.certificates.rotate();
    const before = platform.downloads();
    const answers = await Promise.all(fleet.map(({ client }) => platform.query(client)));
    expect(answers.map((answer) => answer.headers['wechatpay-serial'])).toEqual(fleet.map(() => serial));
    expect(platform.downloads() - before).toBe(1);
    expect(fleet.map(({ refreshes }) => refreshes.at(-1)).map((event) => [event?.reason, event?.added])).toEqual(fleet.map(() => ['unknown-serial', [serial]]));
  }, 30_000);

  it('waits out a lock whose holder died, then downloads itself', async () => {
    const store = redisStore(index);
    const lock = store.key(platform.settings.mchid) + ':lock';
    await connections[index]!.raw('SET', lock, 'a-process-that-died', 'PX', '800');
    const orphan = processOn(store);
    const before = platform.downloads();
    expect((await platform.query(orphan.client)).status).toBe(200);
    expect(platform.downloads() - before).toBe(1);
    expect(orphan.refreshes.map((event) => event.source)).toEqual(['download']);
    // Its record is written, and the lock is free again (it took it once expired, and released it).
    expect(await connections[index]!.raw('EXISTS', lock)).toBe(0);
    expect(await store.get(platform.settings.mchid)).toEqual(expect.objectContaining({ body: expect.stringContaining('encrypt_certificate') }));
    expect(orphan.errors).toEqual([]);
  }, 30_000);

  it('is written even when a process reads no record because Redis is gone, and calls go on meanwhile', async () => {
    const gone = await startRedis();
    const connection = await CLIENTS[CLIENT_NAMES[index]!](gone.url);
    try {
      const store = new RedisCertificateStore(connection.client, { timeout: 200 });
      const first = processOn(store);
      expect((await platform.query(first.client)).status).toBe(200);
      await gone.kill();
      const second = processOn(store);
      const before = platform.downloads();
      expect((await platform.query(second.client)).status).toBe(200);
      expect((await platform.query(first.client)).status).toBe(200);
      expect(platform.downloads() - before).toBe(1);
      expect(second.errors.map((error) => error.code)).toEqual(['ECERT_STORE', 'ECERT_STORE']);
      expect(second.errors.map((error) => error.message)).toEqual([expect.stringContaining('cannot be read'), expect.stringContaining('cannot be written')]);
      expect(first.errors).toEqual([]);
    } finally {
      await connection.close();
      await gone.stop();
    }
  }, 30_000);
});

const stores: Array<[string, () => CertificateStore]> = [
  ['RedisCertificateStore', () => redisStore(0)],
  ['FileCertificateStore', () => {
    const folder = mkdtempSync(join(tmpdir(), 'wechatpay-fleet-'));
    folders.push(folder);
    return new FileCertificateStore(folder);
  }],
  ['MemoryCertificateStore', () => new MemoryCertificateStore()],
];

describe.each(stores)('a record of %s that does not check out', (_name, makeStore) => {
  async function storeWith(change: (record: StoredCertificates) => StoredCertificates | unknown) {
    const store = makeStore();
    const writer = processOn(store);
    await platform.query(writer.client);
    const genuine = (await store.get(platform.settings.mchid))!;
    await store.set(platform.settings.mchid, change(genuine) as StoredCertificates);
    return { store, genuine };
  }

  it.each([
    ['an altered body', (record: StoredCertificates) => ({ ...record, body: record.body.replace('"data"', ' "data"') })],
    ['another signed time', (record: StoredCertificates) => ({ ...record, headers: { ...record.headers, 'Wechatpay-Timestamp': String(Number(record.headers['Wechatpay-Timestamp']) - 1) } })],
    ['a planted certificate', () => planted()],
    ['a certificate as the old record kept it (trusted as written)', (record: StoredCertificates) => ({ downloadedAt: record.downloadedAt, certificates: [{ serial: record.headers['Wechatpay-Serial'], pem: 'x' }] })],
  ])('(%s) is reported, ignored and replaced by a fresh download', async (_what, change) => {
    const { store, genuine } = await storeWith(change);
    const reader = processOn(store);
    const before = platform.downloads();
    const answer = await platform.query(reader.client);
    expect(answer.status).toBe(200);
    expect(platform.downloads() - before).toBe(1);
    expect(reader.refreshes.map((event) => event.source)).toEqual(['download']);
    expect(reader.errors).toEqual([expect.objectContaining({ code: 'ECERT_STORE', message: expect.stringMatching(/holds a record that is refused|is not a certificate record/) })]);
    expect(reader.client.certificates.list().map((key) => key.id)).not.toContain('0A0B0C0D0E0F');
    const replaced = (await store.get(platform.settings.mchid))!;
    expect(replaced.body).not.toBe(genuine.body);
    // The replacement checks out: the next process takes it without downloading or reporting.
    const next = processOn(store);
    await platform.query(next.client);
    expect(platform.downloads() - before).toBe(1);
    expect(next.refreshes.map((event) => event.source)).toEqual(['store']);
    expect(next.errors).toEqual([]);
  }, 30_000);
});
