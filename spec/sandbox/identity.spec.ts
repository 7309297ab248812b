/** The sandbox's identity: made once in a folder, laid out as a merchant receives it, reused afterwards. */
import { X509Certificate } from 'node:crypto';
import fs, { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Builder } from '../../lib/core/builder.js';
import { ensureIdentity, loadIdentity, writeConfig } from '../../lib/sandbox/identity.js';
import { startSandbox } from '../../lib/sandbox/index.js';

// Each test makes RSA keys (and most start a sandbox): seconds on a loaded machine.
jest.setTimeout(30_000);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'wechatpay-identity-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('the sandbox identity', () => {
  it('makes keys, certificates with their serials, a public-key id, an APIv3 key and a secret; private files are 0600', async () => {
    const { identity, created } = await ensureIdentity(dir, '1900000109');
    expect(created).toBe(true);
    expect(identity.mchid).toBe('1900000109');
    expect(identity.merchant.id).toMatch(/^[1-7][0-9A-F]{39}$/);
    expect(identity.platformCertificate.id).toMatch(/^[1-7][0-9A-F]{39}$/);
    expect(identity.platformPublicKey.id).toMatch(/^PUB_KEY_ID_01\d+$/);
    expect(identity.apiv3Key).toMatch(/^[0-9A-Za-z]{32}$/);
    expect(identity.secret).toMatch(/^[0-9A-Za-z]{32}$/);
    const merchantCert = new X509Certificate(readFileSync(join(dir, 'apiclient_cert.pem')));
    expect(merchantCert.serialNumber).toBe(identity.merchant.id);
    expect(merchantCert.subject).toContain('CN=1900000109');
    const platformCert = new X509Certificate(readFileSync(join(dir, `wechatpay_${identity.platformCertificate.id}.pem`)));
    expect(platformCert.checkPrivateKey(identity.platformCertificate.privateKey)).toBe(true);
    for (const file of ['apiclient_key.pem', 'platform/certificate_key.pem', 'platform/pub_key_private.pem', 'platform/identity.json']) {
      expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
    }
  });

  it('reuses what the folder holds, refuses another mchid for it, and starts afresh when it is incomplete', async () => {
    const first = (await ensureIdentity(dir)).identity;
    const again = await ensureIdentity(dir);
    expect(again.created).toBe(false);
    expect([again.identity.merchant.id, again.identity.apiv3Key, again.identity.platformPublicKey.id]).toEqual([first.merchant.id, first.apiv3Key, first.platformPublicKey.id]);
    await expect(ensureIdentity(dir, '1900000001')).rejects.toThrow(/holds the sandbox merchant 1230000109/);
    rmSync(join(dir, 'pub_key.pem'));
    expect(loadIdentity(dir)).toBeUndefined();
    expect((await ensureIdentity(dir)).created).toBe(true);
  });

  it('refuses a folder whose certificate no longer matches its key', async () => {
    const { identity } = await ensureIdentity(dir);
    writeFileSync(join(dir, 'apiclient_cert.pem'), identity.platformCertificate.certificate);
    expect(() => loadIdentity(dir)).toThrow(/merchant certificate does not match/);
  });

  it('writes sandbox.json: exactly what Builder.factory takes', async () => {
    const { identity } = await ensureIdentity(dir);
    const config = writeConfig(identity, 'http://127.0.0.1:1/');
    expect(JSON.parse(readFileSync(join(dir, 'sandbox.json'), 'utf8'))).toEqual(config);
    expect(config).toEqual({
      baseURL: 'http://127.0.0.1:1/', mchid: '1230000109', serial: identity.merchant.id, privateKey: `file://${join(dir, 'apiclient_key.pem')}`,
      certs: { [identity.platformCertificate.id]: `file://${join(dir, `wechatpay_${identity.platformCertificate.id}.pem`)}`, [identity.platformPublicKey.id]: `file://${join(dir, 'pub_key.pem')}` },
      apiv3Key: identity.apiv3Key, secret: identity.secret, merchant: { cert: `file://${join(dir, 'apiclient_cert.pem')}` },
    });
    expect(() => Builder.factory(config)).not.toThrow();
  });

  it('without a folder, lives in a temporary one that close() removes', async () => {
    const sandbox = await startSandbox();
    expect(existsSync(join(sandbox.dir, 'sandbox.json'))).toBe(true);
    await sandbox.close();
    expect(existsSync(sandbox.dir)).toBe(false);
    const kept = await startSandbox({ dir });
    await kept.close();
    expect(existsSync(join(dir, 'sandbox.json'))).toBe(true);
  });

  it('leaves no temporary folder behind when it cannot listen', async () => {
    const first = await startSandbox();
    const port = Number(new URL(first.baseURL).port);
    // The folders this attempt made, told from those of sandboxes that specs in other workers start meanwhile.
    const made = jest.spyOn(fs, 'mkdtempSync');
    try {
      await expect(startSandbox({ port })).rejects.toThrow(/EADDRINUSE/);
      const folders = made.mock.results.map((result) => String(result.value)).filter((folder) => basename(folder).startsWith('wechatpay-sandbox-'));
      expect(folders).toHaveLength(1);
      expect(folders.filter((folder) => existsSync(folder))).toEqual([]);
    } finally {
      made.mockRestore();
      await first.close();
    }
  });
});
