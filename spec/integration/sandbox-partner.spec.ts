/**
 * A service provider (partner mode) against the sandbox, through the SDK: orders of its sub-merchants
 * kept apart by sub_mchid, created, paid (notified with sp_mchid and sub_mchid), queried both ways,
 * closed, expired by the clock, refunded (notified as the provider's refund); the platform's refusals.
 * Notifications verified and decrypted here with node:crypto alone.
 */
import { type Sandbox } from '../../lib/sandbox/index.js';
import { control, useFlow } from './sandbox-flow-support.js';

let sandbox: Sandbox;
let client: any;
let spMchid: string;
const receiver = useFlow((s, c) => {
  sandbox = s;
  client = c;
  spMchid = s.config.mchid;
}, { refunds: 'manual' });

const SP_APPID = 'wx8888888888888888';
const SUB_APPID = 'wxd678efh567hg6999';
const A = '1900000109';
const B = '1900000110';
const order = (no: string, sub: string, total: number, extra: Record<string, unknown> = {}) => ({
  sp_appid: SP_APPID, sp_mchid: spMchid, sub_appid: SUB_APPID, sub_mchid: sub, description: `服务商订单 ${no}`, out_trade_no: no,
  notify_url: receiver.url, amount: { total, currency: 'CNY' }, payer: { sp_openid: 'oSP_PAYER', sub_openid: 'oSUB_PAYER' }, ...extra,
});
const partner = () => client.v3.pay.partner.transactions;
const byNo = async (no: string, sub: string) => (await partner().outTradeNo._out_trade_no_.get({ out_trade_no: no, query: { sp_mchid: spMchid, sub_mchid: sub } })).data;

describe('a sub-merchant\'s order, from creation to the refund notification', () => {
  it('NOTPAY -> SUCCESS (notified with sp_mchid and sub_mchid) -> REFUND (notified as the provider\'s refund)', async () => {
    const a = await partner().jsapi.post({ json: order('P1', A, 800) });
    const b = await partner().jsapi.post({ json: order('P1', B, 500) });
    expect(a.data.prepay_id).not.toBe(b.data.prepay_id);
    expect(await byNo('P1', A)).toMatchObject({ sp_appid: SP_APPID, sp_mchid: spMchid, sub_appid: SUB_APPID, sub_mchid: A, trade_state: 'NOTPAY', amount: { total: 800 } });
    expect(await byNo('P1', B)).toMatchObject({ sub_mchid: B, trade_state: 'NOTPAY', amount: { total: 500 } });

    const [status, paid] = await control(sandbox.baseURL, 'POST', 'pay', { out_trade_no: 'P1', sub_mchid: A, notify: true });
    expect(status).toBe(200);
    expect(paid.delivery.state).toBe('delivered');
    const notified = receiver.received.filter((r) => r.resource['out_trade_no'] === 'P1');
    expect(notified).toHaveLength(1);
    expect(notified[0]!.envelope.event_type).toBe('TRANSACTION.SUCCESS');
    expect(notified[0]!.resource).toMatchObject({
      sp_appid: SP_APPID, sp_mchid: spMchid, sub_appid: SUB_APPID, sub_mchid: A, out_trade_no: 'P1', trade_state: 'SUCCESS', trade_state_desc: '支付成功',
      payer: { sp_openid: 'oSP_PAYER', sub_openid: 'oSUB_PAYER' }, amount: { total: 800, payer_total: 800 }, transaction_id: expect.stringMatching(/^4200\d{24}$/),
    });
    expect(notified[0]!.resource['mchid']).toBeUndefined();
    const id = notified[0]!.resource['transaction_id'] as string;
    expect((await partner().id._transaction_id_.get({ transaction_id: id, query: { sp_mchid: spMchid, sub_mchid: A } })).data).toEqual(await byNo('P1', A));
    // The other sub-merchant's order of the same number is untouched, and not found by the first one's id.
    expect((await byNo('P1', B)).trade_state).toBe('NOTPAY');
    await expect(partner().id._transaction_id_.get({ transaction_id: id, query: { sp_mchid: spMchid, sub_mchid: B } })).rejects.toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });

    const refund = await client.v3.refund.domestic.refunds.post({ json: { sub_mchid: A, transaction_id: id, out_refund_no: 'PR1', notify_url: receiver.url, amount: { refund: 800, total: 800, currency: 'CNY' } } });
    expect(refund.data).toMatchObject({ status: 'PROCESSING', out_trade_no: 'P1', amount: { refund: 800 } });
    expect((await byNo('P1', A)).trade_state).toBe('REFUND');
    expect((await control(sandbox.baseURL, 'POST', 'refunds/PR1/settle', { status: 'SUCCESS', sub_mchid: A }))[0]).toBe(200);
    const refunded = receiver.received.find((r) => r.resource['out_refund_no'] === 'PR1')!;
    expect(refunded.envelope).toMatchObject({ event_type: 'REFUND.SUCCESS', resource: { original_type: 'refund' } });
    expect(refunded.resource).toMatchObject({ sp_mchid: spMchid, sub_mchid: A, out_trade_no: 'P1', transaction_id: id, refund_status: 'SUCCESS', amount: { total: 800, refund: 800, payer_refund: 800 } });
    expect(refunded.resource['mchid']).toBeUndefined();
    expect((await client.v3.refund.domestic.refunds._out_refund_no_.get({ out_refund_no: 'PR1', query: { sub_mchid: A } })).data.status).toBe('SUCCESS');
    // Nothing is left to refund; the sub-merchant must be named.
    await expect(client.v3.refund.domestic.refunds.post({ json: { sub_mchid: A, transaction_id: id, out_refund_no: 'PR2', amount: { refund: 1, total: 800, currency: 'CNY' } } }))
      .rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('0 left') });
    await expect(client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'P1', out_refund_no: 'PR3', amount: { refund: 1, total: 800, currency: 'CNY' } } }))
      .rejects.toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });
  });

  it('a refund that fails: ABNORMAL, notified as REFUND.ABNORMAL, its amount back on the order', async () => {
    await partner().native.post({ json: order('P2', B, 300, { payer: undefined }) });
    const { transaction } = await sandbox.pay('P2', { sub_mchid: B });
    await client.v3.refund.domestic.refunds.post({ json: { sub_mchid: B, out_trade_no: 'P2', out_refund_no: 'PR4', notify_url: receiver.url, amount: { refund: 100, total: 300, currency: 'CNY' } } });
    await control(sandbox.baseURL, 'POST', 'refunds/PR4/settle', { status: 'ABNORMAL', sub_mchid: B });
    const abnormal = receiver.received.find((r) => r.resource['out_refund_no'] === 'PR4')!;
    expect(abnormal.envelope.event_type).toBe('REFUND.ABNORMAL');
    expect(abnormal.resource).toMatchObject({ sp_mchid: spMchid, sub_mchid: B, transaction_id: transaction['transaction_id'], refund_status: 'ABNORMAL' });
    expect((await byNo('P2', B)).trade_state).toBe('SUCCESS');
  });

  it('closes: a NOTPAY order on request (204) or at its time_expire; a paid one cannot be closed', async () => {
    const closed = await partner().outTradeNo._out_trade_no_.close.post({ out_trade_no: 'P1', json: { sp_mchid: spMchid, sub_mchid: B } });
    expect(closed.status).toBe(204);
    expect((await byNo('P1', B)).trade_state).toBe('CLOSED');
    await expect(partner().outTradeNo._out_trade_no_.close.post({ out_trade_no: 'P2', json: { sp_mchid: spMchid, sub_mchid: B } })).rejects.toMatchObject({ status: 400, code: 'ORDERPAID' });
    await expect(partner().jsapi.post({ json: order('P1', B, 500) })).rejects.toMatchObject({ status: 400, code: 'ORDER_CLOSED' });

    const offset = (await control(sandbox.baseURL, 'GET', 'clock'))[1].offset_seconds * 1000;
    const expire = `${new Date(Date.now() + offset + 300_000 + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
    await partner().app.post({ json: order('P3', A, 100, { time_expire: expire, payer: undefined }) });
    await control(sandbox.baseURL, 'POST', 'clock', { advance: 301 });
    expect((await byNo('P3', A)).trade_state).toBe('CLOSED');
  });
});

describe('what the platform refuses a service provider', () => {
  it('another sp_mchid, sub_openid without sub_appid, a repeated number with another body, a paid number, unknown orders', async () => {
    await expect(partner().jsapi.post({ json: order('PE1', A, 100, { sp_mchid: '1900000001' }) })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    const { sub_appid: _dropped, ...withoutSubAppid } = order('PE1', A, 100);
    await expect(partner().jsapi.post({ json: withoutSubAppid })).rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/sub_appid' } });
    await expect(partner().jsapi.post({ json: order('PE1', A, 100, { sub_mchid: undefined }) })).rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/sub_mchid', issue: 'is required' } });
    await partner().native.post({ json: order('PE2', A, 100, { payer: undefined }) });
    await expect(partner().native.post({ json: order('PE2', A, 200, { payer: undefined }) })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('201 商户订单号重复') });
    await expect(partner().native.post({ json: order('P2', B, 300, { payer: undefined }) })).rejects.toMatchObject({ status: 400, code: 'ORDERPAID' });
    await expect(byNo('NOPE', A)).rejects.toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
    await expect(partner().outTradeNo._out_trade_no_.get({ out_trade_no: 'PE2', query: { sp_mchid: '1900000001', sub_mchid: A } })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    await expect(partner().outTradeNo._out_trade_no_.close.post({ out_trade_no: 'NOPE', json: { sp_mchid: spMchid, sub_mchid: A } })).rejects.toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
  });
});
