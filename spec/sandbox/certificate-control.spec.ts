/**
 * The platform certificate lifecycle over the control API (/__sandbox/certificates): rotations listed at once
 * and signing from the time asked, retirements, the public-key-only merchant; what `GET v3/certificates` says.
 */
import { Builder } from '../../lib/index.js';
import { AesGcm } from '../../lib/crypto/aes-gcm.js';
import { PemUtil } from '../../lib/util/pem.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { withSandbox } from '../support/sandbox.js';
import { sleep } from '../support/certificates.js';

let sandbox: Sandbox;

withSandbox((s) => {
  sandbox = s;
});

const control = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${sandbox.baseURL}__sandbox${path}`, { method, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  return { status: response.status, body: await response.json() as any };
};

/** A client trusting every certificate the sandbox announces (and its public key), to read what signs. */
async function listing() {
  const client = Builder.factory({ ...sandbox.config, autoCertificates: true });
  const { data, headers } = await client.v3.certificates.get();
  return { serials: data.data!.map((entry) => entry.serial_no), signedBy: headers['wechatpay-serial'], data: data.data! };
}

describe('/__sandbox/certificates', () => {
  it('shows the mode, the key signing now, and each certificate', async () => {
    const { status, body } = await control('GET', '/certificates');
    expect(status).toBe(200);
    expect(body).toEqual({
      mode: 'certificates',
      signing: sandbox.platform.serial,
      publicKeyId: sandbox.platform.publicKeyId,
      certificates: [expect.objectContaining({ serial: sandbox.platform.serial, listed: true })],
    });
  });

  it('rotates: the new certificate is listed at once, and signs from the time asked', async () => {
    const later = new Date(Date.now() + 3600_000).toISOString();
    const announced = await control('POST', '/certificates/rotate', { at: later });
    expect(announced).toMatchObject({ status: 201, body: { signsFrom: later, signing: sandbox.platform.serial } });
    const before = await listing();
    expect(before.serials).toEqual([sandbox.platform.serial, announced.body.serial]);
    expect(before.signedBy).toBe(sandbox.platform.serial);
    // Each entry decrypts to the certificate it announces.
    for (const entry of before.data) {
      const pem = AesGcm.decrypt(entry.encrypt_certificate!.ciphertext!, sandbox.config.apiv3Key, entry.encrypt_certificate!.nonce!, 'certificate');
      expect(PemUtil.parseCertificateSerialNo(pem)).toBe(entry.serial_no);
    }
    const soon = await control('POST', '/certificates/rotate', { in: 1 });
    await sleep(Date.parse(soon.body.signsFrom) + 50 - Date.now());
    expect((await listing()).signedBy).toBe(soon.body.serial);
    expect((await control('GET', '/certificates')).body.signing).toBe(soon.body.serial);
  });

  it('retires a certificate that no longer signs, never the one that does', async () => {
    const { body } = await control('GET', '/certificates');
    expect(await control('DELETE', `/certificates/${body.signing}`)).toMatchObject({ status: 400, body: { message: expect.stringContaining('signs the answers now') } });
    expect((await control('DELETE', `/certificates/${sandbox.platform.serial}`)).status).toBe(200);
    const { serials } = await listing();
    expect(serials).toContain(body.signing);
    expect(serials).not.toContain(sandbox.platform.serial);
    expect((await control('GET', '/certificates')).body.certificates).toContainEqual(expect.objectContaining({ serial: sandbox.platform.serial, listed: false }));
    expect(await control('DELETE', '/certificates/ABCDEF')).toMatchObject({ status: 400, body: { message: 'No platform certificate ABCDEF' } });
  });

  it('switches to public-key-only: v3/certificates answers 404 RESOURCE_NOT_EXISTS, answers are signed with the public key', async () => {
    expect((await control('PUT', '/certificates', { mode: 'public-key-only' })).body).toMatchObject({ mode: 'public-key-only', signing: sandbox.platform.publicKeyId });
    const client = Builder.factory(sandbox.config);
    await expect(client.v3.certificates.get()).rejects.toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });
    const answer = await client.v3.pay.transactions.native.post({ json: { appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description: 'd', out_trade_no: 'PK1', notify_url: 'https://example.com/n', amount: { total: 1 } } });
    expect(answer.headers['wechatpay-serial']).toBe(sandbox.platform.publicKeyId);
    const back = (await control('PUT', '/certificates', { mode: 'certificates' })).body;
    expect(back.mode).toBe('certificates');
    expect((await listing()).signedBy).toBe(back.signing);
  });

  it('refuses what it does not know', async () => {
    expect(await control('PUT', '/certificates', { mode: 'both' })).toMatchObject({ status: 400, body: { code: 'SANDBOX_ERROR' } });
    expect(await control('POST', '/certificates/rotate', { at: 'tomorrow' })).toMatchObject({ status: 400, body: { message: expect.stringContaining('at must be a time') } });
    expect(await control('POST', '/certificates/rotate', { in: 'soon' })).toMatchObject({ status: 400 });
    expect(await control('GET', '/certificates/nothing')).toMatchObject({ status: 404 });
  });
});
