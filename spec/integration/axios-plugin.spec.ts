/**
 * Another SDK against the sandbox: wechatpay-axios-plugin (its own signer, verifier, APIv2 Hash and XML),
 * configured from the sandbox's files as docs/sandbox.md says, with `baseURL` pointed at it. The seed
 * endpoint (coupon codes), an order flow (Native order, query, the payer pays, refund, close), an APIv2
 * call, and a spoiled answer that the plugin refuses (so its verification is really on).
 */
import { readFileSync } from 'node:fs';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';

// The plugin ships CommonJS without types.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Wechatpay } = require('wechatpay-axios-plugin') as { Wechatpay: new (config: Record<string, unknown>) => any };

let sandbox: Sandbox;
let wxpay: any;
const pem = (ref: string) => readFileSync(ref.replace(/^file:\/\//, ''), 'utf8');

beforeAll(async () => {
  sandbox = await startSandbox();
  const { config } = sandbox;
  wxpay = new Wechatpay({
    baseURL: sandbox.baseURL,
    mchid: config.mchid,
    serial: config.serial,
    privateKey: pem(config.privateKey),
    certs: Object.fromEntries(Object.entries(config.certs).map(([id, ref]) => [id, pem(ref)])),
    secret: config.secret,
    merchant: { cert: pem(config.merchant.cert), key: pem(config.privateKey) },
  });
}, 30_000);
afterAll(() => sandbox.close());

const last = () => sandbox.requests.at(-1)!;

describe('wechatpay-axios-plugin on the sandbox', () => {
  it('uploads coupon codes (the seed endpoint): signed by the plugin, checked by the sandbox, the answer verified by the plugin', async () => {
    const { status, data } = await wxpay.v3.marketing.partner.productCoupon.productCoupons.$product_coupon_id$.stocks.$stock_id$.uploadCouponCodes.post(
      { brand_id: '120344', out_request_no: 'AXIOS-1', code_list: ['AX1', 'AX2', 'AX1', 'bad code'] },
      { product_coupon_id: '1000000013', stock_id: '1000000013001' },
    );
    expect(status).toBe(200);
    expect(data).toEqual({ total_count: 3, success_code_list: ['AX1', 'AX2'], failed_code_list: ['bad code'], already_exist_code_list: [], duplicate_code_list: ['AX1'] });
    expect(last()).toMatchObject({
      method: 'POST', target: '/v3/marketing/partner/product-coupon/product-coupons/1000000013/stocks/1000000013001/upload-coupon-codes',
      status: 200, check: { api: 'v3', ok: true },
    });
    const again = await wxpay.v3.marketing.partner.productCoupon.productCoupons.$product_coupon_id$.stocks.$stock_id$.uploadCouponCodes.post(
      { brand_id: '120344', out_request_no: 'AXIOS-2', code_list: ['AX2', 'AX3'] },
      { product_coupon_id: '1000000013', stock_id: '1000000013001' },
    );
    expect(again.data).toMatchObject({ success_code_list: ['AX3'], already_exist_code_list: ['AX2'] });
    expect(sandbox.coupons()).toEqual([{ product_coupon_id: '1000000013', stock_id: '1000000013001', codes: ['AX1', 'AX2', 'AX3'], uploads: 2 }]);
  });

  it('refuses an answer whose signature does not verify (its verifier is on)', async () => {
    sandbox.faults.inject('bad-signature', 1, '/upload-coupon-codes');
    await expect(wxpay.v3.marketing.partner.productCoupon.productCoupons.$product_coupon_id$.stocks.$stock_id$.uploadCouponCodes.post(
      { brand_id: '120344', out_request_no: 'AXIOS-3', code_list: ['AX9'] },
      { product_coupon_id: '1000000013', stock_id: '1000000013001' },
    )).rejects.toThrow(/verif/i);
  });

  it('runs an order flow: Native order, query, the payer pays, query, refund, refund query; another order closed', async () => {
    const mchid = sandbox.config.mchid;
    const order = (no: string) => ({
      appid: 'wxd678efh567hg6787', mchid, description: 'axios coffee', out_trade_no: no,
      notify_url: 'https://example.com/notify', amount: { total: 300, currency: 'CNY' },
    });
    const { data: created } = await wxpay.v3.pay.transactions.native.post(order('AXO-1'));
    expect(created.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    const query = () => wxpay.v3.pay.transactions.outTradeNo.$out_trade_no$.get({ params: { mchid }, out_trade_no: 'AXO-1' });
    expect((await query()).data).toMatchObject({ out_trade_no: 'AXO-1', trade_state: 'NOTPAY', amount: { total: 300 } });

    await sandbox.pay('AXO-1');
    const paid = (await query()).data;
    expect(paid).toMatchObject({ trade_state: 'SUCCESS', amount: { payer_total: 300 } });
    const byId = await wxpay.v3.pay.transactions.id.$transaction_id$.get({ params: { mchid }, transaction_id: paid.transaction_id });
    expect(byId.data.out_trade_no).toBe('AXO-1');

    const { data: refund } = await wxpay.v3.refund.domestic.refunds.post({ out_trade_no: 'AXO-1', out_refund_no: 'AXR-1', amount: { refund: 100, total: 300, currency: 'CNY' } });
    expect(refund).toMatchObject({ out_refund_no: 'AXR-1', status: 'PROCESSING', amount: { refund: 100 } });
    const { data: refunded } = await wxpay.v3.refund.domestic.refunds.$out_refund_no$.get({ out_refund_no: 'AXR-1' });
    expect(refunded.status).toBe('SUCCESS');
    expect((await query()).data.trade_state).toBe('REFUND');

    await wxpay.v3.pay.transactions.native.post(order('AXO-2'));
    const closed = await wxpay.v3.pay.transactions.outTradeNo.$out_trade_no$.close.post({ mchid }, { out_trade_no: 'AXO-2' });
    expect(closed.status).toBe(204);
    expect(sandbox.order('AXO-2')).toMatchObject({ trade_state: 'CLOSED' });
    expect(sandbox.requests.every((r) => r.check?.ok)).toBe(true);
  });

  it('calls APIv2 with its own XML and MD5 sign, accepted by the sandbox', async () => {
    const { data } = await wxpay.v2.pay.closeorder({ appid: 'wxd678efh567hg6787', mch_id: sandbox.config.mchid, out_trade_no: 'AXV2-1' });
    expect(data).toMatchObject({ return_code: 'SUCCESS', result_code: 'SUCCESS' });
    expect(last()).toMatchObject({ target: '/pay/closeorder', check: { api: 'v2', ok: true } });
  });
});
