/**
 * Bills from the sandbox's own orders, downloaded and verified with lib/bill.ts (signed GET of the
 * download URL, gunzip, SHA-1 checked while streaming) and read with lib/bill-csv.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBill, readBill, type BillRecord } from '../../lib/helpers/bill-csv.js';
import { BillError } from '../../lib/errors.js';
import { downloadBill, openBill } from '../../lib/helpers/bill.js';
import { Builder } from '../../lib/core/builder.js';
import { startSandbox, type Sandbox } from '../../lib/sandbox/index.js';

let sandbox: Sandbox;
let client: any;
let dir: string;
let paid: Array<{ out_trade_no: string; transaction_id: string }> = [];
const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);

beforeAll(async () => {
  sandbox = await startSandbox();
  client = Builder.factory(sandbox.config);
  dir = mkdtempSync(join(tmpdir(), 'wechatpay-bills-'));
  const create = (no: string, total: number, description: string) => client.v3.pay.transactions.native.post({ json: {
    appid: 'wxd678efh567hg6787', mchid: sandbox.config.mchid, description, out_trade_no: no, notify_url: 'https://example.com/n',
    amount: { total, currency: 'CNY' }, ...(no === 'B1' ? { attach: 'a,b "quoted"' } : {}),
  } });
  await create('B1', 12345, 'Coffee 大杯');
  await create('B2', 100, 'Tea');
  await create('B3', 999, 'never paid');
  paid = [];
  for (const no of ['B1', 'B2']) paid.push({ out_trade_no: no, transaction_id: (await sandbox.pay(no)).transaction['transaction_id'] as string });
  await client.v3.refund.domestic.refunds.post({ json: { out_trade_no: 'B1', out_refund_no: 'BR1', amount: { refund: 2345, total: 12345, currency: 'CNY' } } });
}, 30_000);
afterAll(async () => {
  await sandbox.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('trade bills', () => {
  it('GZIP: downloadBill verifies the SHA-1 of the gunzipped CSV and writes it; readBill reads payments, the refund and the summary', async () => {
    const answer = await client.v3.bill.tradebill.get({ query: { bill_date: today, tar_type: 'GZIP' } });
    expect(answer.data).toMatchObject({ hash_type: 'SHA1', hash_value: expect.stringMatching(/^[0-9a-f]{40}$/) });
    expect(answer.data.download_url).toMatch(new RegExp(`^${sandbox.baseURL}v3/billdownload/file\\?token=[\\w-]+&tartype=gzip$`));
    const to = join(dir, 'trade.csv');
    const result = await downloadBill(client, answer, { to });
    expect(result).toMatchObject({ hashType: 'SHA1', hash: answer.data.hash_value, gunzipped: true, path: to });
    expect(result.received).toBeLessThan(result.bytes);
    const text = readFileSync(to, 'utf8');
    expect(text.startsWith('\uFEFF交易时间,公众账号ID,商户号')).toBe(true);
    const bill = readBill(text);
    expect(bill.header).toHaveLength(27);
    expect(bill.rows.map((r) => [r['商户订单号'], r['交易状态'], r['应结订单金额'], r['退款金额'], r['订单金额']])).toEqual([
      ['B1', 'SUCCESS', '123.45', '0.00', '123.45'],
      ['B2', 'SUCCESS', '1.00', '0.00', '1.00'],
      ['B1', 'REFUND', '0.00', '23.45', '0.00'],
    ]);
    expect(bill.rows[0]).toMatchObject({
      微信订单号: paid[0]!.transaction_id, 商户号: sandbox.config.mchid, 交易类型: 'NATIVE', 商品名称: 'Coffee 大杯',
      商户数据包: 'a,b "quoted"', 手续费: '0.74070', 费率: '0.60%', 货币种类: 'CNY',
    });
    expect(bill.rows[2]).toMatchObject({ 商户退款单号: 'BR1', 退款状态: 'SUCCESS', 退款类型: 'ORIGINAL', 申请退款金额: '23.45', 手续费: '-0.14070' });
    expect(bill.summary).toEqual({
      总交易单数: '3', 应结订单总金额: '124.45', 退款总金额: '23.45', 充值券退款总金额: '0.00', 手续费总金额: '0.60600', 订单总金额: '124.45', 申请退款总金额: '23.45',
    });
  });

  it('plain CSV: openBill streams it verified into parseBill; SUCCESS and REFUND bills have their own columns', async () => {
    const records: BillRecord[] = [];
    for await (const record of parseBill(await openBill(client, await client.v3.bill.tradebill.get({ query: { bill_date: today } })))) records.push(record);
    expect(records.map((r) => r.type)).toEqual(['header', 'row', 'row', 'row', 'header', 'summary']);

    const success = readBill(await download({ bill_date: today, bill_type: 'SUCCESS' }));
    expect(success.header).toHaveLength(20);
    expect(success.rows.map((r) => r['商户订单号'])).toEqual(['B1', 'B2']);
    const refunds = readBill(await download({ bill_date: today, bill_type: 'REFUND' }));
    expect(refunds.header).toContain('退款申请时间');
    expect(refunds.rows.map((r) => [r['商户订单号'], r['商户退款单号'], r['退款金额']])).toEqual([['B1', 'BR1', '23.45']]);
    expect(refunds.summary['退款总金额']).toBe('23.45');
  });

  it('a day without payments is a bill without rows; a day to come has no bill', async () => {
    const empty = readBill(await download({ bill_date: '2025-01-01' }));
    expect(empty.rows).toEqual([]);
    expect(empty.summary['总交易单数']).toBe('0');
    await expect(client.v3.bill.tradebill.get({ query: { bill_date: '2999-01-01' } })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });

  it('a download whose announced hash differs is refused by downloadBill, and leaves no file', async () => {
    const answer = await client.v3.bill.tradebill.get({ query: { bill_date: today } });
    const to = join(dir, 'tampered.csv');
    await expect(downloadBill(client, { ...answer.data, hash_value: '0'.repeat(40) }, { to })).rejects.toMatchObject({ constructor: BillError, code: 'EBILL_HASH' });
    expect(() => readFileSync(to)).toThrow();
    await expect(client.v3.billdownload.file.get({ query: { token: 'unknown' } })).rejects.toMatchObject({ status: 400, code: 'INVALID_REQUEST' });
  });
});

describe('fund flow bills', () => {
  it('lists each payment, its fee and the refund, with a running balance and a summary', async () => {
    const bill = readBill(await download({ bill_date: today }, 'fundflowbill'));
    expect(bill.header[0]).toBe('记账时间');
    expect(bill.rows.map((r) => [r['业务名称'], r['收支类型'], r['收支金额（元）'], r['业务凭证号']])).toEqual([
      ['交易', '收入', '123.45', 'B1'], ['扣除交易手续费', '支出', '0.74', 'B1'],
      ['交易', '收入', '1.00', 'B2'], ['扣除交易手续费', '支出', '0.01', 'B2'],
      ['退款', '支出', '23.45', 'BR1'],
    ]);
    expect(bill.rows.at(-1)!['账户结余（元）']).toBe('100.25');
    expect(bill.summary).toEqual({ 资金流水总笔数: '5', 收入笔数: '2', 收入金额: '124.45', 支出笔数: '3', 支出金额: '24.20' });
  });
});

describe('APIv2 bills', () => {
  it('pay/downloadbill answers the CSV itself (gzip when asked)', async () => {
    const date = today.replace(/-/g, '');
    const xml = { appid: 'wx2421b1c4370ec43b', mch_id: sandbox.config.mchid, bill_date: date, bill_type: 'ALL' };
    const { data } = await client.v2.pay.downloadbill.post({ xml });
    expect(readBill(data).rows.map((r) => r['商户订单号'])).toEqual(['B1', 'B2', 'B1']);
    const gzip = await client.v2.pay.downloadbill.post({ xml: { ...xml, tar_type: 'GZIP' } });
    expect(Buffer.isBuffer(gzip.data) && gzip.data[0] === 0x1f && gzip.data[1] === 0x8b).toBe(true);
    await expect(client.v2.pay.downloadbill.post({ xml: { ...xml, bill_date: '29990101' } })).rejects.toMatchObject({ code: 'FAIL' });
  });
});

/** A bill's CSV, through the SDK's verified download. */
async function download(query: Record<string, string>, kind = 'tradebill'): Promise<string> {
  const answer = await client.chain(`v3/bill/${kind}`).get({ query });
  const chunks: Buffer[] = [];
  for await (const chunk of await openBill(client, answer)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
