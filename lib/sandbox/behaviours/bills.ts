/**
 * Bills made from the sandbox's own orders and refunds:
 *
 * - `GET v3/bill/tradebill?bill_date=YYYY-MM-DD[&bill_type=ALL|SUCCESS|REFUND][&tar_type=GZIP][&sub_mchid=...]`
 *   and `GET v3/bill/fundflowbill` answer `{hash_type: "SHA1", hash_value, download_url}`, the URL being this
 *   sandbox's `v3/billdownload/file?token=...`;
 * - `GET v3/billdownload/file` (a signed request, an unsigned answer) returns the bill: UTF-8 with a BOM,
 *   a header row, data rows whose every field starts with a backtick, then the summary header and row;
 *   gzip when `tar_type=GZIP` was asked for (the hash is over the CSV itself);
 * - APIv2 `pay/downloadbill` and `pay/downloadfundflow` answer the same CSV directly.
 *
 * Rows are the payments made (and refunds accepted) on that Beijing day (business time: the sandbox
 * clock); a day without any gives a bill with no rows. The fund flow bill's BASIC account also has the
 * profit shares paid out and returned, its OPERATION account the transfer bills paid. Fees are 0.60%.
 * Bills for days after today are refused.
 */
import { createHash, randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { Call, Handler } from '../call.js';
import { json, storedFile } from '../answers.js';
import { invalidRequest, paramError } from '../errors.js';
import { beijingDate, billTime } from '../ids.js';
import type { Order, Refund, SandboxState } from '../state.js';
import { v2Fail } from '../auth.js';

const ALL = ['交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态',
  '付款银行', '货币种类', '应结订单金额', '代金券金额', '微信退款单号', '商户退款单号', '退款金额', '充值券退款金额', '退款类型',
  '退款状态', '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注'];
const SUCCESS = ['交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态',
  '付款银行', '货币种类', '应结订单金额', '代金券金额', '商品名称', '商户数据包', '手续费', '费率', '订单金额', '费率备注'];
const REFUND = ['交易时间', '公众账号ID', '商户号', '特约商户号', '设备号', '微信订单号', '商户订单号', '用户标识', '交易类型', '交易状态',
  '付款银行', '货币种类', '应结订单金额', '代金券金额', '退款申请时间', '退款成功时间', '微信退款单号', '商户退款单号', '退款金额',
  '充值券退款金额', '退款类型', '退款状态', '商品名称', '商户数据包', '手续费', '费率', '订单金额', '申请退款金额', '费率备注'];
const TRADE_SUMMARY = ['总交易单数', '应结订单总金额', '退款总金额', '充值券退款总金额', '手续费总金额', '订单总金额', '申请退款总金额'];
const FUND_FLOW = ['记账时间', '微信支付业务单号', '资金流水单号', '业务名称', '业务类型', '收支类型', '收支金额（元）', '账户结余（元）',
  '资金变更提交申请人', '备注', '业务凭证号'];
const FUND_FLOW_SUMMARY = ['资金流水总笔数', '收入笔数', '收入金额', '支出笔数', '支出金额'];

/** Fee rate: 0.60%, in units of 0.00001 yuan per cent (6 per cent). */
const FEE_UNITS_PER_CENT = 6;

const yuan = (cents: number): string => `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, '0')}`;
const fee5 = (units: number): string => `${units < 0 ? '-' : ''}${Math.floor(Math.abs(units) / 100000)}.${String(Math.abs(units) % 100000).padStart(5, '0')}`;

/** A data field: the backtick first; quoted when it holds a comma, a quote or a line break. */
function field(value: string): string {
  const marked = `\`${value}`;
  return /[",\r\n]/.test(marked) ? `"${marked.replace(/"/g, '""')}"` : marked;
}

function csv(header: readonly string[], rows: string[][], summaryHeader: readonly string[], summary: string[], bom = true): string {
  return `${bom ? '\uFEFF' : ''}${header.join(',')}\r\n${rows.map((row) => `${row.map(field).join(',')}\r\n`).join('')}` +
    `${summaryHeader.join(',')}\r\n${summary.map(field).join(',')}\r\n`;
}

interface Day {
  payments: Order[];
  refunds: Array<{ refund: Refund; order: Order }>;
}

/** The payments and refunds of one Beijing day, for one merchant (and one sub-merchant, if given). */
function day(state: SandboxState, mchid: string, date: string, subMchid?: string): Day {
  const mine = (o: { mchid: string; sub_mchid?: string }) => o.mchid === mchid && (subMchid === undefined || o.sub_mchid === subMchid);
  const orders = [...state.orders.values()].filter(mine);
  const payments = orders.filter((o) => o.success_time !== undefined && o.success_time.slice(0, 10) === date)
    .sort((a, b) => (a.success_time! < b.success_time! ? -1 : 1));
  const byTransaction = new Map(orders.map((o) => [o.transaction_id, o]));
  const refunds = [...state.refunds.values()].filter((r) => mine(r) && r.create_time.slice(0, 10) === date)
    .map((refund) => ({ refund, order: byTransaction.get(refund.transaction_id)! })).filter((r) => r.order !== undefined)
    .sort((a, b) => (a.refund.create_time < b.refund.create_time ? -1 : 1));
  return { payments, refunds };
}

const timeOf = (rfc3339: string): string => billTime(new Date(rfc3339));
const openidOf = (order: Order): string => order.payer?.['openid'] ?? order.payer?.['sp_openid'] ?? '';

/** The trade bill of a day: `ALL` (payments and refunds), `SUCCESS` (payments) or `REFUND` (refunds). */
export function tradeBill(state: SandboxState, mchid: string, date: string, type = 'ALL', subMchid?: string, bom = true): string {
  const { payments, refunds } = day(state, mchid, date, subMchid);
  const header = type === 'SUCCESS' ? SUCCESS : type === 'REFUND' ? REFUND : ALL;
  const rows: Array<Record<string, string>> = [];
  let settled = 0;
  let refunded = 0;
  let fees = 0;
  let ordered = 0;
  let asked = 0;
  const base = (o: Order, time: string, state: string): Record<string, string> => ({
    交易时间: time, 公众账号ID: o.appid ?? '', 商户号: o.mchid, 特约商户号: o.sub_mchid ?? '0', 设备号: '',
    微信订单号: o.transaction_id ?? '', 商户订单号: o.out_trade_no, 用户标识: openidOf(o), 交易类型: o.trade_type, 交易状态: state,
    付款银行: o.bank_type ?? 'OTHERS', 货币种类: o.amount.currency, 代金券金额: '0.00', 充值券退款金额: '0.00',
    商品名称: o.description, 商户数据包: o.attach ?? '', 费率: '0.60%', 费率备注: '',
  });
  if (type !== 'REFUND') {
    for (const o of payments) {
      const fee = o.amount.total * FEE_UNITS_PER_CENT;
      settled += o.amount.total;
      ordered += o.amount.total;
      fees += fee;
      rows.push({
        ...base(o, timeOf(o.success_time!), 'SUCCESS'), 应结订单金额: yuan(o.amount.total), 微信退款单号: '0', 商户退款单号: '0',
        退款金额: '0.00', 退款类型: '', 退款状态: '', 手续费: fee5(fee), 订单金额: yuan(o.amount.total), 申请退款金额: '0.00',
      });
    }
  }
  if (type !== 'SUCCESS') {
    for (const { refund: r, order: o } of refunds) {
      const fee = -r.amount.refund * FEE_UNITS_PER_CENT;
      refunded += r.amount.refund;
      asked += r.amount.refund;
      fees += fee;
      rows.push({
        ...base(o, timeOf(r.create_time), 'REFUND'), 应结订单金额: '0.00', 退款申请时间: timeOf(r.create_time),
        退款成功时间: r.success_time ? timeOf(r.success_time) : '', 微信退款单号: r.refund_id, 商户退款单号: r.out_refund_no,
        退款金额: yuan(r.amount.refund), 退款类型: 'ORIGINAL', 退款状态: r.status, 手续费: fee5(fee), 订单金额: '0.00',
        申请退款金额: yuan(r.amount.refund),
      });
    }
  }
  const summary = [String(rows.length), yuan(settled), yuan(refunded), '0.00', fee5(fees), yuan(ordered), yuan(asked)];
  return csv(header, rows.map((row) => header.map((name) => row[name] ?? '')), TRADE_SUMMARY, summary, bom);
}

/** A fund account of the fund flow bill (`account_type`). */
export type FundAccount = 'BASIC' | 'OPERATION' | 'FEES';

/**
 * The fund flow of a day on one account. BASIC: each payment's income, its fee, each refund, each profit
 * share paid out (分账) and each share returned (分账回退); OPERATION: each transfer bill paid (商家转账);
 * FEES: nothing.
 */
export function fundFlowBill(state: SandboxState, mchid: string, date: string, bom = true, account: FundAccount = 'BASIC'): string {
  const entries: Array<{ time: string; id: string; name: string; kind: '收入' | '支出'; cents: number; voucher: string }> = [];
  const onDay = (time: string | undefined) => time !== undefined && time.slice(0, 10) === date;
  if (account === 'BASIC') {
    const { payments, refunds } = day(state, mchid, date);
    for (const o of payments) {
      entries.push({ time: o.success_time!, id: o.transaction_id!, name: '交易', kind: '收入', cents: o.amount.total, voucher: o.out_trade_no });
      const fee = Math.round((o.amount.total * FEE_UNITS_PER_CENT) / 1000);
      if (fee > 0) entries.push({ time: o.success_time!, id: o.transaction_id!, name: '扣除交易手续费', kind: '支出', cents: fee, voucher: o.out_trade_no });
    }
    for (const { refund: r } of refunds) entries.push({ time: r.create_time, id: r.refund_id, name: '退款', kind: '支出', cents: r.amount.refund, voucher: r.out_refund_no });
    for (const sharing of state.sharings.values()) {
      if (sharing.mchid !== mchid) continue;
      for (const item of sharing.receivers) {
        // An unfreeze's share to the merchant itself moves nothing out.
        if (item.result !== 'SUCCESS' || !onDay(item.finish_time) || item.account === (sharing.sub_mchid ?? sharing.mchid)) continue;
        entries.push({ time: item.finish_time!, id: item.detail_id, name: '分账', kind: '支出', cents: item.amount, voucher: sharing.out_order_no });
      }
    }
    for (const back of state.sharingReturns.values()) {
      if (back.mchid !== mchid || back.result !== 'SUCCESS' || !onDay(back.finish_time)) continue;
      entries.push({ time: back.finish_time!, id: back.return_id, name: '分账回退', kind: '收入', cents: back.amount, voucher: back.out_return_no });
    }
  } else if (account === 'OPERATION') {
    for (const bill of state.transfers.values()) {
      if (bill.mch_id !== mchid || bill.state !== 'SUCCESS' || !onDay(bill.update_time)) continue;
      entries.push({ time: bill.update_time, id: bill.transfer_bill_no, name: '商家转账', kind: '支出', cents: bill.transfer_amount, voucher: bill.out_bill_no });
    }
  }
  entries.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
  let balance = 0;
  const rows = entries.map((e, i) => {
    balance += e.kind === '收入' ? e.cents : -e.cents;
    return [timeOf(e.time), e.id, `${e.id.slice(0, 20)}${String(i + 1).padStart(8, '0')}`, e.name, e.name, e.kind, yuan(e.cents), yuan(balance), 'system', '', e.voucher];
  });
  const income = entries.filter((e) => e.kind === '收入');
  const spent = entries.filter((e) => e.kind === '支出');
  const sum = (list: typeof entries) => yuan(list.reduce((total, e) => total + e.cents, 0));
  return csv(FUND_FLOW, rows, FUND_FLOW_SUMMARY, [String(entries.length), String(income.length), sum(income), String(spent.length), sum(spent)], bom);
}

/** A bill date must be a real day, not after today (Beijing time, on the business clock). */
function checkDate(call: Call, date: string, location: 'query' | 'body'): void {
  if (Number.isNaN(Date.parse(`${date}T00:00:00+08:00`))) throw paramError(location, 'bill_date', 'is not a date', date);
  if (date > beijingDate(call.runtime.state.clock.date())) throw invalidRequest(`bill_date ${date} is after today: no bill yet`);
}

/** Keeps the bill for download and answers where to get it. */
function offer(call: Call, text: string): ReturnType<Handler> {
  const gzip = String(call.query['tar_type'] ?? '').toUpperCase() === 'GZIP';
  const bytes = Buffer.from(text, 'utf8');
  const token = randomBytes(32).toString('base64url');
  call.runtime.state.bills.set(token, { bytes: gzip ? gzipSync(bytes) : bytes, gzip });
  return json({
    hash_type: 'SHA1',
    hash_value: createHash('sha1').update(bytes).digest('hex'),
    download_url: `${call.runtime.baseURL()}v3/billdownload/file?token=${token}${gzip ? '&tartype=gzip' : ''}`,
  });
}

const tradeBillAnswer: Handler = (call) => {
  const date = String(call.query['bill_date']);
  checkDate(call, date, 'query');
  const sub = call.query['sub_mchid'] === undefined ? undefined : String(call.query['sub_mchid']);
  return offer(call, tradeBill(call.runtime.state, call.runtime.identity.mchid, date, String(call.query['bill_type'] ?? 'ALL'), sub));
};

const fundFlowAnswer: Handler = (call) => {
  const date = String(call.query['bill_date']);
  checkDate(call, date, 'query');
  const account = String(call.query['account_type'] ?? 'BASIC').toUpperCase();
  return offer(call, fundFlowBill(call.runtime.state, call.runtime.identity.mchid, date, true, account === 'OPERATION' || account === 'FEES' ? account : 'BASIC'));
};

const download: Handler = (call) => {
  const bill = call.runtime.state.bills.get(String(call.query['token']));
  if (!bill) throw invalidRequest('The download token is unknown: ask v3/bill/tradebill or fundflowbill for a new download_url');
  return storedFile(bill.bytes, bill.gzip ? 'application/x-gzip' : 'text/plain; charset=utf-8');
};

/** APIv2 `bill_date` is `yyyyMMdd`. */
function v2Date(call: Call): string {
  const raw = String((call.body as Record<string, unknown>)['bill_date'] ?? '');
  if (!/^\d{8}$/.test(raw)) throw v2Fail('bill_date must be yyyyMMdd');
  const date = `${raw.slice(0, 4)}-${raw.slice(4, 6)}-${raw.slice(6, 8)}`;
  try {
    checkDate(call, date, 'body');
  } catch (error) {
    throw v2Fail(error instanceof Error ? error.message : 'invalid bill_date');
  }
  return date;
}

/** An APIv2 bill: the CSV itself (gzip when `tar_type=GZIP`), unsigned. */
function v2Bill(call: Call, text: string): ReturnType<Handler> {
  const gzip = String((call.body as Record<string, unknown>)['tar_type'] ?? '').toUpperCase() === 'GZIP';
  const bytes = Buffer.from(text, 'utf8');
  return { kind: 'raw', status: 200, body: gzip ? gzipSync(bytes) : bytes, headers: { 'Content-Type': gzip ? 'application/x-gzip' : 'text/plain; charset=utf-8' } };
}

const v2TradeBill: Handler = (call) => {
  const fields = call.body as Record<string, unknown>;
  return v2Bill(call, tradeBill(call.runtime.state, call.runtime.identity.mchid, v2Date(call), String(fields['bill_type'] ?? 'ALL'), undefined, false));
};

const v2FundFlow: Handler = (call) => v2Bill(call, fundFlowBill(call.runtime.state, call.runtime.identity.mchid, v2Date(call), false));

export const billBehaviours: Record<string, Handler> = {
  'get v3/bill/tradebill': tradeBillAnswer,
  'get v3/bill/fundflowbill': fundFlowAnswer,
  'get v3/billdownload/file': download,
  'post v2/pay/downloadbill': v2TradeBill,
  'post v2/sandboxnew/pay/downloadbill': v2TradeBill,
  'post v2/pay/downloadfundflow': v2FundFlow,
};
