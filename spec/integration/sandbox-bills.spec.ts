/**
 * A day of business reconciled against the sandbox's own bills, through the SDK: payments (direct, a
 * sub-merchant's, a combined order's), a refund, profit shares and a return, and a transfer bill, all on
 * one business day (the clock set to 10:00 Beijing time of a coming day); the trade bill and the fund flow
 * bill (BASIC and OPERATION accounts) downloaded gzip with their announced hash checked, and every
 * amount in them traced back to the flows that made it.
 */
import { openBill } from '../../lib/helpers/bill.js';
import { readBill } from '../../lib/helpers/bill-csv.js';
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
let day = '';

async function download(kind: 'tradebill' | 'fundflowbill', query: Record<string, string>) {
  const answer = await client.chain(`v3/bill/${kind}`).get({ query: { bill_date: day, tar_type: 'GZIP', ...query } });
  expect(answer.data).toMatchObject({ hash_type: 'SHA1', hash_value: expect.stringMatching(/^[0-9a-f]{40}$/) });
  const chunks: Buffer[] = [];
  // openBill gunzips and checks the SHA-1 the answer announced while streaming (it throws when it differs).
  for await (const chunk of await openBill(client, answer)) chunks.push(chunk as Buffer);
  return readBill(Buffer.concat(chunks).toString('utf8'));
}

describe('a day reconciled', () => {
  beforeAll(async () => {
    // 10:00 Beijing time of the next day: the whole scenario falls on one business day.
    const now = Date.parse(sandbox.clock().now);
    const beijing = new Date(now + 8 * 3600_000);
    const nextTen = Date.UTC(beijing.getUTCFullYear(), beijing.getUTCMonth(), beijing.getUTCDate() + 1, 10) - 8 * 3600_000;
    await sandbox.advanceClock((nextTen - now) / 1000);
    day = sandbox.clock().now.slice(0, 10);

    const native = (no: string, total: number, extra: Record<string, unknown> = {}) => client.v3.pay.transactions.native.post({
      json: { appid: APPID, mchid, description: `商品 ${no}`, out_trade_no: no, notify_url: receiver.url, amount: { total, currency: 'CNY' }, ...extra },
    });
    await native('D1', 10000, { settle_info: { profit_sharing: true } });
    const paid = (await sandbox.pay('D1')).transaction['transaction_id'] as string;
    await native('D2', 2500);
    await sandbox.pay('D2');
    await client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'D2', out_refund_no: 'DR1', amount: { refund: 500, total: 2500, currency: 'CNY' } } });
    await client.v3.pay.partner.transactions.native.post({
      json: { sp_appid: APPID, sp_mchid: mchid, sub_mchid: '1900000109', description: 'P', out_trade_no: 'D3', notify_url: receiver.url, amount: { total: 3000 } },
    });
    await sandbox.pay('D3', { sub_mchid: '1900000109' });
    await client.v3.combineTransactions.app.post({ json: {
      combine_appid: APPID, combine_mchid: mchid, combine_out_trade_no: 'DC', notify_url: receiver.url, combine_payer_info: { openid: 'oC' },
      sub_orders: [{ mchid, sub_mchid: '1900000110', out_trade_no: 'DC-1', attach: 'a', description: 'c1', amount: { total_amount: 700, currency: 'CNY' } }],
    } });
    await sandbox.payCombine('DC');

    await client.v3.profitsharing.receivers.add.post({ json: { appid: APPID, type: 'MERCHANT_ID', account: '1900000109', relation_type: 'STORE' } });
    await client.v3.profitsharing.orders.post({ json: {
      appid: APPID, transaction_id: paid, out_order_no: 'DS1', unfreeze_unsplit: false, receivers: [{ type: 'MERCHANT_ID', account: '1900000109', amount: 3000, description: '门店分成' }],
    } });
    await sandbox.advanceClock(5);
    await client.v3.profitsharing.returnOrders.post({ json: { out_order_no: 'DS1', out_return_no: 'DB1', return_mchid: '1900000109', amount: 1000, description: '回退' } });
    await client.v3.fundApp.mchTransfer.transferBills.post({ json: {
      appid: APPID, out_bill_no: 'DT1', transfer_scene_id: '1000', openid: 'o-PAYEE', transfer_amount: 888, transfer_remark: '奖励', notify_url: receiver.url,
      transfer_scene_report_infos: [{ info_type: '活动名称', info_content: 'x' }, { info_type: '奖励说明', info_content: 'y' }],
    } });
    await control(sandbox.baseURL, 'POST', 'transfers/DT1/confirm', { accept: true });
    await sandbox.advanceClock(5);
  });

  it('the trade bill has every payment of the day (sub-merchants and combined orders too) and the refund; the summary adds up', async () => {
    const bill = await download('tradebill', { bill_type: 'ALL' });
    expect(bill.rows.map((r) => [r['商户订单号'], r['特约商户号'], r['交易状态'], r['订单金额'], r['退款金额']])).toEqual([
      ['D1', '0', 'SUCCESS', '100.00', '0.00'],
      ['D2', '0', 'SUCCESS', '25.00', '0.00'],
      ['D3', '1900000109', 'SUCCESS', '30.00', '0.00'],
      ['DC-1', '1900000110', 'SUCCESS', '7.00', '0.00'],
      ['D2', '0', 'REFUND', '0.00', '5.00'],
    ]);
    expect(bill.rows.every((r) => r['交易时间']!.startsWith(day))).toBe(true);
    expect(bill.summary).toMatchObject({ 总交易单数: '5', 应结订单总金额: '162.00', 退款总金额: '5.00', 订单总金额: '162.00' });
    const sub = await download('tradebill', { bill_type: 'SUCCESS', sub_mchid: '1900000109' });
    expect(sub.rows.map((r) => r['商户订单号'])).toEqual(['D3']);
  });

  it('the BASIC fund flow has the incomes, fees, the refund, the share paid out and the share returned; OPERATION the transfer', async () => {
    const basic = await download('fundflowbill', { account_type: 'BASIC' });
    const flows = basic.rows.map((r) => [r['业务名称'], r['收支类型'], r['收支金额（元）'], r['业务凭证号']]);
    expect(flows).toEqual(expect.arrayContaining([
      ['交易', '收入', '100.00', 'D1'], ['退款', '支出', '5.00', 'DR1'], ['分账', '支出', '30.00', 'DS1'], ['分账回退', '收入', '10.00', 'DB1'],
    ]));
    expect(flows.filter(([name]) => name === '扣除交易手续费')).toHaveLength(4);
    const income = basic.rows.filter((r) => r['收支类型'] === '收入').reduce((sum, r) => sum + Math.round(Number(r['收支金额（元）']) * 100), 0);
    const spent = basic.rows.filter((r) => r['收支类型'] === '支出').reduce((sum, r) => sum + Math.round(Number(r['收支金额（元）']) * 100), 0);
    expect(basic.summary['收入金额']).toBe((income / 100).toFixed(2));
    expect(basic.summary['支出金额']).toBe((spent / 100).toFixed(2));
    expect(basic.rows.at(-1)!['账户结余（元）']).toBe(((income - spent) / 100).toFixed(2));

    const operation = await download('fundflowbill', { account_type: 'OPERATION' });
    expect(operation.rows.map((r) => [r['业务名称'], r['收支类型'], r['收支金额（元）'], r['业务凭证号']])).toEqual([['商家转账', '支出', '8.88', 'DT1']]);
    expect((await download('fundflowbill', { account_type: 'FEES' })).rows).toEqual([]);
  });

  it('the real today has none of it (bills follow business days); the day after the business day has no bill yet', async () => {
    const realToday = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
    if (realToday !== day) {
      const answer = await client.v3.bill.tradebill.get({ query: { bill_date: realToday } });
      const chunks: Buffer[] = [];
      for await (const chunk of await openBill(client, answer)) chunks.push(chunk as Buffer);
      expect(readBill(Buffer.concat(chunks).toString('utf8')).rows).toEqual([]);
    }
    const next = new Date(Date.parse(`${day}T00:00:00+08:00`) + 86400_000 + 8 * 3600_000).toISOString().slice(0, 10);
    await expect(client.v3.bill.tradebill.get({ query: { bill_date: next } })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });
});
