// The installed package from CommonJS: the seed endpoint, an order paid and queried, a forged answer refused,
// and an error of the CommonJS build recognised by the ES module build's class.
// Run by .ci/consumer/run.mjs inside a temporary project that installed the packed tarball.
'use strict';
const sdk = require('wechatpay-chain');
const { Builder, VerificationError, VERSION } = sdk;
const { startSandbox } = require('wechatpay-chain/sandbox');

async function main() {
  const sandbox = await startSandbox();
  try {
    const client = Builder.factory(sandbox.config);
    const seed = await client.chain('v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes').post({
      product_coupon_id: '1000000013',
      stock_id: '1000000013001',
      json: { brand_id: '120344', out_request_no: '34657_20250101_123457', code_list: ['vCode_cjs'] },
    });
    const outTradeNo = `CJS${Date.now()}`;
    const { mchid } = sandbox.config;
    await client.v3.pay.transactions.native.post({
      json: { appid: 'wxd678efh567hg6787', mchid, description: 'consumer', out_trade_no: outTradeNo, notify_url: 'https://example.com/notify', amount: { total: 1 } },
    });
    await sandbox.pay(outTradeNo);
    const paid = await client.v3.pay.transactions.outTradeNo[outTradeNo].get({ query: { mchid } });
    sandbox.faults.inject('bad-signature', 1);
    const error = await client.v3.pay.transactions.outTradeNo[outTradeNo].get({ query: { mchid } }).then(() => undefined, (caught) => caught);
    const esm = await import('wechatpay-chain');
    sandbox.faults.inject('server-error', 1);
    const refused = await client.v3.pay.transactions.outTradeNo[outTradeNo].get({ query: { mchid }, retry: false }).then(() => undefined, (caught) => caught);
    console.log(JSON.stringify({
      version: VERSION,
      // Errors built from platform answers, and every exported class, named as in the source (not a bundler's rename).
      names: { api: refused && refused.name, renamed: Object.entries(sdk).filter(([key, value]) => typeof value === 'function' && value.name !== key).map(([key]) => key) },
      from: require.resolve('wechatpay-chain'),
      seed: seed.data.total_count,
      trade_state: paid.data.trade_state,
      forged: error instanceof VerificationError ? error.code : String(error),
      esmInstanceof: error instanceof esm.VerificationError,
    }));
  } finally {
    await sandbox.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
