/**
 * Certificates, the public key, or both: two merchants in one process keep their keys apart (even sharing
 * a store folder), a public-key-only merchant works with its public key and is told clearly when it has
 * none, and during the migration answers and notifications signed with either key verify.
 */
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Builder, FileCertificateStore, type WechatpayError } from '../../lib/index.js';
import { certificatePlatform, type CertificatePlatform } from '../support/certificates.js';
import { rejected } from '../support/thrown.js';

const serialOf = (answer: { headers: Record<string, unknown> }): string => String(answer.headers['wechatpay-serial']);

describe('two merchants in one process', () => {
  let first: CertificatePlatform;
  let second: CertificatePlatform;
  let folder: string;

  beforeAll(async () => {
    [first, second] = await Promise.all([certificatePlatform({ mchid: '1230000109' }), certificatePlatform({ mchid: '1230000110' })]);
    folder = mkdtempSync(join(tmpdir(), 'wechatpay-two-'));
  }, 30_000);
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
    rmSync(folder, { recursive: true, force: true });
  });

  it('never see each other\'s keys, even with one store folder', async () => {
    const store = new FileCertificateStore(folder);
    const a = Builder.factory({ ...first.settings, autoCertificates: { store, minInterval: 1000 } });
    const b = Builder.factory({ ...second.settings, autoCertificates: { store, minInterval: 1000 } });
    await Promise.all([first.query(a), second.query(b)]);
    const ids = (client: typeof a) => client.certificates.list().map((key) => key.id);
    expect(ids(a)).toEqual([first.sandbox.platform.serial]);
    expect(ids(b)).toEqual([second.sandbox.platform.serial]);
    expect(readdirSync(folder).sort()).toEqual(['wechatpay-certificates-1230000109.json', 'wechatpay-certificates-1230000110.json']);

    // The second platform rotates: only its merchant downloads again.
    const { serial } = await second.sandbox.certificates.rotate();
    const [downloadsA, downloadsB] = [first.downloads(), second.downloads()];
    expect(serialOf(await second.query(b))).toBe(serial);
    expect(serialOf(await first.query(a))).toBe(first.sandbox.platform.serial);
    expect([first.downloads() - downloadsA, second.downloads() - downloadsB]).toEqual([0, 1]);
    expect(ids(a)).toEqual([first.sandbox.platform.serial]);
    expect(ids(b).sort()).toEqual([second.sandbox.platform.serial, serial].sort());

    // A notification of the second platform: its merchant accepts it, the first refuses it (and learns nothing).
    const notification = await second.notification();
    expect((await b.notification.parseAsync(notification)).resource).toEqual({ out_trade_no: 'KEYS-0001' });
    expect(await rejected(a.notification.parseAsync(notification))).toMatchObject({ code: 'EV3_RES_HEADER_PLATFORM_SERIAL' });
    expect(ids(a)).toEqual([first.sandbox.platform.serial]);
  }, 30_000);
});

describe('the public key', () => {
  let platform: CertificatePlatform;
  let publicKey: Record<string, string>;

  beforeAll(async () => {
    platform = await certificatePlatform();
    const id = platform.sandbox.platform.publicKeyId;
    publicKey = { [id]: platform.sandbox.config.certs[id]! };
  }, 30_000);
  afterAll(() => platform.close());
  afterEach(() => {
    platform.sandbox.certificates.setPublicKeyOnly(false);
    platform.sandbox.signWith('certificate');
  });

  it('a public-key-only merchant with the public key configured works; autoCertificates reports once that it has nothing to download', async () => {
    platform.sandbox.certificates.setPublicKeyOnly(true);
    const errors: WechatpayError[] = [];
    const client = Builder.factory({ ...platform.settings, certs: publicKey, autoCertificates: { onError: (error) => errors.push(error) } });
    const before = platform.downloads();
    const answers = await Promise.all([platform.query(client), platform.query(client), platform.query(client)]);
    expect(answers.map(serialOf)).toEqual(Array(3).fill(platform.sandbox.platform.publicKeyId));
    expect(await platform.query(client)).toMatchObject({ status: 200 });
    expect(platform.downloads() - before).toBe(1);
    expect(errors).toEqual([expect.objectContaining({ code: 'ECERT_NONE', message: expect.stringContaining(`${platform.sandbox.platform.publicKeyId} is configured: answers verify with it`) })]);
    expect((await client.notification.parseAsync(await platform.notification())).resource).toEqual({ out_trade_no: 'KEYS-0001' });
    client.certificates.stop();
  });

  it('without it, the clear error; repeated calls do not download again within the window', async () => {
    platform.sandbox.certificates.setPublicKeyOnly(true);
    const client = Builder.factory({ ...platform.settings, autoCertificates: { minInterval: 5000 } });
    const before = platform.downloads();
    const errors = await Promise.all([rejected(platform.query(client)), rejected(platform.query(client))]);
    errors.push(await rejected(platform.query(client)));
    expect(errors.map((error) => (error as WechatpayError).code)).toEqual(['ECERT_NONE', 'ECERT_NONE', 'ECERT_NONE']);
    expect(errors[0]!.message).toMatch(/Merchant \d+ has no platform certificates .*: the platform signs its answers with the WeChat Pay public key\. Configure it instead/);
    expect(platform.downloads() - before).toBe(1);
  });

  it('a download signed with a public key the client lacks is refused, saying to add the public key', async () => {
    platform.sandbox.signWith('public-key');
    const client = Builder.factory({ ...platform.settings, autoCertificates: true });
    const error = await rejected(platform.query(client));
    expect(error).toMatchObject({ code: 'EV3_RES_HEADER_PLATFORM_SERIAL' });
    expect(error.message).toContain(`signed by the platform public key ${platform.sandbox.platform.publicKeyId}`);
    expect(error.message).toContain('The platform signs with its public key; add it to certs');
  });

  it('during the migration, a failed first download does not fail calls: the first certificate-signed answer looks again', async () => {
    const errors: WechatpayError[] = [];
    const client = Builder.factory({ ...platform.settings, certs: publicKey, autoCertificates: { onError: (error) => errors.push(error) } });
    platform.sandbox.faults.inject('server-error', 3, '/v3/certificates'); // all three attempts of one download (docs/resilience.md)
    const answer = await platform.query(client);
    expect(serialOf(answer)).toBe(platform.sandbox.platform.serial);
    expect(errors).toEqual([expect.objectContaining({ code: 'SYSTEM_ERROR' })]);
    expect(client.certificates.list().map((key) => key.id)).toContain(platform.sandbox.platform.serial);
    client.certificates.stop();
  });

  it('during the migration, answers and notifications signed with either key verify', async () => {
    const client = Builder.factory({ ...platform.settings, certs: publicKey, autoCertificates: true });
    const serials = new Set<string>();
    for (let call = 0; call < 20; call += 1) {
      platform.sandbox.signWith(call % 2 ? 'public-key' : 'certificate');
      serials.add(serialOf(await platform.query(client)));
      const notification = await platform.notification();
      serials.add(String(notification.headers['wechatpay-serial']));
      expect((await client.notification.parseAsync(notification)).resource).toEqual({ out_trade_no: 'KEYS-0001' });
    }
    expect([...serials].sort()).toEqual([platform.sandbox.platform.serial, platform.sandbox.platform.publicKeyId].sort());
    expect(client.certificates.list().map((key) => `${key.kind} ${key.source}`).sort()).toEqual(['certificate downloaded', 'public-key configured']);
    // Sensitive fields go to the public key, which the platform accepts.
    const added = await client.v3.profitsharing.receivers.add.post({
      json: { appid: 'wxd678efh567hg6787', type: 'PERSONAL_OPENID', account: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', name: client.encrypt('张三'), relation_type: 'PARTNER' },
    });
    expect(added.config.headers['Wechatpay-Serial']).toBe(platform.sandbox.platform.publicKeyId);
    client.certificates.stop();
  }, 30_000);
});
