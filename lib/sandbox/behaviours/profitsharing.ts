/**
 * Profit sharing (分账, `v3/profitsharing/*`), for a direct merchant or a service provider's sub-merchant
 * (`sub_mchid`):
 *
 *     receivers/add, receivers/delete          the receivers a merchant may share to
 *     orders                 PROCESSING ─> FINISHED   shares of a paid order (`settle_info.profit_sharing: true`);
 *                                                     each receiver PENDING ─> SUCCESS
 *     orders/unfreeze        PROCESSING ─> FINISHED   the rest goes to the merchant; nothing more can be shared
 *     return-orders          PROCESSING ─> SUCCESS    a MERCHANT_ID receiver gives (part of) its share back
 *     orders/{out_order_no}, return-orders/{out_return_no}, transactions/{transaction_id}/amounts  queries
 *
 * Orders, unfreezes and returns finish after SHARING_SECONDS of business time (the sandbox clock). Each
 * receiver's share, and each return, is notified (分账动账通知: `PROFITSHARING`, `PROFITSHARING_RETURN`)
 * to the paid order's notify_url once done.
 *
 * Amounts: what is left (`unsplit_amount`) is the order's total less what was shared, nothing once
 * unfrozen; shares are at most 30% of the order (the platform's default maximum ratio); a return at
 * most what was shared to that merchant and not yet returned.
 */
import type { Call, Handler, NotificationInput, Runtime } from '../call.js';
import { json } from '../answers.js';
import { objectOf as record, optionalText as str } from '../checks.js';
import type { ControlRoute } from '../control.js';
import { invalidRequest, notExists, paramError, PlatformError } from '../errors.js';
import { ids, rfc3339 } from '../ids.js';
import {
  receiverKey, sharingKey,
  type Order, type SharingOrder, type SharingReceiver, type SharingReturn, type SharingShare,
} from '../state.js';
import { orderByTransaction } from './orders.js';

/** How long an order, an unfreeze or a return takes (business seconds). */
export const SHARING_SECONDS = 5;
/** The platform's default maximum share of an order: 30%. */
export const MAX_RATIO = 0.3;

type Body = Record<string, unknown>;

const notFound = () => notExists('记录不存在');
const notEnough = (message: string) => new PlatformError(403, 'NOT_ENOUGH', message);

/** The paid order `transaction_id` names, of the calling merchant (and `sub_mchid`). */
function paidOrder(call: Call, transactionId: string, sub: string | undefined): [string, Order] {
  const found = orderByTransaction(call.runtime, call.runtime.identity.mchid, sub, transactionId);
  if (!found) throw notExists(`订单不存在: no paid order ${transactionId}${sub ? ` of sub-merchant ${sub}` : ''}`);
  return found;
}

const unsplit = (order: Order): number => (order.unfrozen ? 0 : order.amount.total - (order.shared ?? 0));

function receiverView(receiver: SharingReceiver, sub: string | undefined): Record<string, unknown> {
  return {
    ...(sub ? { sub_mchid: sub } : {}), type: receiver.type, account: receiver.account,
    ...(receiver.name ? { name: receiver.name } : {}), relation_type: receiver.relation_type,
    ...(receiver.custom_relation ? { custom_relation: receiver.custom_relation } : {}),
  };
}

const addReceiver: Handler = (call) => {
  const body = record(call.body);
  const sub = str(body['sub_mchid']);
  if (body['relation_type'] === 'CUSTOM' && !str(body['custom_relation'])) throw paramError('body', '/custom_relation', 'is required when relation_type is CUSTOM');
  const receiver: SharingReceiver = {
    type: body['type'] as SharingReceiver['type'], account: String(body['account']), relation_type: String(body['relation_type']),
    ...(str(body['name']) ? { name: str(body['name'])! } : {}), ...(str(body['custom_relation']) ? { custom_relation: str(body['custom_relation'])! } : {}),
  };
  const key = receiverKey(call.runtime.identity.mchid, sub, receiver.type, receiver.account);
  call.runtime.state.receivers.set(key, receiver);
  call.runtime.state.changed('receiver', key);
  return json(receiverView(receiver, sub));
};

const deleteReceiver: Handler = (call) => {
  const body = record(call.body);
  const sub = str(body['sub_mchid']);
  const key = receiverKey(call.runtime.identity.mchid, sub, String(body['type']), String(body['account']));
  call.runtime.state.receivers.delete(key);
  call.runtime.state.changed('receiver', key);
  return json({ ...(sub ? { sub_mchid: sub } : {}), type: body['type'], account: body['account'] });
};

/** The order as its query (and the create and unfreeze calls) answer it. */
export function sharingView(sharing: SharingOrder): Record<string, unknown> {
  return {
    ...(sharing.sub_mchid ? { sub_mchid: sharing.sub_mchid } : {}),
    transaction_id: sharing.transaction_id, out_order_no: sharing.out_order_no, order_id: sharing.order_id, state: sharing.state,
    receivers: sharing.receivers.map((share) => ({
      amount: share.amount, description: share.description, type: share.type, account: share.account, result: share.result,
      ...(share.fail_reason ? { fail_reason: share.fail_reason } : {}), detail_id: share.detail_id,
      create_time: share.create_time, finish_time: share.finish_time ?? share.create_time,
    })),
  };
}

function newSharing(call: Call, body: Body, receivers: SharingShare[]): SharingOrder {
  const now = call.runtime.state.clock.date();
  const sub = str(body['sub_mchid']);
  return {
    mchid: call.runtime.identity.mchid, ...(sub ? { sub_mchid: sub } : {}),
    transaction_id: String(body['transaction_id']), out_order_no: String(body['out_order_no']), order_id: ids.sharing(now),
    state: 'PROCESSING', receivers, due_at: now.getTime() + SHARING_SECONDS * 1000, fingerprint: JSON.stringify(body),
  };
}

/** The same out_order_no: the same request answers the order as it is; another is refused. */
function replay(call: Call, key: string, body: Body): SharingOrder | undefined {
  const existing = call.runtime.state.sharings.get(key);
  if (!existing) return undefined;
  if (existing.fingerprint !== JSON.stringify(body)) throw invalidRequest(`商户分账单号重复: out_order_no ${existing.out_order_no} was used for another request`);
  return existing;
}

/** What a share and an unfreeze start with: the earlier answer to the same request, or the paid order to share. */
type Opening = { again: SharingOrder } | { body: Body; sub: string | undefined; key: string; orderId: string; order: Order };

function openSharing(call: Call): Opening {
  const body = record(call.body);
  const sub = str(body['sub_mchid']);
  const key = sharingKey(call.runtime.identity.mchid, sub, String(body['out_order_no']));
  const again = replay(call, key, body);
  if (again) return { again };
  const [orderId, order] = paidOrder(call, String(body['transaction_id']), sub);
  if (!order.profit_sharing) throw invalidRequest('订单不需要分账: the order was not paid with settle_info.profit_sharing true');
  return { body, sub, key, orderId, order };
}

const share: Handler = (call) => {
  const opening = openSharing(call);
  if ('again' in opening) return json(sharingView(opening.again));
  const { body, sub, key, orderId, order } = opening;
  const { runtime } = call;
  const asked = (Array.isArray(body['receivers']) ? body['receivers'] : []).map(record);
  if (asked.length === 0 && body['unfreeze_unsplit'] !== true) throw paramError('body', '/receivers', 'is required (or unfreeze_unsplit: true)');
  const now = rfc3339(runtime.state.clock.date());
  const shares: SharingShare[] = asked.map((receiver, i) => {
    const type = String(receiver['type']) as SharingShare['type'];
    const account = String(receiver['account']);
    if (!runtime.state.receivers.has(receiverKey(runtime.identity.mchid, sub, type, account))) {
      throw invalidRequest(`分账接收方不存在: receivers[${i}] (${type} ${account}) was not added (v3/profitsharing/receivers/add)`);
    }
    const amount = Number(receiver['amount']);
    if (!Number.isSafeInteger(amount) || amount < 1) throw paramError('body', `/receivers/${i}/amount`, 'must be a whole number of cents, 1 or more', receiver['amount']);
    return { type, account, amount, description: String(receiver['description']), result: 'PENDING', detail_id: ids.sharing(runtime.state.clock.date()), create_time: now };
  });
  const total = shares.reduce((sum, s) => sum + s.amount, 0);
  if (total > unsplit(order)) throw notEnough(`分账金额不足: ${total} asked, ${unsplit(order)} left to share`);
  const cap = Math.floor(order.amount.total * MAX_RATIO);
  if ((order.shared ?? 0) + total > cap) throw invalidRequest(`分账金额超出最大分账比例: ${(order.shared ?? 0) + total} of ${order.amount.total} is over ${MAX_RATIO * 100}% (${cap})`);
  order.shared = (order.shared ?? 0) + total;
  if (body['unfreeze_unsplit'] === true) order.unfrozen = true;
  runtime.state.changed('order', orderId);
  const sharing = newSharing(call, body, shares);
  runtime.state.sharings.set(key, sharing);
  runtime.state.changed('sharing', key);
  scheduleSharing(runtime, key, sharing);
  return json(sharingView(sharing));
};

const unfreeze: Handler = (call) => {
  const opening = openSharing(call);
  if ('again' in opening) return json(sharingView(opening.again));
  const { body, sub, key, orderId, order } = opening;
  const { runtime } = call;
  if (order.unfrozen) throw invalidRequest('订单已解冻: nothing is left to unfreeze');
  const left = unsplit(order);
  order.unfrozen = true;
  runtime.state.changed('order', orderId);
  const now = rfc3339(runtime.state.clock.date());
  // The rest goes back to the merchant: shown as a share to itself (as the platform's answer does).
  const sharing = newSharing(call, body, [{
    type: 'MERCHANT_ID', account: sub ?? runtime.identity.mchid, amount: left, description: String(body['description']),
    result: 'PENDING', detail_id: ids.sharing(runtime.state.clock.date()), create_time: now,
  }]);
  runtime.state.sharings.set(key, sharing);
  runtime.state.changed('sharing', key);
  scheduleSharing(runtime, key, sharing, false);
  return json(sharingView(sharing));
};

const querySharing: Handler = (call) => {
  const sub = str(call.query['sub_mchid']);
  const sharing = call.runtime.state.sharings.get(sharingKey(call.runtime.identity.mchid, sub, call.vars['out_order_no']!));
  if (!sharing || sharing.transaction_id !== String(call.query['transaction_id'])) throw notFound();
  return json(sharingView(sharing));
};

const amounts: Handler = (call) => {
  const mchid = call.runtime.identity.mchid;
  const transactionId = call.vars['transaction_id']!;
  const order = [...call.runtime.state.orders.values()].find((o) => o.transaction_id === transactionId && o.mchid === mchid);
  if (!order) throw notFound();
  return json({ transaction_id: transactionId, unsplit_amount: order.profit_sharing ? unsplit(order) : 0 });
};

export function returnView(back: SharingReturn): Record<string, unknown> {
  return {
    ...(back.sub_mchid ? { sub_mchid: back.sub_mchid } : {}),
    order_id: back.order_id, out_order_no: back.out_order_no, out_return_no: back.out_return_no, return_id: back.return_id,
    return_mchid: back.return_mchid, amount: back.amount, description: back.description, result: back.result,
    ...(back.fail_reason ? { fail_reason: back.fail_reason } : {}), create_time: back.create_time, finish_time: back.finish_time ?? back.create_time,
  };
}

const createReturn: Handler = (call) => {
  const body = record(call.body);
  const { runtime } = call;
  const mchid = runtime.identity.mchid;
  const sub = str(body['sub_mchid']);
  const key = sharingKey(mchid, sub, String(body['out_return_no']));
  const existing = runtime.state.sharingReturns.get(key);
  if (existing) {
    if (existing.fingerprint === JSON.stringify(body)) return json(returnView(existing));
    throw invalidRequest(`商户回退单号重复: out_return_no ${existing.out_return_no} was used for another request`);
  }
  const orderId = str(body['order_id']);
  const outOrderNo = str(body['out_order_no']);
  if (!orderId && !outOrderNo) throw paramError('body', '/out_order_no', 'order_id or out_order_no is required');
  const sharing = outOrderNo
    ? runtime.state.sharings.get(sharingKey(mchid, sub, outOrderNo))
    : [...runtime.state.sharings.values()].find((s) => s.order_id === orderId && s.mchid === mchid && s.sub_mchid === sub);
  if (!sharing || (orderId && sharing.order_id !== orderId)) throw notExists('分账单不存在');
  const returnMchid = String(body['return_mchid']);
  const shared = sharing.receivers.filter((s) => s.type === 'MERCHANT_ID' && s.account === returnMchid && s.result !== 'CLOSED').reduce((sum, s) => sum + s.amount, 0);
  if (shared === 0) throw invalidRequest(`回退方不是该分账单的分账接收方: ${returnMchid} received nothing from ${sharing.out_order_no}`);
  const returned = [...runtime.state.sharingReturns.values()]
    .filter((r) => r.order_id === sharing.order_id && r.return_mchid === returnMchid && r.result !== 'FAILED').reduce((sum, r) => sum + r.amount, 0);
  const amount = Number(body['amount']);
  if (!Number.isSafeInteger(amount) || amount < 1) throw paramError('body', '/amount', 'must be a whole number of cents, 1 or more', body['amount']);
  if (amount > shared - returned) throw invalidRequest(`回退金额超过可回退金额: ${amount} asked, ${shared - returned} of ${shared} left to return`);
  const now = runtime.state.clock.date();
  const back: SharingReturn = {
    mchid, ...(sub ? { sub_mchid: sub } : {}), order_id: sharing.order_id, out_order_no: sharing.out_order_no,
    out_return_no: String(body['out_return_no']), return_id: ids.sharing(now), return_mchid: returnMchid, amount,
    description: String(body['description']), result: 'PROCESSING', create_time: rfc3339(now),
    due_at: now.getTime() + SHARING_SECONDS * 1000, fingerprint: JSON.stringify(body),
  };
  runtime.state.sharingReturns.set(key, back);
  runtime.state.changed('sharing-return', key);
  scheduleReturn(runtime, key, back);
  return json(returnView(back));
};

const queryReturn: Handler = (call) => {
  const sub = str(call.query['sub_mchid']);
  const back = call.runtime.state.sharingReturns.get(sharingKey(call.runtime.identity.mchid, sub, call.vars['out_return_no']!));
  if (!back || back.out_order_no !== String(call.query['out_order_no'])) throw notFound();
  return json(returnView(back));
};

const notifyUrlOf = (runtime: Runtime, mchid: string, sub: string | undefined, transactionId: string): string | undefined =>
  orderByTransaction(runtime, mchid, sub, transactionId)?.[1].notify_url;

const merchantOf = (mchid: string, sub: string | undefined) => (sub ? { sp_mchid: mchid, sub_mchid: sub } : { mchid });

/** 分账动账通知 of one receiver's share. */
export function sharingNotification(sharing: SharingOrder, shareOf: SharingShare): NotificationInput {
  return {
    event_type: 'PROFITSHARING', original_type: 'profitsharing', summary: '分账',
    resource: {
      ...merchantOf(sharing.mchid, sharing.sub_mchid), transaction_id: sharing.transaction_id, order_id: sharing.order_id, out_order_no: sharing.out_order_no,
      receiver: { type: shareOf.type, account: shareOf.account, amount: shareOf.amount, description: shareOf.description },
      success_time: shareOf.finish_time,
    },
  };
}

/** The orders and unfreezes finish when due (the sandbox clock); each share is notified (not an unfreeze's). */
export function scheduleSharing(runtime: Runtime, key: string, sharing: SharingOrder, notify = true): void {
  if (sharing.state === 'FINISHED' || sharing.due_at === undefined) return;
  runtime.state.clock.schedule(`sharing|${key}`, sharing.due_at, async () => {
    if (runtime.state.sharings.get(key) !== sharing) return;
    const now = rfc3339(runtime.state.clock.date());
    sharing.state = 'FINISHED';
    delete sharing.due_at;
    for (const item of sharing.receivers) {
      item.result = 'SUCCESS';
      item.finish_time = now;
    }
    runtime.state.changed('sharing', key);
    runtime.state.flush();
    const url = notifyUrlOf(runtime, sharing.mchid, sharing.sub_mchid, sharing.transaction_id);
    if (!notify || !url) return;
    for (const item of sharing.receivers) {
      await runtime.deliveries.deliver({ url, input: sharingNotification(sharing, item), subject: { out_order_no: sharing.out_order_no } });
    }
  });
}

export function scheduleReturn(runtime: Runtime, key: string, back: SharingReturn): void {
  if (back.result !== 'PROCESSING' || back.due_at === undefined) return;
  runtime.state.clock.schedule(`sharing-return|${key}`, back.due_at, async () => {
    if (runtime.state.sharingReturns.get(key) !== back) return;
    back.result = 'SUCCESS';
    back.finish_time = rfc3339(runtime.state.clock.date());
    delete back.due_at;
    runtime.state.changed('sharing-return', key);
    runtime.state.flush();
    const sharing = runtime.state.sharings.get(sharingKey(back.mchid, back.sub_mchid, back.out_order_no));
    const url = sharing && notifyUrlOf(runtime, back.mchid, back.sub_mchid, sharing.transaction_id);
    if (!sharing || !url) return;
    await runtime.deliveries.deliver({
      url,
      input: {
        event_type: 'PROFITSHARING_RETURN', original_type: 'profitsharing', summary: '分账回退',
        resource: {
          ...merchantOf(back.mchid, back.sub_mchid), transaction_id: sharing.transaction_id, order_id: back.order_id, out_order_no: back.out_order_no,
          out_return_no: back.out_return_no, return_id: back.return_id,
          receiver: { type: 'MERCHANT_ID', account: back.return_mchid, amount: back.amount, description: back.description },
          success_time: back.finish_time,
        },
      },
      subject: { out_order_no: back.out_order_no },
    });
  });
}

/** Puts the unfinished orders and returns of a restored state back on the clock. */
export function resumeSharing(runtime: Runtime): void {
  for (const [key, sharing] of runtime.state.sharings) {
    const unfreezeOnly = sharing.receivers.length === 1 && sharing.receivers[0]!.account === (sharing.sub_mchid ?? sharing.mchid);
    scheduleSharing(runtime, key, sharing, !unfreezeOnly);
  }
  for (const [key, back] of runtime.state.sharingReturns) scheduleReturn(runtime, key, back);
}

/** Every order's profit-sharing state (what the console and the control API show). */
export function sharingsView(runtime: Runtime): Record<string, unknown> {
  return {
    receivers: [...runtime.state.receivers].map(([key, receiver]) => receiverView(receiver, key.split('|')[1] || undefined)),
    orders: [...runtime.state.sharings.values()].map(sharingView),
    returns: [...runtime.state.sharingReturns.values()].map(returnView),
  };
}

export const profitSharingBehaviours: Record<string, Handler> = {
  'post v3/profitsharing/receivers/add': addReceiver,
  'post v3/profitsharing/receivers/delete': deleteReceiver,
  'post v3/profitsharing/orders': share,
  'post v3/profitsharing/orders/unfreeze': unfreeze,
  'get v3/profitsharing/orders/{out_order_no}': querySharing,
  'get v3/profitsharing/transactions/{transaction_id}/amounts': amounts,
  'post v3/profitsharing/return-orders': createReturn,
  'get v3/profitsharing/return-orders/{out_return_no}': queryReturn,
};

export const profitSharingRoutes: readonly ControlRoute[] = [
  { method: 'GET', path: 'profitsharing', summary: 'receivers, profit-sharing orders and returns', handle: ({ parts }) => sharingsView(parts.runtime) },
];
