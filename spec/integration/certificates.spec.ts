/**
 * `GET v3/certificates` against the sandbox: the platform certificate, encrypted with the APIv3 key,
 * decrypted with the SDK's AesGcm and compared with the certificate file sandbox.json names.
 */
import { readFileSync } from 'node:fs';
import { Builder } from '../../lib/core/builder.js';
import { AesGcm } from '../../lib/crypto/aes-gcm.js';
import { PemUtil } from '../../lib/util/pem.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';

let sandbox: Sandbox;

beforeAll(async () => {
  sandbox = await startSandbox();
}, 30_000);
afterAll(() => sandbox.close());

describe('the platform certificates', () => {
  it.each(['v3/certificates', 'hk/v3/certificates', 'v3/global/certificates'])('%s answers the platform certificate, encrypted with the APIv3 key', async (template) => {
    const client = Builder.factory(sandbox.config);
    const { data } = await client.chain(template).get<{ data: any[] }>();
    expect(data.data).toHaveLength(1);
    const [entry] = data.data;
    const { algorithm, nonce, associated_data: aad, ciphertext } = entry.encrypt_certificate;
    expect([algorithm, aad, nonce.length]).toEqual(['AEAD_AES_256_GCM', 'certificate', 12]);
    const pem = AesGcm.decrypt(ciphertext, sandbox.config.apiv3Key, nonce, aad);
    const file = readFileSync(sandbox.config.certs[entry.serial_no]!.replace(/^file:\/\//, ''), 'utf8');
    expect(pem).toBe(file);
    const certificate = PemUtil.loadCertificateFromString(pem);
    expect(PemUtil.parseCertificateSerialNo(certificate)).toBe(entry.serial_no);
    expect(new Date(entry.effective_time).getTime()).toBe(new Date(certificate.validFrom).getTime());
    expect(new Date(entry.expire_time).getTime()).toBe(new Date(certificate.validTo).getTime());
    // Another APIv3 key cannot read it.
    expect(() => AesGcm.decrypt(ciphertext, 'x'.repeat(32), nonce, aad)).toThrow(/authentication failed/);
  });

  it('lets a client that knows only the public key fetch the certificate and trust it (setCerts)', async () => {
    const publicKeyOnly = Builder.factory({ ...sandbox.config, certs: { [sandbox.platform.publicKeyId]: sandbox.config.certs[sandbox.platform.publicKeyId]! } });
    // Answers signed with the certificate are refused until it is trusted...
    await expect(publicKeyOnly.v3.certificates.get()).rejects.toMatchObject({ code: 'EV3_RES_HEADER_PLATFORM_SERIAL' });
    // ...so the request names the public key, and the answer is signed with it.
    const { data } = await publicKeyOnly.v3.certificates.get({ headers: { 'Wechatpay-Serial': sandbox.platform.publicKeyId } });
    const [entry] = data.data!;
    const pem = AesGcm.decrypt(entry!.encrypt_certificate!.ciphertext!, sandbox.config.apiv3Key, entry!.encrypt_certificate!.nonce!, 'certificate');
    publicKeyOnly.setCerts({ [entry!.serial_no!]: pem });
    expect((await publicKeyOnly.v3.certificates.get()).status).toBe(200);
  });
});
