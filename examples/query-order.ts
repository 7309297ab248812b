/**
 * Query an order by the merchant's order number and by WeChat Pay's transaction id; then close an unpaid one.
 * On the sandbox the example first creates (and has the payer pay) the order it queries.
 *
 *   npx tsx examples/query-order.ts [out_trade_no]
 */
import { outTradeNo, run } from './support.js';

run(async ({ client, mchid, appid, sandbox }) => {
  let tradeNo = process.argv[2];
  if (!tradeNo) {
    tradeNo = outTradeNo('QUERY');
    await client.v3.pay.transactions.native.post({
      json: { appid, mchid, description: 'Query example', out_trade_no: tradeNo, notify_url: 'https://example.com/notify', amount: { total: 1 } },
    });
    await sandbox?.pay(tradeNo);
  }

  // The order number is written straight into the chain: the value is percent-encoded as one segment.
  const byOutTradeNo = await client.v3.pay.transactions.outTradeNo[tradeNo]!.get({ query: { mchid } });
  console.log(`by out_trade_no: ${byOutTradeNo.data.out_trade_no} ${byOutTradeNo.data.trade_state} ${byOutTradeNo.data.amount?.total} fen`);

  if (byOutTradeNo.data.transaction_id) {
    const byId = await client.v3.pay.transactions.id._transaction_id_.get({ transaction_id: byOutTradeNo.data.transaction_id, query: { mchid } });
    console.log(`by transaction_id: ${byId.data.transaction_id} ${byId.data.trade_state_desc ?? byId.data.trade_state}`);
  }

  // An order nobody pays can be closed (204, no content), and then reads CLOSED.
  const unpaid = outTradeNo('CLOSE');
  await client.v3.pay.transactions.native.post({
    json: { appid, mchid, description: 'Closed example', out_trade_no: unpaid, notify_url: 'https://example.com/notify', amount: { total: 1 } },
  });
  const closed = await client.v3.pay.transactions.outTradeNo._out_trade_no_.close.post({ out_trade_no: unpaid, json: { mchid } });
  const after = await client.v3.pay.transactions.outTradeNo[unpaid]!.get({ query: { mchid } });
  console.log(`closed ${unpaid}: HTTP ${closed.status}, now ${after.data.trade_state}`);
});
