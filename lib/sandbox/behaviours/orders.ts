/**
 * Orders and refunds, for a direct merchant (`v3/pay/transactions/...`) and a service provider's sub
 * merchants (`v3/pay/partner/transactions/...`): create (JSAPI, Native, H5, APP) -> query by
 * `out_trade_no` or `transaction_id` -> close; the payer pays (`sandbox.pay()`, the sandbox's stand-in for
 * the WeChat app); refund -> query the refund. Amounts and states stay consistent throughout:
 *
 * - an order is NOTPAY until paid, then SUCCESS (with a transaction_id), REFUND once refunded;
 *   a NOTPAY order can be CLOSED; a paid one cannot; an unpaid order closes at its `time_expire`
 *   (business time: the sandbox clock);
 * - creating the same `out_trade_no` again with the same body answers the same prepay (a retry);
 *   with another body it is refused (`201 商户订单号重复`);
 * - a refund names the order by `transaction_id` or `out_trade_no`, repeats its total, and may not
 *   exceed what is left to refund; it answers PROCESSING and is SUCCESS from then on.
 */
import type { Call, Handler, Runtime } from '../call.js';
import { json, empty } from '../answers.js';
import { objectOf as record, optionalText as str } from '../checks.js';
import { invalidRequest, PlatformError, notExists } from '../errors.js';
import { ids, rfc3339 } from '../ids.js';
import { orderKey, refundKey, type Order, type Refund, type TradeState, type TradeType } from '../state.js';

type Body = Record<string, unknown>;

const TRADE_STATE_DESC: Record<TradeState, string> = {
  NOTPAY: '订单未支付',
  SUCCESS: '支付成功',
  CLOSED: '订单已关闭',
  REFUND: '转入退款',
};

const orderNotExist = () => new PlatformError(404, 'ORDER_NOT_EXIST', '订单不存在');


/** The calling merchant must be the one the body or query names (`mchid`, or `sp_mchid` for a service provider). */
function merchantOf(call: Call, partner: boolean, source: Body): string {
  const field = partner ? 'sp_mchid' : 'mchid';
  const named = str(source[field]);
  const caller = call.runtime.identity.mchid;
  if (named !== undefined && named !== caller) throw invalidRequest(`${field} ${named} is not the calling merchant ${caller}`);
  return caller;
}

/** The order as the query endpoints (and the payment notification) show it. */
export function transactionOf(order: Order): Record<string, unknown> {
  const paid = order.transaction_id !== undefined;
  const common = {
    out_trade_no: order.out_trade_no,
    ...(paid ? { transaction_id: order.transaction_id } : {}),
    trade_type: order.trade_type,
    trade_state: order.trade_state,
    trade_state_desc: TRADE_STATE_DESC[order.trade_state],
    ...(paid ? { bank_type: order.bank_type, success_time: order.success_time } : {}),
    description: order.description,
    ...(order.attach !== undefined ? { attach: order.attach } : {}),
    notify_url: order.notify_url,
    ...(paid && order.payer ? { payer: order.payer } : {}),
    amount: {
      total: order.amount.total,
      payer_total: paid ? order.amount.total : 0,
      currency: order.amount.currency,
      payer_currency: order.amount.currency,
    },
    promotion_detail: [],
  };
  return order.partner
    ? { sp_appid: order.appid, sp_mchid: order.mchid, ...(order.sub_appid ? { sub_appid: order.sub_appid } : {}), sub_mchid: order.sub_mchid, ...common }
    : { appid: order.appid, mchid: order.mchid, ...common };
}

/** What a create call answers: a Native order's code_url, an H5 order's h5_url, else a prepay_id. */
export function newPrepay(tradeType: TradeType): Record<string, string> {
  const prepayId = ids.prepay();
  return tradeType === 'NATIVE' ? { code_url: ids.codeUrl() }
    : tradeType === 'MWEB' ? { h5_url: ids.h5Url(prepayId) }
      : { prepay_id: prepayId };
}

function create(tradeType: TradeType, partner: boolean): Handler {
  return (call) => {
    const body = record(call.body);
    const mchid = merchantOf(call, partner, body);
    const sub = partner ? str(body['sub_mchid']) : undefined;
    const outTradeNo = String(body['out_trade_no']);
    const amount = record(body['amount']);
    const total = Number(amount['total']);
    if (!Number.isSafeInteger(total) || total < 1) throw new PlatformError(400, 'PARAM_ERROR', '参数错误: amount.total must be a whole number of cents, 1 or more', { field: '/amount/total', value: amount['total'], issue: 'must be >= 1', location: 'body' });
    if (partner && str(record(body['payer'])['sub_openid']) && !str(body['sub_appid'])) {
      throw new PlatformError(400, 'PARAM_ERROR', '参数错误: sub_appid is required with payer.sub_openid', { field: '/sub_appid', issue: 'is required with payer.sub_openid', location: 'body' });
    }
    const key = orderKey(mchid, sub, outTradeNo);
    const fingerprint = JSON.stringify([tradeType, body]);
    const state = call.runtime.state;
    const existing = state.orders.get(key);
    if (existing) {
      if (existing.fingerprint === fingerprint && existing.trade_state === 'NOTPAY') return json(existing.prepay);
      if (existing.trade_state === 'SUCCESS' || existing.trade_state === 'REFUND') throw new PlatformError(400, 'ORDERPAID', '该订单已支付');
      if (existing.trade_state === 'CLOSED') throw new PlatformError(400, 'ORDER_CLOSED', '该订单已关闭');
      throw invalidRequest('201 商户订单号重复');
    }
    const prepay = newPrepay(tradeType);
    const payer = record(body['payer']);
    const order: Order = {
      partner,
      mchid,
      ...(sub ? { sub_mchid: sub } : {}),
      appid: String(body[partner ? 'sp_appid' : 'appid']),
      ...(partner && str(body['sub_appid']) ? { sub_appid: str(body['sub_appid'])! } : {}),
      out_trade_no: outTradeNo,
      description: String(body['description']),
      ...(body['attach'] !== undefined ? { attach: String(body['attach']) } : {}),
      notify_url: String(body['notify_url']),
      trade_type: tradeType,
      trade_state: 'NOTPAY',
      amount: { total, currency: str(amount['currency']) ?? 'CNY' },
      payer: Object.fromEntries(['openid', 'sp_openid', 'sub_openid'].filter((k) => str(payer[k])).map((k) => [k, String(payer[k])])),
      create_time: rfc3339(state.clock.date()),
      prepay,
      fingerprint,
      refunded: 0,
      ...(str(body['time_expire']) ? { time_expire: str(body['time_expire'])! } : {}),
      ...(record(body['settle_info'])['profit_sharing'] === true ? { profit_sharing: true } : {}),
    };
    state.orders.set(key, order);
    state.changed('order', key);
    scheduleExpiry(call.runtime, key, order);
    return json(prepay);
  };
}

/** The order named by the call (path `out_trade_no` or `transaction_id`, merchant from the query or body). */
function findOrder(call: Call, partner: boolean, source: Body): Order {
  return findKeyedOrder(call, partner, source)[1];
}

/** The order `transaction_id` names, of `mchid` (and `sub_mchid`), with its key. */
export function orderByTransaction(runtime: Runtime, mchid: string, sub: string | undefined, transactionId: string | undefined): [string, Order] | undefined {
  return [...runtime.state.orders].find(([, o]) => o.transaction_id === transactionId && o.mchid === mchid && o.sub_mchid === sub);
}

function findKeyedOrder(call: Call, partner: boolean, source: Body): [string, Order] {
  const mchid = merchantOf(call, partner, source);
  const sub = partner ? str(source['sub_mchid']) : undefined;
  const { out_trade_no: outTradeNo, transaction_id: transactionId } = call.vars;
  const orders = call.runtime.state.orders;
  const found = outTradeNo !== undefined
    ? [orderKey(mchid, sub, outTradeNo), orders.get(orderKey(mchid, sub, outTradeNo))] as const
    : orderByTransaction(call.runtime, mchid, sub, transactionId);
  if (!found?.[1]) throw orderNotExist();
  return [found[0], found[1]];
}

const query = (partner: boolean): Handler => (call) => json(transactionOf(findOrder(call, partner, call.query)));

const close = (partner: boolean): Handler => (call) => {
  const [key, order] = findKeyedOrder(call, partner, record(call.body));
  if (order.combine_out_trade_no !== undefined) throw invalidRequest(`合单支付订单只能使用合单关单接口: ${order.out_trade_no} is part of the combined order ${order.combine_out_trade_no}`);
  closeOrder(call.runtime, key, order);
  return empty(204);
};

/**
 * An order with a `time_expire` closes then if still unpaid, as the platform's does (it can no longer be
 * paid, and queries show it CLOSED): on the business clock, so advancing it gets there.
 */
export function scheduleExpiry(runtime: Runtime, key: string, order: Order): void {
  const at = order.time_expire === undefined ? Number.NaN : Date.parse(order.time_expire);
  if (!Number.isFinite(at)) return;
  runtime.state.clock.schedule(`order-expiry|${key}`, at, () => {
    const current = runtime.state.orders.get(key);
    if (current?.trade_state !== 'NOTPAY') return;
    current.trade_state = 'CLOSED';
    runtime.state.changed('order', key);
    runtime.state.flush();
  });
}

/** Closes a NOTPAY order (the merchant's close call, or the console's). */
export function closeOrder(runtime: Runtime, key: string, order: Order): void {
  if (order.trade_state === 'SUCCESS' || order.trade_state === 'REFUND') throw new PlatformError(400, 'ORDERPAID', '订单已支付，不能关闭');
  order.trade_state = 'CLOSED';
  runtime.state.changed('order', key);
}

/** The payer pays: the sandbox's stand-in for the WeChat app confirming a payment. */
export function payOrder(runtime: Runtime, key: string, order: Order, openid?: string): void {
  const outTradeNo = order.out_trade_no;
  if (order.trade_state !== 'NOTPAY') throw new Error(`Order ${outTradeNo} is ${order.trade_state}: only a NOTPAY order can be paid`);
  if (order.combine_out_trade_no !== undefined) throw new Error(`Order ${outTradeNo} is part of the combined order ${order.combine_out_trade_no}: pay that ({ combine_out_trade_no })`);
  markPaid(runtime, key, order, openid);
}

/** Records a NOTPAY order as paid now (business time) by `openid` (default: its payer, else a new one). */
export function markPaid(runtime: Runtime, key: string, order: Order, openid?: string): void {
  const now = runtime.state.clock.date();
  order.trade_state = 'SUCCESS';
  order.transaction_id = ids.transaction(now);
  order.success_time = rfc3339(now);
  order.bank_type = 'OTHERS';
  const payer = openid ?? order.payer?.['openid'] ?? order.payer?.['sp_openid'] ?? ids.openid();
  order.payer = order.partner ? { sp_openid: payer, ...(order.payer?.['sub_openid'] ? { sub_openid: order.payer['sub_openid'] } : {}) } : { openid: payer };
  runtime.state.changed('order', key);
}

/** The refund as its endpoints (and the refund notification) show it. */
export function refundOf(refund: Refund): Record<string, unknown> {
  const { total, refund: amount, currency } = refund.amount;
  return {
    refund_id: refund.refund_id,
    out_refund_no: refund.out_refund_no,
    transaction_id: refund.transaction_id,
    out_trade_no: refund.out_trade_no,
    channel: 'ORIGINAL',
    user_received_account: '支付用户零钱',
    ...(refund.success_time ? { success_time: refund.success_time } : {}),
    create_time: refund.create_time,
    status: refund.status,
    funds_account: 'AVAILABLE',
    amount: {
      total, refund: amount, payer_total: total, payer_refund: amount,
      settlement_refund: amount, settlement_total: total, discount_refund: 0, currency, refund_fee: 0,
    },
    promotion_detail: [],
  };
}

const createRefund: Handler = (call) => {
  const body = record(call.body);
  const mchid = call.runtime.identity.mchid;
  const sub = str(body['sub_mchid']);
  const { state } = call.runtime;
  const transactionId = str(body['transaction_id']);
  const outTradeNo = str(body['out_trade_no']);
  if (!transactionId && !outTradeNo) throw new PlatformError(400, 'PARAM_ERROR', '参数错误: transaction_id or out_trade_no is required', { field: '/transaction_id', issue: 'transaction_id or out_trade_no is required', location: 'body' });
  const found = transactionId
    ? orderByTransaction(call.runtime, mchid, sub, transactionId)
    : [orderKey(mchid, sub, outTradeNo!), state.orders.get(orderKey(mchid, sub, outTradeNo!))] as const;
  const [orderId, order] = found ?? [];
  if (!order || !orderId) throw notExists('订单不存在');
  if (transactionId && outTradeNo && order.out_trade_no !== outTradeNo) throw invalidRequest('transaction_id and out_trade_no name different orders');
  if (order.transaction_id === undefined) throw invalidRequest(`订单状态错误: the order is ${order.trade_state}, not paid`);
  const outRefundNo = String(body['out_refund_no']);
  const amount = record(body['amount']);
  const fingerprint = JSON.stringify(body);
  const key = refundKey(mchid, sub, outRefundNo);
  const existing = state.refunds.get(key);
  if (existing) {
    if (existing.fingerprint === fingerprint) return json(refundOf(existing));
    throw invalidRequest('退款单号重复: out_refund_no was used for another refund');
  }
  const total = Number(amount['total']);
  const refundAmount = Number(amount['refund']);
  if (total !== order.amount.total) throw invalidRequest(`订单金额不一致: amount.total ${total} is not the order's total ${order.amount.total}`);
  if (!(refundAmount >= 1) || refundAmount > order.amount.total - order.refunded) {
    throw invalidRequest(`申请退款金额超过订单可退金额: ${refundAmount} asked, ${order.amount.total - order.refunded} left`);
  }
  const now = state.clock.date();
  const refund: Refund = {
    mchid,
    ...(sub ? { sub_mchid: sub } : {}),
    out_refund_no: outRefundNo,
    refund_id: ids.refund(now),
    out_trade_no: order.out_trade_no,
    transaction_id: order.transaction_id,
    ...(str(body['reason']) ? { reason: str(body['reason'])! } : {}),
    ...(str(body['notify_url']) ? { notify_url: str(body['notify_url'])! } : {}),
    status: 'PROCESSING',
    amount: { total, refund: refundAmount, currency: str(amount['currency']) ?? order.amount.currency },
    create_time: rfc3339(now),
    fingerprint,
  };
  state.refunds.set(key, refund);
  order.refunded += refundAmount;
  order.trade_state = 'REFUND';
  state.changed('refund', key);
  state.changed('order', orderId);
  const answer = refundOf(refund);
  // By default the refund goes through at once: any later query sees it done. With the setting
  // `refunds: 'manual'` it stays PROCESSING until the console (or the control API) settles it.
  if (call.runtime.settings.refunds !== 'manual') settleRefund(call.runtime, key, refund, 'SUCCESS');
  return json(answer);
};

/** Ends a PROCESSING refund: SUCCESS, or a failure (ABNORMAL: the payer's account cannot take it; CLOSED). A failed refund gives its amount back to the order. */
export function settleRefund(runtime: Runtime, key: string, refund: Refund, status: 'SUCCESS' | 'ABNORMAL' | 'CLOSED'): void {
  if (refund.status !== 'PROCESSING') throw new Error(`Refund ${refund.out_refund_no} is ${refund.status}: only a PROCESSING refund can be settled`);
  refund.status = status;
  if (status === 'SUCCESS') refund.success_time = rfc3339(runtime.state.clock.date());
  else {
    const orderId = orderKey(refund.mchid, refund.sub_mchid, refund.out_trade_no);
    const order = runtime.state.orders.get(orderId);
    if (order) {
      order.refunded -= refund.amount.refund;
      if (order.refunded === 0 && order.trade_state === 'REFUND') order.trade_state = 'SUCCESS';
      runtime.state.changed('order', orderId);
    }
  }
  runtime.state.changed('refund', key);
}

const queryRefund: Handler = (call) => {
  const refund = call.runtime.state.refunds.get(refundKey(call.runtime.identity.mchid, str(call.query['sub_mchid']), call.vars['out_refund_no']!));
  if (!refund) throw notExists('退款单不存在');
  return json(refundOf(refund));
};

export const orderBehaviours: Record<string, Handler> = {
  'post v3/pay/transactions/jsapi': create('JSAPI', false),
  'post v3/pay/transactions/native': create('NATIVE', false),
  'post v3/pay/transactions/h5': create('MWEB', false),
  'post v3/pay/transactions/app': create('APP', false),
  'post v3/pay/partner/transactions/jsapi': create('JSAPI', true),
  'post v3/pay/partner/transactions/native': create('NATIVE', true),
  'post v3/pay/partner/transactions/h5': create('MWEB', true),
  'post v3/pay/partner/transactions/app': create('APP', true),
  'get v3/pay/transactions/id/{transaction_id}': query(false),
  'get v3/pay/transactions/out-trade-no/{out_trade_no}': query(false),
  'get v3/pay/partner/transactions/id/{transaction_id}': query(true),
  'get v3/pay/partner/transactions/out-trade-no/{out_trade_no}': query(true),
  'post v3/pay/transactions/out-trade-no/{out_trade_no}/close': close(false),
  'post v3/pay/partner/transactions/out-trade-no/{out_trade_no}/close': close(true),
  'post v3/refund/domestic/refunds': createRefund,
  'get v3/refund/domestic/refunds/{out_refund_no}': queryRefund,
};
