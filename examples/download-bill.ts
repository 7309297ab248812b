/**
 * Download a trade bill as gzip, verified while it streams, to <tmp or WECHATPAY_BILL_DIR>/tradebill-<date>.csv; then
 * read it back row by row. (Or skip the file: `parseBill(await openBill(client, answer))`.)
 *
 * On the sandbox the example first creates and pays two orders, so that the bill has rows.
 *
 *   npx tsx examples/download-bill.ts [yyyy-mm-dd]
 */
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BillError, downloadBill, parseBill } from 'wechatpay-chain';
import { outTradeNo, run } from './support.js';

run(async ({ client, mchid, appid, sandbox }) => {
  const today = new Date(Date.now() + 8 * 3_600_000).toISOString().slice(0, 10);
  const billDate = process.argv[2] ?? (sandbox ? today : new Date(Date.now() - 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10));
  if (sandbox) {
    for (const total of [100, 250]) {
      const tradeNo = outTradeNo('BILL');
      await client.v3.pay.transactions.native.post({ json: { appid, mchid, description: 'Bill example', out_trade_no: tradeNo, notify_url: 'https://example.com/notify', amount: { total } } });
      await sandbox.pay(tradeNo);
    }
  }

  // 1. Ask for the bill: a signed answer with hash_type, hash_value and download_url.
  const answer = await client.v3.bill.tradebill.get({ query: { bill_date: billDate, tar_type: 'GZIP' } });

  // 2. Download it: signed GET, gunzip, SHA1 over the CSV while it streams, written as .partial and
  //    renamed only once the hash matched.
  const to = join(process.env['WECHATPAY_BILL_DIR'] ?? tmpdir(), `tradebill-${billDate}.csv`);
  let last = 0;
  try {
    const result = await downloadBill(client, answer, {
      to,
      onProgress: ({ received, total }) => {
        if (received - last >= 1 << 20 || (received === total && last !== total)) {
          last = received;
          process.stderr.write(`\r${(received / 1048576).toFixed(1)} MiB${total ? ` of ${(total / 1048576).toFixed(1)}` : ''}`);
        }
      },
    });
    process.stderr.write('\n');
    console.log(`${to}: ${result.bytes} bytes, ${result.hashType} ${result.hash} verified`);
  } catch (error) {
    if (error instanceof BillError && error.code === 'EBILL_HASH') {
      console.error(`corrupted download (expected ${error.expected}, got ${error.actual}); nothing was written`);
    }
    throw error;
  }

  // 3. Read it: rows keyed by the header (column order is the file's own), then the summary.
  let rows = 0;
  for await (const record of parseBill(createReadStream(to))) {
    if (record.type === 'row') {
      rows += 1;
      if (rows <= 3) console.log(record.fields['微信订单号'], record.fields['交易状态'], record.fields['订单金额']);
    } else if (record.type === 'summary') {
      console.log(`${rows} rows; summary:`, record.fields);
    }
  }
});
