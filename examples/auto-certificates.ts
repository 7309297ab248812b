/**
 * Platform certificates that look after themselves: `autoCertificates` downloads them before the first call
 * (verified, decrypted with the APIv3 key; no `certs` needed) and follows a rotation without a restart. On the
 * sandbox the platform rotates its certificate mid-way; on the live API the same code simply keeps working.
 * (A merchant with the platform public key only is told to configure it: docs/certificates.md.)
 *
 *   npx tsx examples/auto-certificates.ts
 */
import { run } from './support.js';

run(async ({ client, sandbox, mchid }) => {
  await client.certificates.ready();
  for (const key of client.certificates.list()) {
    console.log(`trusted ${key.kind} ${key.id} (${key.source}${key.validTo ? `, until ${key.validTo.toISOString().slice(0, 10)}` : ''})`);
  }
  if (!sandbox) return;

  await client.v3.pay.transactions.native.post({ json: {
    appid: 'wxd678efh567hg6787', mchid, description: 'keys', out_trade_no: 'EXAMPLE-KEYS', notify_url: 'https://example.com/notify', amount: { total: 1 },
  } });
  const { serial } = await sandbox.certificates.rotate();   // answers are now signed with a certificate the client has not seen
  console.log(`the sandbox rotated its certificate: ${serial}`);
  const { headers } = await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'EXAMPLE-KEYS', query: { mchid } });
  console.log(`an answer signed by ${String(headers['wechatpay-serial'])} verified after one look-up, no restart`);
}, {
  certs: undefined,
  autoCertificates: {
    onRefresh: (event) => console.log(`platform certificates ${event.source === 'download' ? 'downloaded' : 'read from the store'} (${event.reason}): ${event.certificates.map((c) => c.serial).join(', ')}`),
    onError: (error) => console.error(`certificate refresh failed: ${error.code} ${error.message}`),
  },
});
