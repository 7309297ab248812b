/**
 * Orders against the sandbox: create (JSAPI, Native, H5, APP) -> query by out_trade_no and by
 * transaction_id -> close; pay (the payer's stand-in) -> refund -> query the refund; amounts and states
 * consistent at every step; the service provider's variant; the business rules refused.
 */
import { ApiError } from '../../lib/errors.js';
import { type Sandbox } from '../../lib/sandbox/index.js';
import { withSandbox } from '../support/sandbox.js';

let sandbox: Sandbox;
let client: any;
let mchid: string;

withSandbox((s, c) => {
  sandbox = s;
  client = c;
  mchid = s.config.mchid;
});

const APPID = 'wxd678efh567hg6787';
const order = (outTradeNo: string, total: number, extra: Record<string, unknown> = {}) => ({
  appid: APPID, mchid, description: 'Image形象店-深圳腾大-QQ公仔', out_trade_no: outTradeNo, notify_url: 'https://example.com/notify',
  attach: 'attach-1', amount: { total, currency: 'CNY' }, ...extra,
});

describe('creating orders', () => {
  it('answers each trade type with its own handle, and queries by out_trade_no show them NOTPAY', async () => {
    const jsapi = await client.v3.pay.transactions.jsapi.post({ json: order('J1', 101, { payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' } }) });
    const native = await client.v3.pay.transactions.native.post({ json: order('N1', 102) });
    const h5 = await client.v3.pay.transactions.h5.post({ json: order('H1', 103, { scene_info: { payer_client_ip: '127.0.0.1', h5_info: { type: 'Wap' } } }) });
    const app = await client.v3.pay.transactions.app.post({ json: order('A1', 104) });
    expect(jsapi.data.prepay_id).toMatch(/^wx\d{14}[0-9a-f]{22}$/);
    expect(native.data.code_url).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=\w{7}$/);
    expect(h5.data.h5_url).toMatch(/^https:\/\/wx\.tenpay\.com\/cgi-bin\/mmpayweb-bin\/checkmweb\?prepay_id=wx/);
    expect(app.data.prepay_id).not.toBe(jsapi.data.prepay_id);

    for (const [no, type, total] of [['J1', 'JSAPI', 101], ['N1', 'NATIVE', 102], ['H1', 'MWEB', 103], ['A1', 'APP', 104]] as const) {
      const { data } = await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: no, query: { mchid } });
      expect(data).toMatchObject({
        appid: APPID, mchid, out_trade_no: no, trade_type: type, trade_state: 'NOTPAY', trade_state_desc: '订单未支付',
        amount: { total, payer_total: 0, currency: 'CNY' }, attach: 'attach-1',
      });
      expect(data.transaction_id).toBeUndefined();
    }
  });

  it('replays the same order, and refuses the same out_trade_no for another order', async () => {
    const first = await client.v3.pay.transactions.native.post({ json: order('N2', 100) });
    const again = await client.v3.pay.transactions.native.post({ json: order('N2', 100) });
    expect(again.data).toEqual(first.data);
    await expect(client.v3.pay.transactions.native.post({ json: order('N2', 200) }))
      .rejects.toMatchObject({ constructor: ApiError, status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('商户订单号重复') });
  });

  it('refuses what the platform refuses: another merchant, a zero amount, a JSAPI order without payer', async () => {
    await expect(client.v3.pay.transactions.native.post({ json: order('N3', 100, { mchid: '1900000109' }) }))
      .rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    await expect(client.v3.pay.transactions.native.post({ json: order('N3', 0) }))
      .rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/amount/total' } });
    await expect(client.v3.pay.transactions.jsapi.post({ json: order('J3', 100) }))
      .rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/payer', issue: 'is required' } });
    await expect(client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'NOPE', query: { mchid } }))
      .rejects.toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
  });
});

describe('the order flow', () => {
  it('create -> pay -> query by id and by out_trade_no -> refund -> query the refund, amounts consistent', async () => {
    await client.v3.pay.transactions.jsapi.post({ json: order('F1', 888, { payer: { openid: 'oPAYER' } }) });
    const { transaction } = await sandbox.pay('F1');
    expect(transaction).toMatchObject({ trade_state: 'SUCCESS', payer: { openid: 'oPAYER' } });
    const id = transaction['transaction_id'] as string;
    expect(id).toMatch(/^4200\d{24}$/);

    const byId = await client.v3.pay.transactions.id._transaction_id_.get({ transaction_id: id, query: { mchid } });
    const byNo = await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'F1', query: { mchid } });
    expect(byId.data).toEqual(byNo.data);
    expect(byId.data).toMatchObject({
      transaction_id: id, out_trade_no: 'F1', trade_state: 'SUCCESS', trade_state_desc: '支付成功', bank_type: 'OTHERS',
      success_time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/), amount: { total: 888, payer_total: 888, currency: 'CNY', payer_currency: 'CNY' },
    });
    // client.v3.pay.transactions.id[id] writes the value into the path itself.
    expect((await client.v3.pay.transactions.id[id].get({ query: { mchid } })).data.transaction_id).toBe(id);

    const refund = await client.v3.refund.domestic.refunds.post({ json: { transaction_id: id, out_refund_no: 'R1', reason: '商品已售完', amount: { refund: 300, total: 888, currency: 'CNY' } } });
    expect(refund.data).toMatchObject({
      out_refund_no: 'R1', transaction_id: id, out_trade_no: 'F1', status: 'PROCESSING', channel: 'ORIGINAL',
      amount: { total: 888, refund: 300, payer_total: 888, payer_refund: 300, currency: 'CNY' },
    });
    expect(refund.data.refund_id).toMatch(/^50\d{27}$/);
    const queried = await client.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: 'R1' });
    expect(queried.data).toMatchObject({ refund_id: refund.data.refund_id, status: 'SUCCESS', amount: { refund: 300 }, success_time: expect.any(String) });
    expect((await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'F1', query: { mchid } })).data.trade_state).toBe('REFUND');

    // A second refund by out_trade_no takes what is left; more than that is refused.
    await expect(client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'F1', out_refund_no: 'R2', amount: { refund: 589, total: 888, currency: 'CNY' } } }))
      .rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('588 left') });
    await expect(client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'F1', out_refund_no: 'R2', amount: { refund: 88, total: 999, currency: 'CNY' } } }))
      .rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('total') });
    const second = await client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'F1', out_refund_no: 'R2', amount: { refund: 588, total: 888, currency: 'CNY' } } });
    expect(second.data.amount.refund).toBe(588);
    // The same out_refund_no again is a replay, not another refund.
    const replay = await client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'F1', out_refund_no: 'R2', amount: { refund: 588, total: 888, currency: 'CNY' } } });
    expect(replay.data.refund_id).toBe(second.data.refund_id);
  });

  it('closes an unpaid order, which then cannot be paid or created again; a paid order cannot be closed', async () => {
    await client.v3.pay.transactions.native.post({ json: order('C1', 100) });
    const closed = await client.v3.pay.transactions.outTradeNo._out_trade_no_.close.post({ out_trade_no: 'C1', json: { mchid } });
    expect(closed.status).toBe(204);
    expect(closed.data).toBeUndefined();
    expect((await client.v3.pay.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'C1', query: { mchid } })).data).toMatchObject({ trade_state: 'CLOSED', trade_state_desc: '订单已关闭' });
    await expect(sandbox.pay('C1')).rejects.toThrow(/CLOSED/);
    await expect(client.v3.pay.transactions.native.post({ json: order('C1', 100) })).rejects.toMatchObject({ code: 'ORDER_CLOSED' });

    await client.v3.pay.transactions.native.post({ json: order('C2', 100) });
    await sandbox.pay('C2');
    await expect(client.v3.pay.transactions.outTradeNo._out_trade_no_.close.post({ out_trade_no: 'C2', json: { mchid } }))
      .rejects.toMatchObject({ status: 400, code: 'ORDERPAID' });
  });

  it('refuses refunds of unknown or unpaid orders', async () => {
    await expect(client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'NOPE', out_refund_no: 'R9', amount: { refund: 1, total: 1, currency: 'CNY' } } }))
      .rejects.toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });
    await client.v3.pay.transactions.native.post({ json: order('U1', 100) });
    await expect(client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'U1', out_refund_no: 'R9', amount: { refund: 1, total: 100, currency: 'CNY' } } }))
      .rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    await expect(client.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: 'R9' })).rejects.toMatchObject({ status: 404 });
  });
});

describe('a service provider and its sub-merchants', () => {
  it('keeps orders per sub-merchant, through create, pay, query and close', async () => {
    const json = (sub: string) => ({
      sp_appid: 'wx8888888888888888', sp_mchid: mchid, sub_mchid: sub, description: 'x', out_trade_no: 'P1',
      notify_url: 'https://example.com/notify', amount: { total: 500 }, payer: { sp_openid: 'oSP' },
    });
    await client.v3.pay.partner.transactions.jsapi.post({ json: json('1900000109') });
    await client.v3.pay.partner.transactions.jsapi.post({ json: { ...json('1900000110'), amount: { total: 700 } } });
    const { transaction } = await sandbox.pay('P1', { sub_mchid: '1900000110' });
    const paid = await client.v3.pay.partner.transactions.id._transaction_id_.get({ transaction_id: transaction['transaction_id'], query: { sp_mchid: mchid, sub_mchid: '1900000110' } });
    expect(paid.data).toMatchObject({ sp_mchid: mchid, sub_mchid: '1900000110', out_trade_no: 'P1', trade_state: 'SUCCESS', amount: { total: 700 }, payer: { sp_openid: 'oSP' } });
    const other = await client.v3.pay.partner.transactions.outTradeNo._out_trade_no_.get({ out_trade_no: 'P1', query: { sp_mchid: mchid, sub_mchid: '1900000109' } });
    expect(other.data).toMatchObject({ trade_state: 'NOTPAY', amount: { total: 500 } });
    await client.v3.pay.partner.transactions.outTradeNo._out_trade_no_.close.post({ out_trade_no: 'P1', json: { sp_mchid: mchid, sub_mchid: '1900000109' } });
    expect(sandbox.order('P1', '1900000109')).toMatchObject({ trade_state: 'CLOSED' });
    expect(sandbox.order('P1', '1900000110')).toMatchObject({ trade_state: 'SUCCESS' });
  });
});
