/**
 * What the sandbox remembers between requests: coupon codes per stock, orders and refunds, notifications
 * and their delivery, uploaded media and prepared bills. The behaviours (behaviours/*.ts) read and change
 * it, and say what they changed (`changed()`, `addCodes()`); `flush()` writes those changes to the journal
 * (journal.ts) before the request is answered, when the sandbox keeps its state in a folder. Media and
 * bills are kept in memory only. `reset()` forgets everything.
 */
import { SandboxClock } from './clock.js';
import type { JournalEntry } from './journal.js';
import { Journal } from './journal.js';

/** One stock's coupon codes, and the answers already given per `out_request_no` (calls are idempotent). */
export interface CouponStock {
  codes: Set<string>;
  requests: Map<string, { fingerprint: string; answer: Record<string, unknown> }>;
}

export type TradeType = 'JSAPI' | 'NATIVE' | 'MWEB' | 'APP';
export type TradeState = 'NOTPAY' | 'SUCCESS' | 'CLOSED' | 'REFUND';

export interface Order {
  /** Direct merchant (`mchid`) or service provider (`sp_mchid` + `sub_mchid`). */
  partner: boolean;
  mchid: string;
  sub_mchid?: string;
  appid?: string;
  sub_appid?: string;
  out_trade_no: string;
  description: string;
  attach?: string;
  notify_url: string;
  trade_type: TradeType;
  trade_state: TradeState;
  amount: { total: number; currency: string };
  payer?: Record<string, string>;
  /** Given once paid. */
  transaction_id?: string;
  bank_type?: string;
  success_time?: string;
  create_time: string;
  /** The answer of the create call (prepay_id, code_url or h5_url), replayed for the same request. */
  prepay: Record<string, string>;
  /** The create call's body, to tell a replay from a conflicting order. */
  fingerprint: string;
  /** Cents refunded so far (refunds that did not fail). */
  refunded: number;
  /** `time_expire` as asked: an unpaid order closes then (business time). */
  time_expire?: string;
  /** Paid with `settle_info.profit_sharing: true`: its amount stays frozen for profit sharing until unfrozen. */
  profit_sharing?: boolean;
  /** A sub-order of a combined order (合单): paid and closed with it only. */
  combine_out_trade_no?: string;
  /** Cents shared to receivers so far (profit sharing), and whether the rest was unfrozen to the merchant. */
  shared?: number;
  unfrozen?: boolean;
}

/** A profit-sharing receiver added by a merchant (`v3/profitsharing/receivers/add`). */
export interface SharingReceiver {
  type: 'MERCHANT_ID' | 'PERSONAL_OPENID' | 'PERSONAL_SUB_OPENID';
  account: string;
  name?: string;
  relation_type: string;
  custom_relation?: string;
}

/** One receiver's share in a profit-sharing order. */
export interface SharingShare {
  type: SharingReceiver['type'];
  account: string;
  amount: number;
  description: string;
  result: 'PENDING' | 'SUCCESS' | 'CLOSED';
  fail_reason?: string;
  detail_id: string;
  create_time: string;
  finish_time?: string;
}

/** A profit-sharing order (`v3/profitsharing/orders`), or an unfreeze (`.../orders/unfreeze`). */
export interface SharingOrder {
  mchid: string;
  sub_mchid?: string;
  transaction_id: string;
  out_order_no: string;
  order_id: string;
  state: 'PROCESSING' | 'FINISHED';
  receivers: SharingShare[];
  /** Business time (ms) at which it finishes. */
  due_at?: number;
  fingerprint: string;
}

/** A profit-sharing return (`v3/profitsharing/return-orders`). */
export interface SharingReturn {
  mchid: string;
  sub_mchid?: string;
  order_id: string;
  out_order_no: string;
  out_return_no: string;
  return_id: string;
  return_mchid: string;
  amount: number;
  description: string;
  result: 'PROCESSING' | 'SUCCESS' | 'FAILED';
  fail_reason?: string;
  create_time: string;
  finish_time?: string;
  due_at?: number;
  fingerprint: string;
}

/** A combined order (`v3/combine-transactions/...`): sub-orders, each an Order, paid together. */
export interface CombineOrder {
  combine_mchid: string;
  combine_appid: string;
  combine_out_trade_no: string;
  /** Given once paid. */
  combine_transaction_id?: string;
  trade_type: TradeType;
  notify_url: string;
  scene_info?: Record<string, unknown>;
  /** The payer (`combine_payer_info.openid`), when named. */
  openid?: string;
  /** The sub-orders' keys in `orders`, in the request's order. */
  sub_orders: string[];
  create_time: string;
  prepay: Record<string, string>;
  fingerprint: string;
}

export type RefundStatus = 'PROCESSING' | 'SUCCESS' | 'ABNORMAL' | 'CLOSED';

export interface Refund {
  mchid: string;
  sub_mchid?: string;
  out_refund_no: string;
  refund_id: string;
  out_trade_no: string;
  transaction_id: string;
  reason?: string;
  notify_url?: string;
  status: RefundStatus;
  amount: { total: number; refund: number; currency: string };
  create_time: string;
  success_time?: string;
  fingerprint: string;
}

export interface StoredMedia {
  bytes: Buffer;
  filename: string;
  contentType: string;
}

export interface StoredBill {
  /** The bill as downloaded (gzip when asked for). */
  bytes: Buffer;
  gzip: boolean;
}

/** One attempt to deliver a notification, as the console shows it. */
export interface DeliveryAttempt {
  /** 1 for the first attempt. */
  n: number;
  /** When it was sent (ISO 8601). */
  at: string;
  ms: number;
  /** The merchant's HTTP status; absent when there was no answer. */
  status?: number;
  /** The merchant's answer body (shortened). */
  body?: string;
  /** Why there was no answer: a refused connection, a timeout... */
  error?: string;
  /** A 2xx answer within the timeout. */
  ok: boolean;
  /** The signature headers sent (new ones on every attempt). */
  headers: Record<string, string>;
}

/** A notification and its delivery to the merchant's notify_url. */
export interface Delivery {
  /** The notification's `id`. */
  id: string;
  url: string;
  event_type: string;
  summary: string;
  /** What it is about: an order (`out_trade_no`), a refund (`out_refund_no`), a transfer bill (`out_bill_no`)... */
  subject?: { out_trade_no?: string; out_refund_no?: string; sub_mchid?: string; out_bill_no?: string; combine_out_trade_no?: string; out_order_no?: string };
  /** The body sent, the same bytes on every attempt. */
  body: string;
  created: string;
  /** `pending`: a retry is due at `next_at`; `delivered`: a 2xx answer; `failed`: the schedule is used up, or a one-shot failed. */
  state: 'sending' | 'pending' | 'delivered' | 'failed';
  /** Retried on the platform's schedule (false for `sandbox.notify()`, one attempt). */
  retries: boolean;
  /** A signature spoiled on purpose (one-shots only). */
  fault?: string;
  attempts: DeliveryAttempt[];
  /** When the next attempt is due (ISO 8601). */
  next_at?: string;
}

/** The kinds of record the journal keeps whole. */
type Kind = 'order' | 'refund' | 'delivery' | 'transfer' | 'clock' | 'combine' | 'receiver' | 'sharing' | 'sharing-return';

/** The state as the snapshot holds it. */
interface Snapshot {
  version: 1;
  orders: Array<[string, Order]>;
  refunds: Array<[string, Refund]>;
  deliveries: Array<[string, Delivery]>;
  coupons: Array<[string, { codes: string[]; requests: Array<[string, { fingerprint: string; answer: Record<string, unknown> }]> }]>;
  transfers?: Array<[string, TransferBill]>;
  combines?: Array<[string, CombineOrder]>;
  receivers?: Array<[string, SharingReceiver]>;
  sharings?: Array<[string, SharingOrder]>;
  sharingReturns?: Array<[string, SharingReturn]>;
  /** The business clock's offset (ms). */
  clock?: number;
}

/** A transfer bill's states (商家转账, user confirmation mode), as documented. */
export type TransferState = 'ACCEPTED' | 'PROCESSING' | 'WAIT_USER_CONFIRM' | 'TRANSFERING' | 'SUCCESS' | 'FAIL' | 'CANCELING' | 'CANCELLED';

/** A transfer bill (`v3/fund-app/mch-transfer/transfer-bills`). */
export interface TransferBill {
  mch_id: string;
  out_bill_no: string;
  transfer_bill_no: string;
  appid: string;
  openid: string;
  transfer_amount: number;
  transfer_remark: string;
  transfer_scene_id: string;
  notify_url?: string;
  user_recv_perception?: string;
  state: TransferState;
  fail_reason?: string;
  /** What the merchant's page hands to the WeChat app to show the confirmation page. */
  package_info: string;
  create_time: string;
  update_time: string;
  /** Business time (ms) at which the bill moves on by itself: the confirmation window's end, a transfer or a cancellation done. */
  due_at?: number;
  /** The create call's body, to tell a retry from another bill with the same `out_bill_no`. */
  fingerprint: string;
}

/** A change, for whoever listens (the console's live updates). */
export type StateChange = { kind: Kind | 'coupon'; key: string } | { kind: 'reset' };

export class SandboxState {
  readonly coupons = new Map<string, CouponStock>();
  /** Orders by `<merchant>|<sub merchant>|<out_trade_no>`. */
  readonly orders = new Map<string, Order>();
  readonly refunds = new Map<string, Refund>();
  /** Notifications by id, in the order they were made. */
  readonly deliveries = new Map<string, Delivery>();
  readonly media = new Map<string, StoredMedia>();
  readonly bills = new Map<string, StoredBill>();
  /** Transfer bills by `<merchant>|<out_bill_no>`. */
  readonly transfers = new Map<string, TransferBill>();
  /** Combined orders by `<merchant>|<combine_out_trade_no>`. */
  readonly combines = new Map<string, CombineOrder>();
  /** Profit sharing: receivers by `<merchant>|<sub>|<type>|<account>`, orders by `<merchant>|<sub>|<out_order_no>`, returns by `<merchant>|<sub>|<out_return_no>`. */
  readonly receivers = new Map<string, SharingReceiver>();
  readonly sharings = new Map<string, SharingOrder>();
  readonly sharingReturns = new Map<string, SharingReturn>();
  /**
   * The operation account's balance for transfer bills, in cents (undefined: unlimited). Not kept in the
   * folder; `reset()` forgets it.
   */
  transferBalance: number | undefined;
  /** Business time, and what is due on it (clock.ts). */
  readonly clock = new SandboxClock();
  /** The clock's offset as journalled (`clock|offset`). */
  readonly #clockRecord = new Map<string, number>();
  /** Told of every change once it is flushed. */
  onChange: ((change: StateChange) => void) | undefined;

  #journal: Journal | undefined;
  readonly #dirty = new Map<string, { kind: Kind; key: string }>();
  #pending: JournalEntry[] = [];
  readonly #changes: StateChange[] = [];

  constructor() {
    this.clock.onAdvance = (offset) => {
      this.#clockRecord.set('offset', offset);
      this.changed('clock', 'offset');
    };
  }

  /** Keeps the state in `<dir>/state/`: loads what is there, then journals every change. */
  persistIn(dir: string): { loaded: number; dropped: number } {
    const journal = new Journal(dir);
    const { snapshot, entries, dropped } = journal.read();
    if (snapshot !== undefined) this.#restore(snapshot as Snapshot);
    for (const entry of entries) this.#apply(entry);
    journal.compact(this.#snapshot());
    this.#journal = journal;
    this.clock.restore(this.#clockRecord.get('offset') ?? 0);
    return { loaded: this.orders.size + this.refunds.size + this.deliveries.size + this.coupons.size + this.transfers.size + this.combines.size + this.sharings.size + this.sharingReturns.size + this.receivers.size, dropped };
  }

  /** Where the state is kept, if anywhere. */
  get folder(): string | undefined {
    return this.#journal?.folder;
  }

  /** Marks a record as changed (or deleted, when it is no longer in its map). */
  changed(kind: Kind, key: string): void {
    this.#dirty.set(`${kind}|${key}`, { kind, key });
  }

  /** Adds codes to a coupon stock, with the answer of the call that added them (replayed for the same call). */
  addCodes(key: string, add: string[], request?: { no: string; fingerprint: string; answer: Record<string, unknown> }): void {
    let stock = this.coupons.get(key);
    if (!stock) this.coupons.set(key, (stock = { codes: new Set(), requests: new Map() }));
    for (const code of add) stock.codes.add(code);
    if (request) stock.requests.set(request.no, { fingerprint: request.fingerprint, answer: request.answer });
    this.#pending.push({ op: 'codes', key, add, ...(request ? { request } : {}) });
    this.#changes.push({ kind: 'coupon', key });
  }

  /** Writes what changed since the last flush (and fsyncs it, with a folder); then tells the listener. */
  flush(): void {
    const entries = this.#pending;
    this.#pending = [];
    for (const { kind, key } of this.#dirty.values()) {
      const value = this.#map(kind).get(key);
      entries.push(value === undefined ? { op: 'delete', kind, key } : { op: 'put', kind, key, value });
      this.#changes.push({ kind, key });
    }
    this.#dirty.clear();
    if (this.#journal && entries.length > 0) {
      this.#journal.append(entries);
      if (this.#journal.due) this.#journal.compact(this.#snapshot());
    }
    const changes = this.#changes.splice(0);
    for (const change of changes) this.onChange?.(change);
  }

  reset(): void {
    this.coupons.clear();
    this.orders.clear();
    this.refunds.clear();
    this.deliveries.clear();
    this.media.clear();
    this.bills.clear();
    this.transfers.clear();
    this.transferBalance = undefined;
    this.combines.clear();
    this.receivers.clear();
    this.sharings.clear();
    this.sharingReturns.clear();
    this.clock.reset();
    this.#clockRecord.clear();
    this.#dirty.clear();
    this.#pending = [{ op: 'reset' }];
    this.#changes.push({ kind: 'reset' });
    this.flush();
  }

  close(): void {
    this.clock.close();
    this.flush();
    this.#journal?.close();
    this.#journal = undefined;
  }

  #map(kind: Kind): Map<string, unknown> {
    switch (kind) {
      case 'order': return this.orders;
      case 'refund': return this.refunds;
      case 'delivery': return this.deliveries;
      case 'transfer': return this.transfers;
      case 'clock': return this.#clockRecord;
      case 'combine': return this.combines;
      case 'receiver': return this.receivers;
      case 'sharing': return this.sharings;
      case 'sharing-return': return this.sharingReturns;
    }
  }

  #apply(entry: JournalEntry): void {
    switch (entry.op) {
      case 'put':
        this.#map(entry.kind as Kind).set(entry.key, entry.value);
        return;
      case 'delete':
        this.#map(entry.kind as Kind).delete(entry.key);
        return;
      case 'codes': {
        let stock = this.coupons.get(entry.key);
        if (!stock) this.coupons.set(entry.key, (stock = { codes: new Set(), requests: new Map() }));
        for (const code of entry.add) stock.codes.add(code);
        if (entry.request) stock.requests.set(entry.request.no, { fingerprint: entry.request.fingerprint, answer: entry.request.answer });
        return;
      }
      case 'reset':
        this.coupons.clear();
        this.orders.clear();
        this.refunds.clear();
        this.deliveries.clear();
        this.transfers.clear();
        this.combines.clear();
        this.receivers.clear();
        this.sharings.clear();
        this.sharingReturns.clear();
        this.#clockRecord.clear();
        return;
    }
  }

  #snapshot(): Snapshot {
    return {
      version: 1,
      orders: [...this.orders],
      refunds: [...this.refunds],
      deliveries: [...this.deliveries],
      coupons: [...this.coupons].map(([key, stock]) => [key, { codes: [...stock.codes], requests: [...stock.requests] }]),
      transfers: [...this.transfers],
      combines: [...this.combines],
      receivers: [...this.receivers],
      sharings: [...this.sharings],
      sharingReturns: [...this.sharingReturns],
      clock: this.#clockRecord.get('offset') ?? 0,
    };
  }

  #restore(snapshot: Snapshot): void {
    if (snapshot.version !== 1) throw new Error(`the sandbox state is of an unknown version ${String(snapshot.version)}: remove its state/ folder`);
    for (const [key, order] of snapshot.orders) this.orders.set(key, order);
    for (const [key, refund] of snapshot.refunds) this.refunds.set(key, refund);
    for (const [key, delivery] of snapshot.deliveries) this.deliveries.set(key, delivery);
    for (const [key, stock] of snapshot.coupons) this.coupons.set(key, { codes: new Set(stock.codes), requests: new Map(stock.requests) });
    for (const [key, bill] of snapshot.transfers ?? []) this.transfers.set(key, bill);
    for (const [key, combine] of snapshot.combines ?? []) this.combines.set(key, combine);
    for (const [key, receiver] of snapshot.receivers ?? []) this.receivers.set(key, receiver);
    for (const [key, sharing] of snapshot.sharings ?? []) this.sharings.set(key, sharing);
    for (const [key, back] of snapshot.sharingReturns ?? []) this.sharingReturns.set(key, back);
    if (snapshot.clock) this.#clockRecord.set('offset', snapshot.clock);
  }
}

export const orderKey = (mchid: string, subMchid: string | undefined, outTradeNo: string): string => `${mchid}|${subMchid ?? ''}|${outTradeNo}`;
export const refundKey = (mchid: string, subMchid: string | undefined, outRefundNo: string): string => `${mchid}|${subMchid ?? ''}|${outRefundNo}`;
export const transferKey = (mchid: string, outBillNo: string): string => `${mchid}|${outBillNo}`;
export const combineKey = (mchid: string, combineOutTradeNo: string): string => `${mchid}|${combineOutTradeNo}`;
export const receiverKey = (mchid: string, subMchid: string | undefined, type: string, account: string): string => `${mchid}|${subMchid ?? ''}|${type}|${account}`;
export const sharingKey = (mchid: string, subMchid: string | undefined, outNo: string): string => `${mchid}|${subMchid ?? ''}|${outNo}`;
