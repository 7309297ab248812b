/**
 * Download yesterday's trade bill as gzip, verified while it streams, to ./tradebill-<date>.csv; then
 * read it back row by row. (Or skip the file: `parseBill(await openBill(client, answer))`.)
 *
 * Run:
 *   WECHATPAY_MCHID=1230000109 WECHATPAY_SERIAL=<merchant certificate serial> \
 *   WECHATPAY_PRIVATE_KEY=/path/to/apiclient_key.pem \
 *   WECHATPAY_PUBLIC_KEY_ID=PUB_KEY_ID_... WECHATPAY_PUBLIC_KEY=/path/to/pub_key.pem \
 *   npx tsx examples/download-bill.ts [yyyy-mm-dd]
 */
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseBill } from '../lib/bill-csv.js';
import { BillError, downloadBill } from '../lib/bill.js';
import { Builder } from '../lib/index.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (see the comment at the top of this file)`);
  return value;
}

async function main(): Promise<void> {
  const billDate = process.argv[2] ?? new Date(Date.now() - 86_400_000 + 8 * 3_600_000).toISOString().slice(0, 10);
  const client = Builder.factory({
    mchid: env('WECHATPAY_MCHID'),
    serial: env('WECHATPAY_SERIAL'),
    privateKey: pathToFileURL(resolve(env('WECHATPAY_PRIVATE_KEY'))).href,
    certs: { [env('WECHATPAY_PUBLIC_KEY_ID')]: pathToFileURL(resolve(env('WECHATPAY_PUBLIC_KEY'))).href },
    // a sandbox, if you have one: WECHATPAY_BASE_URL=http://127.0.0.1:8080/
    ...(process.env['WECHATPAY_BASE_URL'] ? { baseURL: process.env['WECHATPAY_BASE_URL'] } : {}),
  });

  // 1. Ask for the bill: a signed answer with hash_type, hash_value and download_url.
  const answer = await client.v3.bill.tradebill.get({ query: { bill_date: billDate, tar_type: 'GZIP' } });

  // 2. Download it: signed GET, gunzip, SHA1 over the CSV while it streams, written as .partial and
  //    renamed only once the hash matched.
  const to = `tradebill-${billDate}.csv`;
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
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
