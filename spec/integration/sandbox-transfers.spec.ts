/**
 * Transfer bills (商家转账, user confirmation mode) against the sandbox, through the SDK: created
 * WAIT_USER_CONFIRM with a package_info; the payee confirms (TRANSFERING, then SUCCESS), declines (FAIL),
 * or lets the window pass (FAIL, OVERDUE_CLOSE); the merchant cancels (CANCELING, then CANCELLED); every
 * end notified as MCHTRANSFER.BILL.FINISHED, verified and decrypted here with node:crypto alone.
 */
import { type Sandbox } from '../../lib/sandbox/index.js';
import { control, type Received, useFlow } from './sandbox-flow-support.js';

let sandbox: Sandbox;
let client: any;
const receiver = useFlow((s, c) => {
  sandbox = s;
  client = c;
});

const bills = () => client.v3.fundApp.mchTransfer.transferBills;
const bill = (outBillNo: string, extra: Record<string, unknown> = {}) => ({
  appid: 'wxf636efh567hg4356', out_bill_no: outBillNo, transfer_scene_id: '1000', openid: 'o-MYE42l80oelYMDE34nYD456Xoy',
  transfer_amount: 400, transfer_remark: '新会员开通有礼', notify_url: receiver.url, user_recv_perception: '现金奖励',
  transfer_scene_report_infos: [{ info_type: '活动名称', info_content: '新会员有礼' }, { info_type: '奖励说明', info_content: '注册会员抽奖一等奖' }],
  ...extra,
});
const byOutBillNo = async (no: string) => (await bills().outBillNo._out_bill_no_.get({ out_bill_no: no })).data;
const advance = async (seconds: number) => {
  const [status, view] = await control(sandbox.baseURL, 'POST', 'clock', { advance: seconds });
  expect(status).toBe(200);
  return view;
};
const confirm = (no: string, body: Record<string, unknown>) => control(sandbox.baseURL, 'POST', `transfers/${encodeURIComponent(no)}/confirm`, body);
const finished = (no: string): Received[] => receiver.received.filter((r) => r.resource['out_bill_no'] === no);

/** The documented notification: its envelope and its resource (out_bill_no, transfer_bill_no, state, mch_id, ...). */
function expectFinished(received: Received | undefined, expected: Record<string, unknown>): void {
  expect(received).toBeDefined();
  expect(received!.envelope).toMatchObject({ event_type: 'MCHTRANSFER.BILL.FINISHED', resource_type: 'encrypt-resource', resource: { original_type: 'mch_payment', algorithm: 'AEAD_AES_256_GCM', associated_data: 'mch_payment' } });
  expect(Object.keys(received!.resource).sort()).toEqual(['create_time', 'mch_id', 'openid', 'out_bill_no', 'state', 'transfer_amount', 'transfer_bill_no', 'update_time', ...('fail_reason' in expected ? ['fail_reason'] : [])].sort());
  expect(received!.resource).toMatchObject({ mch_id: sandbox.config.mchid, openid: 'o-MYE42l80oelYMDE34nYD456Xoy', ...expected });
}

describe('a transfer the payee confirms', () => {
  it('WAIT_USER_CONFIRM -> TRANSFERING -> SUCCESS, notified once at the end', async () => {
    const { data: created } = await bills().post({ json: bill('T1') });
    expect(created).toMatchObject({ out_bill_no: 'T1', state: 'WAIT_USER_CONFIRM', package_info: expect.stringMatching(/^[A-Za-z0-9+/=]{20,}$/) });
    expect(created.transfer_bill_no).toMatch(/^\d{40}$/);
    expect(created.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$/);

    const queried = await byOutBillNo('T1');
    expect(queried).toMatchObject({ mch_id: sandbox.config.mchid, out_bill_no: 'T1', transfer_bill_no: created.transfer_bill_no, appid: 'wxf636efh567hg4356', state: 'WAIT_USER_CONFIRM', transfer_amount: 400, transfer_remark: '新会员开通有礼', openid: 'o-MYE42l80oelYMDE34nYD456Xoy', create_time: created.create_time });
    const byNo = await bills().transferBillNo._transfer_bill_no_.get({ transfer_bill_no: created.transfer_bill_no });
    expect(byNo.data).toEqual(queried);

    const [status, confirmed] = await confirm('T1', { accept: true });
    expect(status).toBe(200);
    expect(confirmed.bill.state).toBe('TRANSFERING');
    expect((await byOutBillNo('T1')).state).toBe('TRANSFERING');
    expect(finished('T1')).toHaveLength(0);

    await advance(5);
    const done = await byOutBillNo('T1');
    expect(done.state).toBe('SUCCESS');
    expect(done.fail_reason).toBeUndefined();
    expect(finished('T1')).toHaveLength(1);
    expectFinished(finished('T1')[0], { out_bill_no: 'T1', transfer_bill_no: created.transfer_bill_no, state: 'SUCCESS', transfer_amount: 400, create_time: created.create_time, update_time: done.update_time });

    // A confirmed bill cannot be confirmed again, nor cancelled.
    expect((await confirm('T1', { accept: true }))[0]).toBe(409);
    await expect(bills().outBillNo._out_bill_no_.cancel.post({ out_bill_no: 'T1' })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });

  it('a transfer that fails after confirmation: TRANSFERING -> FAIL with the reason asked for', async () => {
    await bills().post({ json: bill('T2') });
    expect((await confirm('T2', { accept: true, fail_reason: 'PAYEE_ACCOUNT_ABNORMAL' }))[1].bill.state).toBe('TRANSFERING');
    await advance(5);
    expect(await byOutBillNo('T2')).toMatchObject({ state: 'FAIL', fail_reason: 'PAYEE_ACCOUNT_ABNORMAL' });
    expectFinished(finished('T2')[0], { state: 'FAIL', fail_reason: 'PAYEE_ACCOUNT_ABNORMAL' });
    expect((await confirm('T2', { accept: true, fail_reason: 'NOT_A_REASON' }))[0]).toBe(409);
  });
});

describe('a transfer that does not happen', () => {
  it('declined: FAIL at once, notified', async () => {
    await bills().post({ json: bill('D1') });
    const answer = await sandbox.confirmTransfer('D1', { accept: false });
    expect(answer.bill).toMatchObject({ state: 'FAIL', fail_reason: 'OTHER_FAIL_REASON_TYPE' });
    expect(answer.delivery).toMatchObject({ event_type: 'MCHTRANSFER.BILL.FINISHED', state: 'delivered' });
    expectFinished(finished('D1')[0], { out_bill_no: 'D1', state: 'FAIL', fail_reason: 'OTHER_FAIL_REASON_TYPE' });
    expect((await confirm('NOPE', { accept: true }))[0]).toBe(404);
    expect((await confirm('D1', { accept: 'yes' }))[0]).toBe(400);
  });

  it('unconfirmed for 24 hours of sandbox time: FAIL with OVERDUE_CLOSE', async () => {
    await bills().post({ json: bill('W1') });
    expect(sandbox.clock().due).toEqual(expect.arrayContaining([expect.objectContaining({ key: expect.stringContaining('W1') })]));
    expect((await sandbox.advanceClock(24 * 3600 - 60)).offset_seconds).toBeGreaterThanOrEqual(24 * 3600 - 60);
    expect((await byOutBillNo('W1')).state).toBe('WAIT_USER_CONFIRM');
    await advance(60);
    expect(await byOutBillNo('W1')).toMatchObject({ state: 'FAIL', fail_reason: 'OVERDUE_CLOSE' });
    expectFinished(finished('W1')[0], { state: 'FAIL', fail_reason: 'OVERDUE_CLOSE' });
    expect((await confirm('W1', { accept: true }))[0]).toBe(409);
  });

  it('cancelled before confirmation: CANCELING -> CANCELLED, notified; cancelling again answers the same', async () => {
    const { data: created } = await bills().post({ json: bill('C1') });
    const { data: canceling } = await bills().outBillNo._out_bill_no_.cancel.post({ out_bill_no: 'C1' });
    expect(canceling).toMatchObject({ out_bill_no: 'C1', transfer_bill_no: created.transfer_bill_no, state: 'CANCELING', update_time: expect.any(String) });
    expect((await byOutBillNo('C1')).state).toBe('CANCELING');
    expect((await bills().outBillNo._out_bill_no_.cancel.post({ out_bill_no: 'C1' })).data.state).toBe('CANCELING');
    expect((await confirm('C1', { accept: true }))[0]).toBe(409);
    await advance(5);
    expect((await byOutBillNo('C1')).state).toBe('CANCELLED');
    expect((await bills().outBillNo._out_bill_no_.cancel.post({ out_bill_no: 'C1' })).data.state).toBe('CANCELLED');
    expectFinished(finished('C1')[0], { state: 'CANCELLED', transfer_bill_no: created.transfer_bill_no });
    expect(finished('C1')).toHaveLength(1);
  });
});

describe('the same out_bill_no, and what the platform refuses', () => {
  it('the same request answers the first bill; another request with that out_bill_no is refused; each bill its own number', async () => {
    const first = (await bills().post({ json: bill('R1') })).data;
    const again = (await bills().post({ json: bill('R1') })).data;
    expect(again).toEqual(first);
    await expect(bills().post({ json: bill('R1', { transfer_amount: 500 }) }))
      .rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST', message: expect.stringContaining('商户单号重复') });
    const other = (await bills().post({ json: bill('R2') })).data;
    expect(other.transfer_bill_no).not.toBe(first.transfer_bill_no);
    // Declined, the retry answers the bill as it is now (no package_info any more).
    await confirm('R1', { accept: false });
    expect((await bills().post({ json: bill('R1') })).data).toMatchObject({ transfer_bill_no: first.transfer_bill_no, state: 'FAIL', fail_reason: 'OTHER_FAIL_REASON_TYPE' });
    expect((await bills().post({ json: bill('R1') })).data.package_info).toBeUndefined();
  });

  it('unknown bills are 404 NOT_FOUND; amounts, names, scene reports and schema errors are 400 PARAM_ERROR', async () => {
    await expect(byOutBillNo('NOPE')).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await expect(bills().transferBillNo._transfer_bill_no_.get({ transfer_bill_no: '1330000000000000000000000000000000000000' })).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await expect(bills().outBillNo._out_bill_no_.cancel.post({ out_bill_no: 'NOPE' })).rejects.toMatchObject({ status: 404, code: 'NOT_FOUND' });
    await expect(bills().post({ json: bill('E1', { transfer_amount: 9 }) })).rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/transfer_amount' } });
    await expect(bills().post({ json: bill('E2', { transfer_amount: 200_000 }) })).rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/user_name' } });
    await expect(bills().post({ json: bill('E3', { transfer_scene_report_infos: [{ info_type: '活动名称', info_content: 'x' }] }) }))
      .rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/transfer_scene_report_infos' }, message: expect.stringContaining('奖励说明') });
    const { openid: _omitted, ...withoutOpenid } = bill('E4');
    await expect(bills().post({ json: withoutOpenid })).rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/openid', issue: 'is required' } });
    await expect(bills().post({ json: bill('E5', { transfer_scene_id: '9999' }) })).rejects.toMatchObject({ status: 400, code: 'PARAM_ERROR', detail: { field: '/transfer_scene_id' } });
    expect((await control(sandbox.baseURL, 'GET', 'transfers/E1'))[0]).toBe(404);
  });

  it('with an operation account balance: a bill takes its amount when made, 403 NOT_ENOUGH past it, given back when it fails', async () => {
    expect(await control(sandbox.baseURL, 'GET', 'transfers/balance')).toEqual([200, { balance: null }]);
    expect((await control(sandbox.baseURL, 'PUT', 'transfers/balance', { balance: 1000 }))[0]).toBe(200);
    await bills().post({ json: bill('N1', { transfer_amount: 600 }) });
    expect((await control(sandbox.baseURL, 'GET', 'transfers/balance'))[1]).toEqual({ balance: 400 });
    await expect(bills().post({ json: bill('N2', { transfer_amount: 500 }) })).rejects.toMatchObject({ status: 403, code: 'NOT_ENOUGH', message: expect.stringContaining('资金不足') });
    await confirm('N1', { accept: false });
    expect((await control(sandbox.baseURL, 'GET', 'transfers/balance'))[1]).toEqual({ balance: 1000 });
    expect((await bills().post({ json: bill('N2', { transfer_amount: 500 }) })).data.state).toBe('WAIT_USER_CONFIRM');
    await confirm('N2', { accept: true });
    await advance(5);
    expect((await control(sandbox.baseURL, 'GET', 'transfers/balance'))[1]).toEqual({ balance: 500 });
    expect((await control(sandbox.baseURL, 'PUT', 'transfers/balance', { balance: -1 }))[0]).toBe(400);
    expect((await control(sandbox.baseURL, 'PUT', 'transfers/balance', { balance: null }))[1]).toEqual({ balance: null });
  });

  it('the control API lists the bills, with what the console shows', async () => {
    const [status, list] = await control(sandbox.baseURL, 'GET', 'transfers');
    expect(status).toBe(200);
    expect(list.find((b: any) => b.out_bill_no === 'R2')).toMatchObject({ state: 'WAIT_USER_CONFIRM', package_info: expect.any(String), notify_url: receiver.url, due_at: expect.any(String) });
    expect((await control(sandbox.baseURL, 'GET', 'transfers/T1'))[1]).toMatchObject({ state: 'SUCCESS' });
  });
});
