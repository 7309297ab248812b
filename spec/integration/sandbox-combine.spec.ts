/**
 * Combined orders (合单) against the sandbox, through the SDK: sub-orders created together, paid together
 * (the control API's pay with combine_out_trade_no), queried by combine_out_trade_no and
 * combine_transaction_id, closed together, expired by the clock, refunded one by one; the payment and
 * refund notifications verified and decrypted here with node:crypto alone.
 */
import { type Sandbox } from '../../lib/sandbox/index.js';
import { control, useFlow } from './sandbox-flow-support.js';

let sandbox: Sandbox;
let client: any;
let mchid: string;
const receiver = useFlow((s, c) => {
  sandbox = s;
  client = c;
  mchid = s.config.mchid;
});

const APPID = 'wxd678efh567hg6787';
const OPENID = 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o';
const sub = (no: string, subMchid: string, total: number, extra: Record<string, unknown> = {}) => ({
  mchid, sub_mchid: subMchid, out_trade_no: no, attach: `attach-${no}`, description: `商品 ${no}`, amount: { total_amount: total, currency: 'CNY' }, ...extra,
});
const combine = (no: string, subs: unknown[], extra: Record<string, unknown> = {}) => ({
  combine_appid: APPID, combine_mchid: mchid, combine_out_trade_no: no, sub_orders: subs, combine_payer_info: { openid: OPENID },
  notify_url: receiver.url, scene_info: { payer_client_ip: '14.17.22.32', device_id: 'POS1:1' }, ...extra,
});
const api = () => client.v3.combineTransactions;
const query = async (no: string) => (await api().outTradeNo._combine_out_trade_no_.get({ combine_out_trade_no: no })).data;
const closeBody = (subs: Array<{ out_trade_no: string; sub_mchid: string }>) => ({ combine_appid: APPID, sub_orders: subs.map((s) => ({ mchid, ...s })) });

describe('a combined order, from creation to its notifications', () => {
  it('create -> NOTPAY together -> paid together -> notified -> queried both ways -> refunded one by one', async () => {
    const created = await api().jsapi.post({ json: combine('CB1', [sub('CB1-A', '1900000109', 300), sub('CB1-B', '1900000110', 700)]) });
    expect(created.data.prepay_id).toMatch(/^wx\d{14}[0-9a-f]{22}$/);
    expect((await api().jsapi.post({ json: combine('CB1', [sub('CB1-A', '1900000109', 300), sub('CB1-B', '1900000110', 700)]) })).data).toEqual(created.data);

    const unpaid = await query('CB1');
    expect(unpaid).toMatchObject({
      combine_appid: APPID, combine_mchid: mchid, combine_out_trade_no: 'CB1', scene_info: { device_id: 'POS1:1' },
      sub_orders: [
        { mchid, sub_mchid: '1900000109', out_trade_no: 'CB1-A', trade_type: 'JSAPI', trade_state: 'NOTPAY', attach: 'attach-CB1-A', amount: { total_amount: 300, payer_amount: 0, currency: 'CNY' } },
        { mchid, sub_mchid: '1900000110', out_trade_no: 'CB1-B', trade_state: 'NOTPAY', amount: { total_amount: 700 } },
      ],
    });
    expect(unpaid.combine_transaction_id).toBeUndefined();
    expect(unpaid.sub_orders[0].transaction_id).toBeUndefined();

    // A sub-order is paid and closed with its combined order only.
    expect((await control(sandbox.baseURL, 'POST', 'pay', { out_trade_no: 'CB1-A', sub_mchid: '1900000109' }))[0]).toBe(400);
    await expect(client.v3.pay.partner.transactions.outTradeNo._out_trade_no_.close.post({ out_trade_no: 'CB1-A', json: { sp_mchid: mchid, sub_mchid: '1900000109' } }))
      .rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('合单') });

    const [status, paid] = await control(sandbox.baseURL, 'POST', 'pay', { combine_out_trade_no: 'CB1', notify: true });
    expect(status).toBe(200);
    expect(paid.delivery).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', state: 'delivered' });
    const notified = receiver.received.filter((r) => r.resource['combine_out_trade_no'] === 'CB1');
    expect(notified).toHaveLength(1);
    expect(notified[0]!.envelope).toMatchObject({ event_type: 'TRANSACTION.SUCCESS', resource: { original_type: 'transaction', associated_data: 'transaction' } });
    const resource = notified[0]!.resource as any;
    expect(resource).toMatchObject({ combine_mchid: mchid, combine_appid: APPID, combine_payer_info: { openid: OPENID }, combine_transaction_id: expect.stringMatching(/^\d{28}$/) });
    expect(resource.sub_orders.map((s: any) => [s.out_trade_no, s.trade_state, s.amount.payer_amount])).toEqual([['CB1-A', 'SUCCESS', 300], ['CB1-B', 'SUCCESS', 700]]);
    expect(new Set(resource.sub_orders.map((s: any) => s.transaction_id)).size).toBe(2);
    expect(resource.sub_orders[0].success_time).toMatch(/\+08:00$/);

    const byId = (await api().id._combine_transaction_id_.get({ combine_transaction_id: resource.combine_transaction_id })).data;
    expect(byId).toEqual(await query('CB1'));
    expect(byId).toEqual(resource);
    expect((await control(sandbox.baseURL, 'POST', 'pay', { combine_out_trade_no: 'CB1' }))[0]).toBe(409);

    // Paid: it cannot be closed, nor made again.
    await expect(api().outTradeNo._combine_out_trade_no_.close.post({ combine_out_trade_no: 'CB1', json: closeBody([{ out_trade_no: 'CB1-A', sub_mchid: '1900000109' }, { out_trade_no: 'CB1-B', sub_mchid: '1900000110' }]) }))
      .rejects.toMatchObject({ status: 400, code: 'ORDERPAID' });
    await expect(api().jsapi.post({ json: combine('CB1', [sub('CB1-A', '1900000109', 300), sub('CB1-B', '1900000110', 700)]) })).rejects.toMatchObject({ status: 400, code: 'ORDERPAID' });

    // Refunds, one sub-order at a time, through the refund endpoint with the sub-order's sub_mchid.
    sandbox.configure({ refunds: 'manual' });
    const refund = (no: string, amount: number) => client.v3.refund.domestic.refunds.post({
      json: { sub_mchid: '1900000109', out_trade_no: 'CB1-A', out_refund_no: no, notify_url: receiver.url, amount: { refund: amount, total: 300, currency: 'CNY' } },
    });
    await expect(refund('CBR0', 301)).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('300 left') });
    expect((await refund('CBR1', 100)).data).toMatchObject({ out_trade_no: 'CB1-A', status: 'PROCESSING', amount: { refund: 100, total: 300 } });
    const [settled] = await control(sandbox.baseURL, 'POST', 'refunds/CBR1/settle', { status: 'SUCCESS', sub_mchid: '1900000109' });
    expect(settled).toBe(200);
    const refunded = receiver.received.find((r) => r.resource['out_refund_no'] === 'CBR1');
    expect(refunded?.envelope.event_type).toBe('REFUND.SUCCESS');
    expect(refunded?.resource).toMatchObject({ sub_mchid: '1900000109', out_trade_no: 'CB1-A', refund_status: 'SUCCESS', amount: { total: 300, refund: 100 } });
    expect((await query('CB1')).sub_orders.map((s: any) => s.trade_state)).toEqual(['REFUND', 'SUCCESS']);
    sandbox.configure({ refunds: 'succeed' });
  });

  it('closed together, only as created; then it cannot be paid or made again', async () => {
    await api().native.post({ json: combine('CB2', [sub('CB2-A', '1900000109', 100), sub('CB2-B', '1900000109', 200)]) });
    await expect(sandbox.payCombine('NOPE')).rejects.toThrow('No combined order NOPE');
    await expect(api().outTradeNo._combine_out_trade_no_.close.post({ combine_out_trade_no: 'CB2', json: closeBody([{ out_trade_no: 'CB2-A', sub_mchid: '1900000109' }]) }))
      .rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('完全一致') });
    await expect(api().outTradeNo._combine_out_trade_no_.close.post({ combine_out_trade_no: 'CB2', json: { ...closeBody([{ out_trade_no: 'CB2-A', sub_mchid: '1900000109' }, { out_trade_no: 'CB2-B', sub_mchid: '1900000109' }]), combine_appid: 'wx0000000000000000' } }))
      .rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    const closed = await api().outTradeNo._combine_out_trade_no_.close.post({ combine_out_trade_no: 'CB2', json: closeBody([{ out_trade_no: 'CB2-B', sub_mchid: '1900000109' }, { out_trade_no: 'CB2-A', sub_mchid: '1900000109' }]) });
    expect(closed.status).toBe(204);
    expect((await query('CB2')).sub_orders.map((s: any) => s.trade_state)).toEqual(['CLOSED', 'CLOSED']);
    expect((await control(sandbox.baseURL, 'POST', 'pay', { combine_out_trade_no: 'CB2' }))[0]).toBe(409);
    await expect(sandbox.payCombine('CB2')).rejects.toThrow(/CLOSED/);
    await expect(api().native.post({ json: combine('CB2', [sub('CB2-A', '1900000109', 100), sub('CB2-B', '1900000109', 200)]) })).rejects.toMatchObject({ status: 400, code: 'ORDER_CLOSED' });
  });

  it('closes its unpaid sub-orders at time_expire (the sandbox clock)', async () => {
    const now = Date.now() + (await control(sandbox.baseURL, 'GET', 'clock'))[1].offset_seconds * 1000;
    const expire = `${new Date(now + 600_000 + 8 * 3600_000).toISOString().slice(0, 19)}+08:00`;
    await api().app.post({ json: combine('CB3', [sub('CB3-A', '1900000109', 100)], { time_expire: expire }) });
    await control(sandbox.baseURL, 'POST', 'clock', { advance: 540 });
    expect((await query('CB3')).sub_orders[0].trade_state).toBe('NOTPAY');
    await control(sandbox.baseURL, 'POST', 'clock', { advance: 120 });
    expect((await query('CB3')).sub_orders[0].trade_state).toBe('CLOSED');
    const [, list] = await control(sandbox.baseURL, 'GET', 'combines');
    expect(list.find((c: any) => c.combine_out_trade_no === 'CB3')).toMatchObject({ trade_state: 'CLOSED' });
  });
});

describe('what the platform refuses', () => {
  it('other merchants, repeated or used numbers, a JSAPI order without payer, amounts, too many sub-orders, unknown orders', async () => {
    await expect(api().jsapi.post({ json: combine('CE1', [sub('CE1-A', '1900000109', 100)], { combine_mchid: '1900000109' }) })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    await expect(api().jsapi.post({ json: combine('CE1', [sub('CE1-A', '1900000109', 100, { mchid: '1900000109' })]) })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    await expect(api().jsapi.post({ json: combine('CE1', [sub('CE1-A', '1900000109', 100), sub('CE1-A', '1900000109', 200)]) }))
      .rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('子单商户订单号重复') });
    await expect(api().jsapi.post({ json: combine('CE1', [sub('CB1-A', '1900000109', 300)]) })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('201 商户订单号重复') });
    await api().app.post({ json: combine('CE2', [sub('CE2-A', '1900000109', 100)]) });
    await expect(api().app.post({ json: combine('CE2', [sub('CE2-A', '1900000109', 101)]) })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('201 商户订单号重复') });
    await expect(api().jsapi.post({ json: combine('CE3', [sub('CE3-A', '1900000109', 100)], { combine_payer_info: {} }) }))
      .rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/combine_payer_info/openid' } });
    await expect(api().jsapi.post({ json: combine('CE3', [sub('CE3-A', '1900000109', 0)]) })).rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/sub_orders/0/amount/total_amount' } });
    const many = Array.from({ length: 51 }, (_, i) => sub(`CE4-${i}`, '1900000109', 1));
    await expect(api().native.post({ json: combine('CE4', many) })).rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/sub_orders' } });
    await expect(query('NOPE')).rejects.toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
    await expect(api().id._combine_transaction_id_.get({ combine_transaction_id: '1217752501201407033233368018' })).rejects.toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
    await expect(api().outTradeNo._combine_out_trade_no_.close.post({ combine_out_trade_no: 'NOPE', json: closeBody([{ out_trade_no: 'X', sub_mchid: '1900000109' }]) }))
      .rejects.toMatchObject({ status: 404, code: 'ORDER_NOT_EXIST' });
    expect((await control(sandbox.baseURL, 'POST', 'pay', { combine_out_trade_no: 'NOPE' }))[0]).toBe(404);
  });
});
