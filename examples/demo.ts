/**
 * The demo (`npm run demo`): the embedded sandbox on a free port, the seed endpoint in its six call
 * styles, then a payment flow (create an order, the payer pays, query it, refund part, query the refund),
 * each request line printed with its verified answer. A forged answer at the end shows what the client
 * does with one. Exits 0 only if every answer was verified (and the forged one refused).
 */
import { Builder, VerificationError } from 'wechatpay-chain';
import { startSandbox } from 'wechatpay-chain/sandbox';

interface Answer {
  status: number;
  headers: Record<string, unknown>;
  config: { method?: string; url?: string };
  data: unknown;
}

const results = { verified: 0, failed: 0 };
const style = { dim: (s: string) => `\x1b[2m${s}\x1b[0m`, ok: (s: string) => `\x1b[32m${s}\x1b[0m`, bad: (s: string) => `\x1b[31m${s}\x1b[0m`, bold: (s: string) => `\x1b[1m${s}\x1b[0m` };
const colour = process.stdout.isTTY ? style : { dim: String, ok: String, bad: String, bold: String };

function requestLine(answer: Answer): string {
  const url = new URL(answer.config.url ?? '');
  return `${(answer.config.method ?? '').toUpperCase()} ${url.pathname}${url.search}`;
}

/** Runs one call and prints its request line, the verification and what matters in the answer. */
async function step<T extends Answer>(label: string, call: () => Promise<T>, show: (data: T['data']) => string): Promise<T['data'] | undefined> {
  try {
    const answer = await call();
    results.verified += 1;
    const signer = answer.headers['wechatpay-serial'];
    console.log(`  ${colour.ok('✓')} ${label.padEnd(24)} ${requestLine(answer)}`);
    console.log(`    ${colour.dim(`${answer.status}, signature verified (${signer ? `platform key ${String(signer)}` : 'unsigned download'})`)}  ${show(answer.data)}`);
    return answer.data;
  } catch (error) {
    results.failed += 1;
    console.log(`  ${colour.bad('✗')} ${label.padEnd(24)} ${error instanceof Error ? `${error.name} ${(error as { code?: string }).code ?? ''}: ${error.message}` : String(error)}`);
    return undefined;
  }
}

async function main(): Promise<void> {
  const sandbox = await startSandbox();
  const client = Builder.factory(sandbox.config);
  console.log(colour.bold(`wechatpay-chain demo: the embedded WeChat Pay sandbox at ${sandbox.baseURL}`));
  console.log(colour.dim(`  merchant ${sandbox.config.mchid}, keys and sandbox.json in ${sandbox.dir}\n`));

  try {
    console.log(colour.bold('The seed endpoint, six ways (预上传券Code)'));
    const template = 'v3/marketing/partner/product-coupon/product-coupons/{product_coupon_id}/stocks/{stock_id}/upload-coupon-codes';
    const opts = (n: number) => ({
      product_coupon_id: '1000000013',
      stock_id: '1000000013001',
      json: { brand_id: '120344', out_request_no: `34657_20250101_12345${n}`, code_list: [`vCode_${n}`, 'vCode_1234567890'] },
    });
    type Upload = { total_count: number; success_code_list?: string[]; already_exist_code_list?: string[] };
    const codes = (data: Upload) => `total_count=${data.total_count} new=${JSON.stringify(data.success_code_list ?? [])} already=${JSON.stringify(data.already_exist_code_list ?? [])}`;
    const chain = client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes;
    await step('chain, await', () => chain.post(opts(1)), codes);
    await step('chain, .then()', () => chain.postAsync(opts(2)).then((answer) => answer), codes);
    await step("chain('...'), await", () => client.chain(template).post(opts(3)), codes);
    await step("chain('...'), .then()", () => client.chain(template).postAsync(opts(4)).then((answer) => answer), codes);
    await step("client['...'], await", () => client[template].post(opts(5)), codes);
    await step("client['...'], .then()", () => client[template].postAsync(opts(6)).then((answer) => answer), codes);

    console.log(colour.bold('\nA payment: order, payment, query, refund'));
    const mchid = sandbox.config.mchid;
    const outTradeNo = `DEMO${Date.now()}`;
    const order = await step('create a JSAPI order', () => client.v3.pay.transactions.jsapi.post({
      json: {
        appid: 'wxd678efh567hg6787', mchid, description: 'Image形象店-深圳腾大-QQ公仔', out_trade_no: outTradeNo,
        notify_url: 'https://www.weixin.qq.com/wxpay/pay.php', amount: { total: 100, currency: 'CNY' },
        payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      },
    }), (data) => `prepay_id=${data.prepay_id}`);
    if (order) {
      const params = client.payParams.jsapi('wxd678efh567hg6787', order.prepay_id);
      console.log(`    ${colour.dim(`front end: wx.requestPayment({ package: '${params.package}', signType: 'RSA', paySign: '${params.paySign.slice(0, 16)}…' })`)}`);
    }
    await sandbox.pay(outTradeNo);
    console.log(`    ${colour.dim('(the sandbox payer pays the order)')}`);
    const paid = await step('query by out_trade_no', () => client.v3.pay.transactions.outTradeNo[outTradeNo]!.get({ query: { mchid } }),
      (data) => `${data.trade_state} ${data.amount?.total} fen, transaction_id=${data.transaction_id}`);
    if (paid?.transaction_id) {
      await step('query by transaction_id', () => client.v3.pay.transactions.id._transaction_id_.get({ transaction_id: paid.transaction_id!, query: { mchid } }),
        (data) => `${data.trade_state_desc}`);
    }
    const outRefundNo = `R${outTradeNo}`;
    await step('refund 30 of 100 fen', () => client.v3.refund.domestic.refunds.post({
      json: { out_trade_no: outTradeNo, out_refund_no: outRefundNo, reason: '商品已售完', amount: { refund: 30, total: 100, currency: 'CNY' } },
    }), (data) => `${data.status} refund_id=${data.refund_id}`);
    await step('query the refund', () => client.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: outRefundNo }),
      (data) => `${data.status} ${data.amount.refund}/${data.amount.total} fen`);

    console.log(colour.bold('\nA forged answer'));
    sandbox.faults.inject('bad-signature', 1);
    try {
      await client.v3.pay.transactions.outTradeNo[outTradeNo]!.get({ query: { mchid } });
      results.failed += 1;
      console.log(`  ${colour.bad('✗')} a forged answer was accepted`);
    } catch (error) {
      if (!(error instanceof VerificationError)) throw error;
      console.log(`  ${colour.ok('✓')} refused: ${error.code}`);
      console.log(`    ${colour.dim(error.message)}`);
    }
  } finally {
    await sandbox.close();
  }

  const total = results.verified + results.failed;
  console.log(`\n${results.failed === 0 ? colour.ok('✓') : colour.bad('✗')} ${results.verified} of ${total} answers verified${results.failed ? `, ${results.failed} failed` : ''}`);
  process.exitCode = results.failed === 0 && total > 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
