/**
 * A JSAPI / mini-program order: create it, then build the parameters the front end passes to
 * `wx.requestPayment` (or `WeixinJSBridge.invoke('getBrandWCPayRequest', ...)`), signed with the merchant key.
 *
 *   npx tsx examples/jsapi-order.ts
 */
import { outTradeNo, run } from './support.js';

run(async ({ client, mchid, appid }) => {
  const order = {
    appid,
    mchid,
    description: 'Image形象店-深圳腾大-QQ公仔',
    out_trade_no: outTradeNo('JSAPI'),
    notify_url: 'https://www.weixin.qq.com/wxpay/pay.php',
    amount: { total: 100, currency: 'CNY' },
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  };
  const { data } = await client.v3.pay.transactions.jsapi.post({ json: order });
  console.log(`order ${order.out_trade_no}: prepay_id ${data.prepay_id}`);

  const params = client.payParams.jsapi(appid, data.prepay_id);
  console.log('wx.requestPayment(', params, ')');
});
