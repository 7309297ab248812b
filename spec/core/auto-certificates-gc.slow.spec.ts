/**
 * The refresh timer holds its client only weakly: the refresher of a client nobody uses any more is collected
 * although its timer is scheduled, and its timer is then cleared, not left pending for hours (a child process
 * with --expose-gc; no network: the certificates come from a store; timers seen through async_hooks).
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..', '..');

const script = `
import { createHook } from 'node:async_hooks';
import { createSign, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { Builder, MemoryCertificateStore } from './lib/index.ts';
import { AesGcm } from './lib/crypto/aes-gcm.ts';
import { createCertificate } from './lib/sandbox/self-signed.ts';

// The refresh timers pending (an hour's refresh interval, less 10 %): a timer that is cleared, or fires, is destroyed.
const pending = new Set();
createHook({
  init(id, type, _trigger, resource) {
    if (type === 'Timeout' && resource._idleTimeout >= 3000000) pending.add(id);
  },
  destroy(id) {
    pending.delete(id);
  },
}).enable();

const pair = () => generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = pair();
const merchant = pair();
const serial = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const pem = createCertificate({ publicKey: platform.publicKey, signingKey: platform.privateKey, serial, commonName: 'Platform' });
const apiv3Key = 'k'.repeat(32);
// A stored download as the platform answers it: the certificate encrypted with the APIv3 key, the answer signed.
const nonce = 'abcdef012345';
const x509 = new X509Certificate(pem);
const body = JSON.stringify({ data: [{
  serial_no: serial, effective_time: new Date(x509.validFrom).toISOString(), expire_time: new Date(x509.validTo).toISOString(),
  encrypt_certificate: { algorithm: 'AEAD_AES_256_GCM', nonce, associated_data: 'certificate', ciphertext: AesGcm.encrypt(pem, apiv3Key, nonce, 'certificate') },
}] });
const timestamp = String(Math.floor(Date.now() / 1000));
const signature = createSign('RSA-SHA256').update(timestamp + '\\n' + nonce + '\\n' + body + '\\n').sign(platform.privateKey, 'base64');
const store = new MemoryCertificateStore();
store.set('1230000109', { downloadedAt: Date.now(), headers: { 'Wechatpay-Timestamp': timestamp, 'Wechatpay-Nonce': nonce, 'Wechatpay-Serial': serial, 'Wechatpay-Signature': signature }, body });
const settings = { mchid: '1230000109', serial: '3775B6A45ACD588826D15E583A95F5DD2B6C0D11', privateKey: merchant.privateKey, apiv3Key };

// The refresher keeps its onRefresh callback: while the callback lives, so does the refresher (and its timer's work).
async function dropped() {
  const onRefresh = () => undefined;
  const client = Builder.factory({ ...settings, autoCertificates: { store, refreshInterval: 3600000, onRefresh } });
  await client.certificates.ready();
  if (client.certificates.list().length !== 1) throw new Error('not loaded from the store');
  return new WeakRef(onRefresh);
}
const refs = [await dropped(), await dropped(), await dropped()];
const scheduled = pending.size;
const kept = Builder.factory({ ...settings, autoCertificates: { store, refreshInterval: 3600000 } });
await kept.certificates.ready();
for (let round = 0; round < 5; round += 1) {
  await new Promise((resolve) => setTimeout(resolve, 10));
  globalThis.gc();
}
console.log(JSON.stringify({
  scheduled,
  collected: refs.filter((ref) => ref.deref() === undefined).length,
  kept: kept.certificates.list().length,
  pending: pending.size,
}));
`;

describe('a client with a scheduled refresh', () => {
  it('is collected once nothing uses it, and its timer is cleared', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, timeout: 60_000 });
    expect(JSON.parse(stdout)).toEqual({ scheduled: 3, collected: 3, kept: 1, pending: 1 });
  }, 60_000);
});
