// A strict TypeScript consumer of the installed package (its ES module face under node16/nodenext, and what a
// bundler sees). .ci/consumer/run.mjs type-checks it with skipLibCheck: false and @types/node. Each expected
// error below proves the types are real: an `any` would leave its directive unused, which fails.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Builder, MediaUtil, Notification, Rsa, VerificationError, WechatpayError, type Client, type ClientConfig } from 'wechatpay-chain';
import { startSandbox, type Sandbox, type SandboxConfig } from 'wechatpay-chain/sandbox';

export async function consume(): Promise<number> {
  const sandbox: Sandbox = await startSandbox({ port: 0, signWith: 'public-key' });
  const settings: SandboxConfig = sandbox.config;
  const config: ClientConfig = settings;
  const client: Client = Builder.factory(config);
  try {
    const { data } = await client.v3.marketing.partner.productCoupon.productCoupons._product_coupon_id_.stocks._stock_id_.uploadCouponCodes.post({
      product_coupon_id: '1000000013',
      stock_id: '1000000013001',
      json: { brand_id: '120344', out_request_no: '34657_20250101_123456', code_list: ['vCode_1234567890'] },
    });
    const total: number = data.total_count;
    const codes: string[] | undefined = data.success_code_list;

    const order = await client.v3.pay.transactions.jsapi.post({
      json: {
        appid: 'wxd678efh567hg6787', mchid: settings.mchid, description: 'typed', out_trade_no: 'T1',
        notify_url: 'https://example.com/notify', amount: { total: 1, currency: 'CNY' }, payer: { openid: 'o1' },
      },
    });
    const params = client.payParams.jsapi('wxd678efh567hg6787', order.data.prepay_id);
    const paySign: string = params.paySign;

    // @ts-expect-error a misspelt chain segment
    await client.v3.pay.transactionz.native.post({ json: {} });
    // @ts-expect-error a misspelt body field
    await client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'T1', out_refund_no: 'R1', amount: { refund: 1, total: 1, currency: 'CNY' }, reasn: 'x' } });

    const media = new MediaUtil('logo.png', Buffer.from('png'));
    const fromStream = new MediaUtil('clip.mp4', Readable.from([Buffer.from('mp4')]));
    await client.v3.merchant.media.upload.post({ multipart: media });
    const key = Rsa.from(readFileSync(new URL('key.pem', import.meta.url)), 'public');

    try {
      const event = client.notification.parse({ headers: {}, body: Buffer.from('{}') });
      if (Notification.isEvent(event, 'TRANSACTION.SUCCESS')) {
        const outTradeNo: string = event.resource.out_trade_no;
        return outTradeNo.length;
      }
    } catch (error) {
      if (error instanceof VerificationError) {
        const code: string = error.code;
        const status: number | undefined = error.status;
        return code.length + (status ?? 0);
      }
      if (error instanceof WechatpayError) throw error;
    }
    return total + (codes?.length ?? 0) + paySign.length + String(key.asymmetricKeyType).length + String(fromStream).length;
  } finally {
    await sandbox.close();
  }
}
