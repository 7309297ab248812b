/**
 * Sensitive fields: a profit-sharing receiver's real name is encrypted for the platform with
 * `client.encrypt` (RSA-OAEP with the platform public key, or the newest valid platform certificate), and
 * the request that carries it sends the matching `Wechatpay-Serial` by itself. `client.decrypt` reads the
 * sensitive values the platform returns to the merchant (encrypted with the merchant's key).
 *
 *   npx tsx examples/sensitive-fields.ts
 */
import { Rsa } from 'wechatpay-chain';
import { run } from './support.js';

run(async ({ client, appid, sandbox }) => {
  const name = client.encrypt('张三');
  console.log(`encrypted name: ${name.slice(0, 40)}… (${name.length} base64 characters)`);

  const { status, config } = await client.v3.profitsharing.receivers.add.post({
    json: { appid, type: 'PERSONAL_OPENID', account: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o', name, relation_type: 'PARTNER' },
  });
  console.log(`receiver added (HTTP ${status}); the request carried Wechatpay-Serial ${String(config.headers['Wechatpay-Serial'])}`);

  // What the platform returns encrypted for the merchant (with the merchant certificate's public key) reads back.
  // On the sandbox the merchant key is at hand to play the platform's part.
  if (sandbox) {
    const forMerchant = Rsa.encrypt('13800138000', Rsa.from(sandbox.config.privateKey, 'public'));
    console.log(`decrypted for the merchant: ${client.decrypt(forMerchant)}`);
  }
});
