/**
 * Profit sharing against the sandbox, through the SDK: an order paid with profit_sharing, receivers
 * added, shared (PROCESSING -> FINISHED, each receiver PENDING -> SUCCESS, notified as PROFITSHARING),
 * returned (PROCESSING -> SUCCESS, notified as PROFITSHARING_RETURN), unfrozen; the amounts left at every
 * step; the platform's refusals. Notifications verified and decrypted here with node:crypto alone.
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
const STORE = '1900000109';
const USER = 'oRECEIVER_USER_OPENID_000000';
const ps = () => client.v3.profitsharing;
const advance = (seconds: number) => control(sandbox.baseURL, 'POST', 'clock', { advance: seconds });

async function paidOrder(no: string, total: number, profitSharing: boolean): Promise<string> {
  await client.v3.pay.transactions.native.post({
    json: { appid: APPID, mchid, description: '分账商品', out_trade_no: no, notify_url: receiver.url, amount: { total, currency: 'CNY' }, settle_info: { profit_sharing: profitSharing } },
  });
  return (await sandbox.pay(no)).transaction['transaction_id'] as string;
}
const unsplit = async (id: string) => (await ps().transactions._transaction_id_.amounts.get({ transaction_id: id })).data.unsplit_amount;
const shareBody = (id: string, no: string, receivers: Array<[string, string, number]>, extra: Record<string, unknown> = {}) => ({
  appid: APPID, transaction_id: id, out_order_no: no, unfreeze_unsplit: false,
  receivers: receivers.map(([type, account, amount]) => ({ type, account, amount, description: `分给 ${account}` })), ...extra,
});

let transactionId: string;

describe('an order shared, returned and unfrozen', () => {
  it('receivers are added (CUSTOM needs its relation)', async () => {
    transactionId = await paidOrder('PS1', 1000, true);
    expect(await unsplit(transactionId)).toBe(1000);
    const store = await ps().receivers.add.post({ json: { appid: APPID, type: 'MERCHANT_ID', account: STORE, relation_type: 'STORE' } });
    expect(store.data).toEqual({ type: 'MERCHANT_ID', account: STORE, relation_type: 'STORE' });
    await ps().receivers.add.post({ json: { appid: APPID, type: 'PERSONAL_OPENID', account: USER, relation_type: 'USER' } });
    await expect(ps().receivers.add.post({ json: { appid: APPID, type: 'PERSONAL_OPENID', account: 'oX', relation_type: 'CUSTOM' } }))
      .rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/custom_relation' } });
  });

  it('shared: PROCESSING (receivers PENDING) -> FINISHED (SUCCESS), each share notified; amounts follow', async () => {
    const body = shareBody(transactionId, 'S1', [['MERCHANT_ID', STORE, 200], ['PERSONAL_OPENID', USER, 99]]);
    const { data: created } = await ps().orders.post({ json: body });
    expect(created).toMatchObject({ transaction_id: transactionId, out_order_no: 'S1', state: 'PROCESSING', order_id: expect.stringMatching(/^\d{28}$/) });
    expect(created.receivers.map((r: any) => [r.account, r.amount, r.result])).toEqual([[STORE, 200, 'PENDING'], [USER, 99, 'PENDING']]);
    expect(await unsplit(transactionId)).toBe(701);
    expect((await ps().orders.post({ json: body })).data.order_id).toBe(created.order_id);
    await expect(ps().orders.post({ json: shareBody(transactionId, 'S1', [['MERCHANT_ID', STORE, 1]]) })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('商户分账单号重复') });
    expect((await ps().orders._out_order_no_.get({ out_order_no: 'S1', query: { transaction_id: transactionId } })).data.state).toBe('PROCESSING');

    await advance(5);
    const { data: done } = await ps().orders._out_order_no_.get({ out_order_no: 'S1', query: { transaction_id: transactionId } });
    expect(done.state).toBe('FINISHED');
    expect(done.receivers.map((r: any) => r.result)).toEqual(['SUCCESS', 'SUCCESS']);
    const notified = receiver.received.filter((r) => r.envelope.event_type === 'PROFITSHARING');
    expect(notified).toHaveLength(2);
    expect(notified[0]!.envelope.resource).toMatchObject({ original_type: 'profitsharing', associated_data: 'profitsharing' });
    expect(notified.map((r) => r.resource)).toEqual([
      { mchid, transaction_id: transactionId, order_id: created.order_id, out_order_no: 'S1', receiver: { type: 'MERCHANT_ID', account: STORE, amount: 200, description: `分给 ${STORE}` }, success_time: done.receivers[0].finish_time },
      { mchid, transaction_id: transactionId, order_id: created.order_id, out_order_no: 'S1', receiver: { type: 'PERSONAL_OPENID', account: USER, amount: 99, description: `分给 ${USER}` }, success_time: done.receivers[1].finish_time },
    ]);
  });

  it('what a share may not do: over the 30% ratio, an unknown receiver, an order not for sharing, an unknown order', async () => {
    await expect(ps().orders.post({ json: shareBody(transactionId, 'S2', [['MERCHANT_ID', STORE, 1]], { receivers: [{ type: 'MERCHANT_ID', account: STORE, amount: 1, description: 'x' }, { type: 'PERSONAL_OPENID', account: USER, amount: 0, description: 'x' }] }) }))
      .rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/receivers/1/amount' } });
    expect((await ps().orders.post({ json: shareBody(transactionId, 'S2', [['PERSONAL_OPENID', USER, 1]]) })).data.state).toBe('PROCESSING');
    // 300 shared now, the 30% of 1000: one cent more is over the ratio.
    await expect(ps().orders.post({ json: shareBody(transactionId, 'S3', [['MERCHANT_ID', STORE, 1]]) }))
      .rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('分账金额超出最大分账比例') });
    await expect(ps().orders.post({ json: shareBody(transactionId, 'S3', [['MERCHANT_ID', '1900000999', 1]]) }))
      .rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('分账接收方不存在') });
    const plain = await paidOrder('PS2', 500, false);
    await expect(ps().orders.post({ json: shareBody(plain, 'S4', [['MERCHANT_ID', STORE, 1]]) }))
      .rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('订单不需要分账') });
    expect(await unsplit(plain)).toBe(0);
    await expect(ps().orders.post({ json: shareBody('4200000000000000000000000000', 'S5', [['MERCHANT_ID', STORE, 1]]) })).rejects.toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });
    await expect(ps().orders._out_order_no_.get({ out_order_no: 'NOPE', query: { transaction_id: transactionId } })).rejects.toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });
    await advance(5);
  });

  it('returned by a merchant receiver: PROCESSING -> SUCCESS, notified; at most what it received', async () => {
    const returnBody = (no: string, amount: number, from = STORE) => ({ out_order_no: 'S1', out_return_no: no, return_mchid: from, amount, description: '用户退款' });
    const { data: back } = await ps().returnOrders.post({ json: returnBody('B1', 150) });
    expect(back).toMatchObject({ out_order_no: 'S1', out_return_no: 'B1', return_mchid: STORE, amount: 150, result: 'PROCESSING', return_id: expect.stringMatching(/^\d{28}$/) });
    await expect(ps().returnOrders.post({ json: returnBody('B2', 51) })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('50 of 200 left') });
    await expect(ps().returnOrders.post({ json: returnBody('B2', 1, USER) })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    await expect(ps().returnOrders.post({ json: { ...returnBody('B2', 1), out_order_no: 'NOPE' } })).rejects.toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });
    await expect(ps().returnOrders.post({ json: returnBody('B1', 149) })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('商户回退单号重复') });
    await advance(5);
    const { data: done } = await ps().returnOrders._out_return_no_.get({ out_return_no: 'B1', query: { out_order_no: 'S1' } });
    expect(done).toMatchObject({ result: 'SUCCESS', amount: 150, order_id: back.order_id });
    const notified = receiver.received.find((r) => r.envelope.event_type === 'PROFITSHARING_RETURN');
    expect(notified?.resource).toMatchObject({ mchid, out_order_no: 'S1', out_return_no: 'B1', return_id: back.return_id, receiver: { type: 'MERCHANT_ID', account: STORE, amount: 150 }, success_time: done.finish_time });
    await expect(ps().returnOrders._out_return_no_.get({ out_return_no: 'B1', query: { out_order_no: 'S9' } })).rejects.toMatchObject({ status: 404, code: 'RESOURCE_NOT_EXISTS' });
  });

  it('unfrozen: the rest goes to the merchant (PROCESSING -> FINISHED); nothing is left to share or unfreeze', async () => {
    const before = receiver.received.length;
    const { data: unfrozen } = await ps().orders.unfreeze.post({ json: { transaction_id: transactionId, out_order_no: 'U1', description: '解冻全部剩余资金' } });
    expect(unfrozen).toMatchObject({ state: 'PROCESSING', receivers: [{ type: 'MERCHANT_ID', account: mchid, amount: 700, result: 'PENDING' }] });
    expect(await unsplit(transactionId)).toBe(0);
    await expect(ps().orders.unfreeze.post({ json: { transaction_id: transactionId, out_order_no: 'U2', description: 'again' } })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    await expect(ps().orders.post({ json: shareBody(transactionId, 'S6', [['MERCHANT_ID', STORE, 1]]) })).rejects.toMatchObject({ status: 403, code: 'NOT_ENOUGH' });
    await advance(5);
    expect((await ps().orders._out_order_no_.get({ out_order_no: 'U1', query: { transaction_id: transactionId } })).data).toMatchObject({ state: 'FINISHED', receivers: [{ result: 'SUCCESS' }] });
    expect(receiver.received.length).toBe(before);
  });

  it('a deleted receiver is no longer shared to; the control API shows it all', async () => {
    await ps().receivers.delete.post({ json: { appid: APPID, type: 'PERSONAL_OPENID', account: USER } });
    const other = await paidOrder('PS3', 1000, true);
    await expect(ps().orders.post({ json: shareBody(other, 'S7', [['PERSONAL_OPENID', USER, 1]]) })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
    const [status, view] = await control(sandbox.baseURL, 'GET', 'profitsharing');
    expect(status).toBe(200);
    expect(view.receivers).toEqual([{ type: 'MERCHANT_ID', account: STORE, relation_type: 'STORE' }]);
    expect(view.orders.map((o: any) => [o.out_order_no, o.state])).toEqual([['S1', 'FINISHED'], ['S2', 'FINISHED'], ['U1', 'FINISHED']]);
    expect(view.returns.map((r: any) => [r.out_return_no, r.result])).toEqual([['B1', 'SUCCESS']]);
  });
});
