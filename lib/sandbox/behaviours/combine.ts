/**
 * Combined orders (合单, `v3/combine-transactions/{jsapi,app,h5,native,miniprogram}`): up to 50 sub-orders,
 * each kept as an order of its `sub_mchid`, paid together by one payer (`POST /__sandbox/pay` with
 * `{"combine_out_trade_no": ...}`), queried by `combine_out_trade_no` or (once paid) by
 * `combine_transaction_id`, closed together, refunded one by one (`v3/refund/domestic/refunds` with the
 * sub-order's `sub_mchid` and `out_trade_no`).
 *
 * - create: `combine_mchid` and every sub-order's `mchid` must be the caller; sub-orders' `out_trade_no`
 *   distinct and not already used; the same request again replays its answer; another request with the
 *   same `combine_out_trade_no` is `201 商户订单号重复`, or `ORDERPAID` / `ORDER_CLOSED`;
 * - close: only the whole combined order, named exactly as created (`combine_appid`, the same sub-orders);
 *   a paid one is `ORDERPAID`; a sub-order cannot be closed (or paid) on its own;
 * - `time_expire` closes every unpaid sub-order then (the sandbox clock);
 * - paying notifies `TRANSACTION.SUCCESS` (合单支付通知) to the `notify_url`, the resource being the
 *   combined order as its query shows it.
 */
import type { Call, Handler, NotificationInput, Runtime } from '../call.js';
import { empty, json } from '../answers.js';
import { InputError, objectOf as record, optionalText as str } from '../checks.js';
import { notFound, type ControlRoute } from '../control.js';
import { invalidRequest, paramError, PlatformError } from '../errors.js';
import { ids, rfc3339 } from '../ids.js';
import { combineKey, orderKey, type CombineOrder, type Delivery, type Order, type TradeType } from '../state.js';
import { markPaid, newPrepay, scheduleExpiry } from './orders.js';

/** The platform's limit of sub-orders in one combined order. */
export const MAX_SUB_ORDERS = 50;

const orderNotExist = () => new PlatformError(404, 'ORDER_NOT_EXIST', '订单不存在');

function subOrders(runtime: Runtime, combine: CombineOrder): Order[] {
  return combine.sub_orders.map((key) => runtime.state.orders.get(key)).filter((order): order is Order => order !== undefined);
}

/** The combined state: every sub-order NOTPAY, paid (SUCCESS or REFUND) or CLOSED together. */
function combinedState(orders: Order[]): Order['trade_state'] {
  if (orders.every((o) => o.trade_state === 'CLOSED')) return 'CLOSED';
  if (orders.some((o) => o.transaction_id !== undefined)) return 'SUCCESS';
  return 'NOTPAY';
}

/** The combined order as its query endpoints (and its payment notification) show it. */
export function combineView(runtime: Runtime, combine: CombineOrder): Record<string, unknown> {
  return {
    combine_appid: combine.combine_appid,
    combine_mchid: combine.combine_mchid,
    combine_out_trade_no: combine.combine_out_trade_no,
    ...(combine.combine_transaction_id ? { combine_transaction_id: combine.combine_transaction_id } : {}),
    ...(combine.scene_info ? { scene_info: combine.scene_info } : {}),
    sub_orders: subOrders(runtime, combine).map((order) => {
      const paid = order.transaction_id !== undefined;
      return {
        mchid: order.mchid,
        trade_type: order.trade_type,
        trade_state: order.trade_state,
        ...(paid ? { bank_type: order.bank_type, success_time: order.success_time, transaction_id: order.transaction_id } : {}),
        ...(order.attach !== undefined ? { attach: order.attach } : {}),
        out_trade_no: order.out_trade_no,
        sub_mchid: order.sub_mchid,
        ...(order.sub_appid ? { sub_appid: order.sub_appid } : {}),
        ...(order.payer?.['sub_openid'] ? { sub_openid: order.payer['sub_openid'] } : {}),
        amount: { total_amount: order.amount.total, currency: order.amount.currency, payer_amount: paid ? order.amount.total : 0, payer_currency: order.amount.currency },
        promotion_detail: [],
      };
    }),
    ...(combine.openid ? { combine_payer_info: { openid: combine.openid } } : {}),
  };
}

function create(tradeType: TradeType, payerRequired: boolean): Handler {
  return (call) => {
    const body = record(call.body);
    const { runtime } = call;
    const { state } = runtime;
    const mchid = runtime.identity.mchid;
    if (body['combine_mchid'] !== mchid) throw invalidRequest(`combine_mchid ${String(body['combine_mchid'])} is not the calling merchant ${mchid}`);
    const combineOutTradeNo = String(body['combine_out_trade_no']);
    const key = combineKey(mchid, combineOutTradeNo);
    const fingerprint = JSON.stringify([tradeType, body]);
    const existing = state.combines.get(key);
    if (existing) {
      const current = combinedState(subOrders(runtime, existing));
      if (existing.fingerprint === fingerprint && current === 'NOTPAY') return json(existing.prepay);
      if (current === 'SUCCESS') throw new PlatformError(400, 'ORDERPAID', '该订单已支付');
      if (current === 'CLOSED') throw new PlatformError(400, 'ORDER_CLOSED', '该订单已关闭');
      throw invalidRequest('201 商户订单号重复');
    }
    const payer = record(body['combine_payer_info']);
    const openid = str(payer['openid']);
    if (payerRequired && !openid) throw paramError('body', '/combine_payer_info/openid', 'is required');
    const subs = Array.isArray(body['sub_orders']) ? body['sub_orders'].map(record) : [];
    if (subs.length < 1 || subs.length > MAX_SUB_ORDERS) throw paramError('body', '/sub_orders', `must hold 1 to ${MAX_SUB_ORDERS} sub-orders`, subs.length);
    const seen = new Set<string>();
    subs.forEach((sub, i) => {
      if (sub['mchid'] !== mchid) throw invalidRequest(`sub_orders[${i}].mchid ${String(sub['mchid'])} is not the combined order's merchant ${mchid}`);
      const total = Number(record(sub['amount'])['total_amount']);
      if (!Number.isSafeInteger(total) || total < 1) throw paramError('body', `/sub_orders/${i}/amount/total_amount`, 'must be a whole number of cents, 1 or more', record(sub['amount'])['total_amount']);
      const orderId = orderKey(mchid, str(sub['sub_mchid']), String(sub['out_trade_no']));
      if (seen.has(orderId)) throw invalidRequest(`子单商户订单号重复: sub_orders[${i}].out_trade_no ${String(sub['out_trade_no'])} is given twice`);
      seen.add(orderId);
      if (state.orders.has(orderId)) throw invalidRequest(`201 商户订单号重复: sub_orders[${i}].out_trade_no ${String(sub['out_trade_no'])} is already an order${str(sub['sub_mchid']) ? ` of ${String(sub['sub_mchid'])}` : ''}`);
    });
    const prepay = newPrepay(tradeType);
    const now = rfc3339(state.clock.date());
    const timeExpire = str(body['time_expire']);
    const keys: string[] = [];
    for (const sub of subs) {
      const amount = record(sub['amount']);
      const settle = record(sub['settle_info']);
      const subMchid = str(sub['sub_mchid']);
      const orderId = orderKey(mchid, subMchid, String(sub['out_trade_no']));
      const order: Order = {
        // A sub-order of a sub-merchant is a service provider's order; without one, the merchant's own.
        partner: subMchid !== undefined,
        mchid,
        ...(subMchid ? { sub_mchid: subMchid } : {}),
        appid: String(body['combine_appid']),
        ...(str(sub['sub_appid']) ? { sub_appid: str(sub['sub_appid'])! } : {}),
        out_trade_no: String(sub['out_trade_no']),
        description: String(sub['description']),
        ...(sub['attach'] !== undefined ? { attach: String(sub['attach']) } : {}),
        notify_url: String(body['notify_url']),
        trade_type: tradeType,
        trade_state: 'NOTPAY',
        amount: { total: Number(amount['total_amount']), currency: str(amount['currency']) ?? 'CNY' },
        payer: { ...(openid ? { sp_openid: openid } : {}), ...(str(payer['sub_openid']) ? { sub_openid: str(payer['sub_openid'])! } : {}) },
        create_time: now,
        prepay,
        fingerprint,
        refunded: 0,
        combine_out_trade_no: combineOutTradeNo,
        ...(timeExpire ? { time_expire: timeExpire } : {}),
        ...(settle['profit_sharing'] === true || (settle['profit_sharing'] === undefined && sub['profit_sharing'] === true) ? { profit_sharing: true } : {}),
      };
      state.orders.set(orderId, order);
      state.changed('order', orderId);
      scheduleExpiry(runtime, orderId, order);
      keys.push(orderId);
    }
    const combine: CombineOrder = {
      combine_mchid: mchid,
      combine_appid: String(body['combine_appid']),
      combine_out_trade_no: combineOutTradeNo,
      trade_type: tradeType,
      notify_url: String(body['notify_url']),
      ...(Object.keys(record(body['scene_info'])).length ? { scene_info: record(body['scene_info']) } : {}),
      ...(openid ? { openid } : {}),
      sub_orders: keys,
      create_time: now,
      prepay,
      fingerprint,
    };
    state.combines.set(key, combine);
    state.changed('combine', key);
    return json(prepay);
  };
}

function findCombine(call: Call): [string, CombineOrder] {
  const mchid = call.runtime.identity.mchid;
  const { combine_out_trade_no: outTradeNo, combine_transaction_id: transactionId } = call.vars;
  const found = outTradeNo !== undefined
    ? [combineKey(mchid, outTradeNo), call.runtime.state.combines.get(combineKey(mchid, outTradeNo))] as const
    : [...call.runtime.state.combines].find(([, c]) => c.combine_transaction_id === transactionId && c.combine_mchid === mchid);
  if (!found?.[1]) throw orderNotExist();
  return [found[0], found[1]];
}

const query: Handler = (call) => json(combineView(call.runtime, findCombine(call)[1]));

const close: Handler = (call) => {
  const [, combine] = findCombine(call);
  const body = record(call.body);
  const { runtime } = call;
  if (body['combine_appid'] !== combine.combine_appid) throw invalidRequest(`combine_appid ${String(body['combine_appid'])} is not the combined order's ${combine.combine_appid}`);
  const named = (Array.isArray(body['sub_orders']) ? body['sub_orders'] : []).map(record)
    .map((sub) => orderKey(String(sub['mchid']), str(sub['sub_mchid']), String(sub['out_trade_no']))).sort();
  if (JSON.stringify(named) !== JSON.stringify([...combine.sub_orders].sort())) {
    throw invalidRequest('合单关单的商品单必须与下单时完全一致: sub_orders must name every sub-order of the combined order (mchid, sub_mchid, out_trade_no), and only those');
  }
  const orders = subOrders(runtime, combine);
  if (combinedState(orders) === 'SUCCESS') throw new PlatformError(400, 'ORDERPAID', '订单已支付，不能关闭');
  combine.sub_orders.forEach((key, i) => {
    const order = orders[i];
    if (order && order.trade_state === 'NOTPAY') {
      order.trade_state = 'CLOSED';
      runtime.state.changed('order', key);
    }
  });
  return empty(204);
};

/** The `TRANSACTION.SUCCESS` of a paid combined order (合单支付通知). */
export function combineNotification(runtime: Runtime, combine: CombineOrder): NotificationInput {
  return { event_type: 'TRANSACTION.SUCCESS', original_type: 'transaction', resource: combineView(runtime, combine) };
}

/** The payer pays a combined order: every sub-order at once; optionally the platform notifies its notify_url. */
export async function payCombine(runtime: Runtime, combineOutTradeNo: string, options: { openid?: string; notify?: boolean } = {}): Promise<{ combine: Record<string, unknown>; delivery?: Delivery }> {
  const key = combineKey(runtime.identity.mchid, combineOutTradeNo);
  const combine = runtime.state.combines.get(key);
  if (!combine) throw notFound(`No combined order ${combineOutTradeNo}`);
  const orders = subOrders(runtime, combine);
  const current = combinedState(orders);
  if (current !== 'NOTPAY' || orders.some((o) => o.trade_state !== 'NOTPAY')) {
    throw new InputError(`Combined order ${combineOutTradeNo} is ${current}: only a combined order whose every sub-order is NOTPAY can be paid`, 409);
  }
  const openid = options.openid ?? combine.openid ?? ids.openid();
  combine.openid = openid;
  combine.combine_transaction_id = ids.combineTransaction(runtime.state.clock.date());
  combine.sub_orders.forEach((orderId, i) => markPaid(runtime, orderId, orders[i]!, openid));
  runtime.state.changed('combine', key);
  runtime.state.flush();
  const view = combineView(runtime, combine);
  if (!options.notify) return { combine: view };
  const first = await runtime.deliveries.deliver({ url: combine.notify_url, input: combineNotification(runtime, combine), subject: { combine_out_trade_no: combineOutTradeNo } });
  return { combine: view, delivery: structuredClone(first.delivery) };
}

/** Every combined order, as its query shows it (with the state it is in as a whole). */
export function combinesView(runtime: Runtime): Array<Record<string, unknown>> {
  return [...runtime.state.combines.values()].map((combine) => ({
    ...combineView(runtime, combine), trade_state: combinedState(subOrders(runtime, combine)), create_time: combine.create_time, notify_url: combine.notify_url,
  }));
}

export const combineBehaviours: Record<string, Handler> = {
  'post v3/combine-transactions/jsapi': create('JSAPI', true),
  'post v3/combine-transactions/miniprogram': create('JSAPI', true),
  'post v3/combine-transactions/app': create('APP', false),
  'post v3/combine-transactions/h5': create('MWEB', false),
  'post v3/combine-transactions/native': create('NATIVE', false),
  'get v3/combine-transactions/out-trade-no/{combine_out_trade_no}': query,
  'get v3/combine-transactions/id/{combine_transaction_id}': query,
  'post v3/combine-transactions/out-trade-no/{combine_out_trade_no}/close': close,
};

export const combineRoutes: readonly ControlRoute[] = [
  { method: 'GET', path: 'combines', summary: 'the combined orders (pay one: POST pay {"combine_out_trade_no":...})', handle: ({ parts }) => combinesView(parts.runtime) },
];
