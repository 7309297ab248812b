/**
 * What the payer and the console do to orders and refunds, outside the merchant's API: pay an order (with
 * its notification), close one, settle a refund, and look at them all. `sandbox.pay()` and the other
 * methods call these; so do their control routes, listed here:
 *
 *     POST   /__sandbox/pay                      {"out_trade_no":"...","sub_mchid":"...","notify":true,"wait":true}
 *                                                 {"combine_out_trade_no":"...","notify":true}: a combined order (combine.ts)
 *     POST   /__sandbox/orders/<no>/close        {"sub_mchid":"..."}
 *     GET    /__sandbox/orders[?detail=1]        the orders, as their query endpoint shows them (detail: with code_url...)
 *     GET    /__sandbox/orders/<out_trade_no>[?sub_mchid=]
 *     GET    /__sandbox/refunds                  the refunds
 *     POST   /__sandbox/refunds/<no>/settle      {"status":"SUCCESS"|"ABNORMAL"|"CLOSED","sub_mchid":"...","notify":true}
 */
import type { NotificationInput, Runtime } from '../call.js';
import { InputError, optionalText, requiredText, subMchidOf } from '../checks.js';
import { notFound, type ControlRoute } from '../control.js';
import type { Delivery } from '../state.js';
import { orderKey, refundKey, type Order, type Refund } from '../state.js';
import type { PayOptions, PayResult } from '../types.js';
import { closeOrder, payOrder, refundOf, settleRefund, transactionOf } from './orders.js';
import { payCombine } from './combine.js';

export type SettleStatus = 'SUCCESS' | 'ABNORMAL' | 'CLOSED';

export function findOrder(runtime: Runtime, outTradeNo: string, subMchid?: string): [string, Order] {
  const key = orderKey(runtime.identity.mchid, subMchid, outTradeNo);
  const order = runtime.state.orders.get(key);
  if (!order) throw new Error(`No order ${outTradeNo}${subMchid ? ` of sub-merchant ${subMchid}` : ''} in the sandbox`);
  return [key, order];
}

export function findRefund(runtime: Runtime, outRefundNo: string, subMchid?: string): [string, Refund] {
  const key = refundKey(runtime.identity.mchid, subMchid, outRefundNo);
  const refund = runtime.state.refunds.get(key);
  if (!refund) throw new Error(`No refund ${outRefundNo} in the sandbox`);
  return [key, refund];
}

/** A refund's `REFUND.*` notification. */
export function refundNotification(refund: Refund): NotificationInput {
  const shown = refundOf(refund);
  const amount = shown['amount'] as Record<string, unknown>;
  return {
    event_type: refund.status === 'ABNORMAL' ? 'REFUND.ABNORMAL' : refund.status === 'CLOSED' ? 'REFUND.CLOSED' : 'REFUND.SUCCESS',
    resource: {
      // A service provider's refund notification names the provider and the sub-merchant (服务商退款结果通知).
      ...(refund.sub_mchid ? { sp_mchid: refund.mchid, sub_mchid: refund.sub_mchid } : { mchid: refund.mchid }),
      out_trade_no: refund.out_trade_no, transaction_id: refund.transaction_id, out_refund_no: refund.out_refund_no,
      refund_id: refund.refund_id, refund_status: refund.status, ...(refund.success_time ? { success_time: refund.success_time } : {}),
      user_received_account: shown['user_received_account'],
      amount: { total: amount['total'], refund: amount['refund'], payer_total: amount['payer_total'], payer_refund: amount['payer_refund'] },
    },
  };
}

export async function pay(runtime: Runtime, outTradeNo: string, options: PayOptions = {}): Promise<PayResult> {
  const [key, order] = findOrder(runtime, outTradeNo, options.sub_mchid);
  payOrder(runtime, key, order, options.openid);
  runtime.state.flush();
  const transaction = transactionOf(order);
  if (!options.notify) return { transaction };
  const first = await runtime.deliveries.deliver({
    url: order.notify_url, input: { event_type: 'TRANSACTION.SUCCESS', resource: transaction },
    subject: { out_trade_no: order.out_trade_no, ...(order.sub_mchid ? { sub_mchid: order.sub_mchid } : {}) },
  });
  return { transaction, delivery: structuredClone(first.delivery), ...(first.result ? { notification: first.result } : {}) };
}

export function close(runtime: Runtime, outTradeNo: string, subMchid?: string): Record<string, unknown> {
  const [key, order] = findOrder(runtime, outTradeNo, subMchid);
  try {
    closeOrder(runtime, key, order);
  } catch (error) {
    throw new Error(`Order ${outTradeNo} is ${order.trade_state}: ${(error as Error).message}`, { cause: error });
  }
  runtime.state.flush();
  return transactionOf(order);
}

export async function settle(runtime: Runtime, outRefundNo: string, status: SettleStatus, options: { sub_mchid?: string; notify?: boolean } = {}): Promise<{ refund: Record<string, unknown>; delivery?: Delivery }> {
  const [key, refund] = findRefund(runtime, outRefundNo, options.sub_mchid);
  settleRefund(runtime, key, refund, status);
  runtime.state.flush();
  const shown = { ...refundOf(refund), ...(refund.notify_url ? { notify_url: refund.notify_url } : {}) };
  if (!options.notify || !refund.notify_url) return { refund: shown };
  const first = await runtime.deliveries.deliver({
    url: refund.notify_url, input: refundNotification(refund),
    subject: { out_trade_no: refund.out_trade_no, out_refund_no: refund.out_refund_no, ...(refund.sub_mchid ? { sub_mchid: refund.sub_mchid } : {}) },
  });
  return { refund: shown, delivery: structuredClone(first.delivery) };
}

export function ordersView(runtime: Runtime, options: { detail?: boolean } = {}): Array<Record<string, unknown>> {
  return [...runtime.state.orders.values()].map((order) => (options.detail
    ? { ...transactionOf(order), ...order.prepay, create_time: order.create_time, refunded: order.refunded, ...(order.sub_mchid ? { sub_mchid: order.sub_mchid } : {}) }
    : transactionOf(order)));
}

export function orderView(runtime: Runtime, outTradeNo: string, subMchid?: string): Record<string, unknown> | undefined {
  const order = runtime.state.orders.get(orderKey(runtime.identity.mchid, subMchid, outTradeNo));
  return order && transactionOf(order);
}

export function refundsView(runtime: Runtime): Array<Record<string, unknown>> {
  return [...runtime.state.refunds.values()].map((refund) => ({
    ...refundOf(refund), ...(refund.sub_mchid ? { sub_mchid: refund.sub_mchid } : {}), ...(refund.notify_url ? { notify_url: refund.notify_url } : {}),
  }));
}

export function settleStatusOf(value: unknown): SettleStatus {
  if (value !== 'SUCCESS' && value !== 'ABNORMAL' && value !== 'CLOSED') throw new InputError('status is "SUCCESS", "ABNORMAL" or "CLOSED"');
  return value;
}

export const payerRoutes: readonly ControlRoute[] = [
  {
    method: 'POST', path: 'pay', summary: '{"out_trade_no":"...","sub_mchid":"...","notify":true,"wait":true} | {"combine_out_trade_no":"...","notify":true}',
    handle: async ({ sandbox, parts, input }) => {
      const request = input();
      const combine = optionalText(request['combine_out_trade_no']);
      const openid = optionalText(request['openid']);
      if (combine) return payCombine(parts.runtime, combine, { notify: request['notify'] === true, ...(openid ? { openid } : {}) });
      const outTradeNo = requiredText(request['out_trade_no'], 'out_trade_no');
      const options = { ...subMchidOf(request['sub_mchid']), ...(openid ? { openid } : {}), notify: request['notify'] === true };
      const before = sandbox.order(outTradeNo, options.sub_mchid)?.['trade_state'];
      // The order is paid before pay() first waits: only the notification's first attempt is awaited.
      const paid = sandbox.pay(outTradeNo, options);
      if (request['wait'] === false && before === 'NOTPAY') {
        // The payer page: the payment is made at once, the notification goes on without it.
        paid.catch(() => undefined);
        return { transaction: sandbox.order(outTradeNo, options.sub_mchid) };
      }
      return paid;
    },
  },
  {
    method: 'POST', path: 'orders/{out_trade_no}/close', summary: '{"sub_mchid":"..."}',
    handle: ({ sandbox, params, input, query }) => sandbox.closeOrder(params['out_trade_no']!, optionalText(input()['sub_mchid']) ?? optionalText(query.get('sub_mchid'))),
  },
  {
    method: 'GET', path: 'orders', summary: '[?detail=1] the orders, as their query endpoint shows them',
    handle: ({ sandbox, query }) => (query.get('detail') ? sandbox.orders({ detail: true }) : sandbox.orders()),
  },
  {
    method: 'GET', path: 'orders/{out_trade_no}', summary: '[?sub_mchid=] one order',
    handle: ({ sandbox, params, query }) => {
      const order = sandbox.order(params['out_trade_no']!, optionalText(query.get('sub_mchid')));
      if (!order) throw notFound(`No order ${params['out_trade_no']}`);
      return order;
    },
  },
  { method: 'GET', path: 'refunds', summary: 'the refunds', handle: ({ sandbox }) => sandbox.refunds() },
  {
    method: 'POST', path: 'refunds/{out_refund_no}/settle', summary: '{"status":"SUCCESS"|"ABNORMAL"|"CLOSED","sub_mchid":"...","notify":true}',
    handle: ({ sandbox, params, input }) => {
      const request = input();
      return sandbox.settleRefund(params['out_refund_no']!, settleStatusOf(request['status']), { ...subMchidOf(request['sub_mchid']), notify: request['notify'] !== false });
    },
  },
];

