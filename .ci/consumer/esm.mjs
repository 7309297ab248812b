// The installed package from an ES module: the seed endpoint, an order paid and queried, a forged answer refused.
// Run by .ci/consumer/run.mjs inside a temporary project that installed the packed tarball.
import * as sdk from 'wechatpay-chain';
import { Builder, VerificationError, VERSION } from 'wechatpay-chain';
import { startSandbox } from 'wechatpay-chain/sandbox';

const sandbox = await startSandbox();
try {
  const client = Builder.factory(sandbox.config);
  const seed = await client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes.post({
    product_coupon_id: '1000000013',
    stock_id: '1000000013001',
    json: { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: ['vCode_esm'] },
  });
  const outTradeNo = `ESM${Date.now()}`;
  const { mchid } = sandbox.config;
  await client.v3.pay.transactions.native.post({
    json: { appid: 'wxd678efh567hg6787', mchid, description: 'consumer', out_trade_no: outTradeNo, notify_url: 'https://example.com/notify', amount: { total: 1 } },
  });
  await sandbox.pay(outTradeNo);
  const paid = await client.v3.pay.transactions.outTradeNo[outTradeNo].get({ query: { mchid } });
  sandbox.faults.inject('bad-signature', 1);
  const forged = await client.v3.pay.transactions.outTradeNo[outTradeNo].get({ query: { mchid } }).then(
    () => 'accepted',
    (error) => (error instanceof VerificationError ? error.code : `${error?.name}: ${error?.message}`),
  );
  sandbox.faults.inject('server-error', 1);
  const refused = await client.v3.pay.transactions.outTradeNo[outTradeNo].get({ query: { mchid }, retry: false }).then(() => undefined, (error) => error);
  console.log(JSON.stringify({
    version: VERSION,
    // Errors built from platform answers, and every exported class, named as in the source (not a bundler's rename).
    names: { api: refused?.name, renamed: Object.entries(sdk).filter(([key, value]) => typeof value === 'function' && value.name !== key).map(([key]) => key) },
    from: new URL(import.meta.resolve('wechatpay-chain')).pathname,
    seed: seed.data.total_count,
    trade_state: paid.data.trade_state,
    forged,
  }));
} finally {
  await sandbox.close();
}
