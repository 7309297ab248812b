/**
 * Refund part of a paid order, then query the refund. On the sandbox the example first creates an order
 * and has the payer pay it.
 *
 *   npx tsx examples/refund.ts [out_trade_no total_fen]
 */
import { outTradeNo, run } from './support.js';

run(async ({ client, mchid, appid, sandbox }) => {
  let tradeNo = process.argv[2];
  let total = Number(process.argv[3] ?? 100);
  if (!tradeNo) {
    tradeNo = outTradeNo('REFUND');
    total = 100;
    await client.v3.pay.transactions.native.post({
      json: { appid, mchid, description: 'Refund example', out_trade_no: tradeNo, notify_url: 'https://example.com/notify', amount: { total } },
    });
    await sandbox?.pay(tradeNo);
  }

  const refundNo = outTradeNo('R');
  const { data: refund } = await client.v3.refund.domestic.refunds.post({
    json: { out_trade_no: tradeNo, out_refund_no: refundNo, reason: '商品已售完', amount: { refund: 30, total, currency: 'CNY' } },
  });
  console.log(`refund ${refund.out_refund_no}: ${refund.status}, ${refund.amount.refund} of ${refund.amount.total} fen`);

  const { data: later } = await client.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: refundNo });
  console.log(`refund ${later.out_refund_no} now ${later.status}${later.success_time ? ` at ${later.success_time}` : ''}`);
});
