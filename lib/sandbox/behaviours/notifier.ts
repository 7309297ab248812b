/**
 * Notifications sent on demand (`sandbox.notify()`, `notifyV2()`) and the deliveries made so far, with
 * their control routes:
 *
 *     POST   /__sandbox/notify                   {"url":"...","out_trade_no":"..."} | {"url":"...","out_refund_no":"..."} | {"url":"...","event_type":"...","resource":{...}}
 *     GET    /__sandbox/notifications            every notification and its attempts
 *     POST   /__sandbox/notifications/<id>/retry the next attempt, now
 */
import type { NotificationInput, NotificationResult, Runtime } from '../call.js';
import { optionalText, requiredText, subMchidOf } from '../checks.js';
import type { ControlRoute } from '../control.js';
import { tweakOf } from '../server.js';
import { orderKey, refundKey, type Delivery } from '../state.js';
import type { NotificationSubject, NotifyOptions } from '../types.js';
import { paymentNotificationV2, refundNotificationV2, sendXmlNotification, type NotifyV2Options } from './notifications-v2.js';
import { transactionOf } from './orders.js';
import { findOrder, findRefund, refundNotification } from './payer.js';

function subjectOf(runtime: Runtime, subject: NotificationSubject): NotificationInput {
  if ('order' in subject) {
    const [, order] = findOrder(runtime, subject.order, subject.sub_mchid);
    if (order.transaction_id === undefined) throw new Error(`Order ${subject.order} is ${order.trade_state}: only a paid order is notified`);
    return { event_type: 'TRANSACTION.SUCCESS', resource: transactionOf(order) };
  }
  if ('refund' in subject) return refundNotification(findRefund(runtime, subject.refund, subject.sub_mchid)[1]);
  return subject;
}

/** One signed, encrypted notification to `url` (one attempt); the receiver's answer. */
export async function notify(runtime: Runtime, url: string, subject: NotificationSubject, options: NotifyOptions = {}): Promise<NotificationResult> {
  const input = subjectOf(runtime, subject);
  const first = await runtime.deliveries.deliver({
    url, input, retries: false, tweak: tweakOf(options.fault), ...(options.fault ? { fault: options.fault } : {}),
    ...('order' in subject ? { subject: { out_trade_no: subject.order } } : 'refund' in subject ? { subject: { out_refund_no: subject.refund } } : {}),
  });
  if (first.result) return first.result;
  throw first.error ?? new Error(`The notification to ${url} got no answer`);
}

/** An APIv2 (XML) notification of a paid order or of a refund. */
export async function notifyV2(runtime: Runtime, url: string, subject: { order: string; sub_mchid?: string } | { refund: string; sub_mchid?: string }, options: NotifyV2Options = {}): Promise<NotificationResult> {
  const { identity, state } = runtime;
  let body: string;
  if ('order' in subject) {
    const order = state.orders.get(orderKey(identity.mchid, subject.sub_mchid, subject.order));
    if (!order) throw new Error(`No order ${subject.order} in the sandbox`);
    body = paymentNotificationV2(identity, order, options);
  } else {
    const refund = state.refunds.get(refundKey(identity.mchid, subject.sub_mchid, subject.refund));
    if (!refund) throw new Error(`No refund ${subject.refund} in the sandbox`);
    body = refundNotificationV2(identity, refund, state.orders.get(orderKey(refund.mchid, refund.sub_mchid, refund.out_trade_no)), options);
  }
  return sendXmlNotification(url, body);
}

export const deliveriesView = (runtime: Runtime): Delivery[] => [...runtime.state.deliveries.values()].map((delivery) => structuredClone(delivery));

export async function retry(runtime: Runtime, id: string): Promise<Delivery> {
  return structuredClone((await runtime.deliveries.retryNow(id)).delivery);
}

export const notifierRoutes: readonly ControlRoute[] = [
  {
    method: 'POST', path: 'notify', summary: '{"url":"...","out_trade_no":"..."} | {"url":"...","out_refund_no":"..."} | {"url":"...","event_type":"...","resource":{...}}',
    handle: async ({ sandbox, input }) => {
      const request = input();
      const target = requiredText(request['url'], 'url');
      const orderNo = optionalText(request['out_trade_no']);
      const refundNo = optionalText(request['out_refund_no']);
      const text = (name: string) => (optionalText(request[name]) ? { [name]: optionalText(request[name])! } : {});
      const what: NotificationSubject = orderNo
        ? { order: orderNo, ...subMchidOf(request['sub_mchid']) }
        : refundNo
          ? { refund: refundNo, ...subMchidOf(request['sub_mchid']) }
          : { resource: (request['resource'] ?? {}) as Record<string, unknown>, ...text('event_type'), ...text('original_type'), ...text('summary') };
      const result = await sandbox.notify(target, what);
      return { status: result.status, body: result.body };
    },
  },
  { method: 'GET', path: 'notifications', summary: 'every notification and its attempts', handle: ({ sandbox }) => sandbox.notifications() },
  { method: 'POST', path: 'notifications/{id}/retry', summary: 'the next attempt, now', handle: ({ sandbox, params }) => sandbox.retryNotification(params['id']!) },
];
