/**
 * `wechatpay-chain/sandbox`: a local WeChat Pay platform for tests, demos and examples.
 *
 * ```ts
 * import { startSandbox } from 'wechatpay-chain/sandbox';
 * import { Builder } from 'wechatpay-chain';
 *
 * const sandbox = await startSandbox();               // 127.0.0.1, a free port, keys in a temporary folder
 * const client = Builder.factory(sandbox.config);     // sandbox.json: exactly what Builder.factory takes
 * const { data } = await client.v3.pay.transactions.native.post({ json: { ... } });
 * await sandbox.close();
 * ```
 *
 * Every request is checked as the platform checks it (signature, merchant, serial, clock, schema);
 * answers are signed with the platform's key. See docs/sandbox.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BEHAVIOUR_ROUTES } from './behaviours/index.js';
import { closeOrder, payOrder, refundOf, settleRefund, transactionOf } from './behaviours/orders.js';
import type { NotificationInput, NotificationResult, Runtime, Settings } from './call.js';
import { consoleHandler } from './console.js';
import { paymentNotificationV2, refundNotificationV2, sendXmlNotification, type NotifyV2Options } from './behaviours/notifications-v2.js';
import { controlHandler } from './control.js';
import { sandboxCertificates, type SandboxCertificates } from './certificate-control.js';
import { loadData } from './data.js';
import { DEFAULT_NOTIFY_TIMEOUT, Deliveries } from './deliveries.js';
import { Faults } from './faults.js';
import { ensureIdentity, writeConfig, type Identity, type SandboxConfig } from './identity.js';
import { Pipeline } from './pipeline.js';
import { Router } from './routes.js';
import { createSandboxServer, tweakOf, type RequestRecord } from './server.js';
import type { SignWith } from './sign.js';
import { orderKey, refundKey, SandboxState, type Delivery, type Order, type Refund, type StateChange, type StoredMedia } from './state.js';
import { Validator } from './validate.js';

export type { SandboxConfig } from './identity.js';
export type { Fault, PendingFault } from './faults.js';
export type { LoggedMessage, RequestRecord } from './server.js';
export type { SignWith } from './sign.js';
export type { NotificationInput, NotificationResult, Settings } from './call.js';
export type { Verdict, CheckRule } from './auth.js';
export type { Delivery, DeliveryAttempt, RefundStatus } from './state.js';
export { RETRY_SCHEDULE } from './deliveries.js';
export type { SandboxCertificates } from './certificate-control.js';
export type { CertificatesView, RotateOptions } from './platform-certificates.js';
export type { NotifyV2Options } from './behaviours/notifications-v2.js';

export interface SandboxOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default `127.0.0.1`. The control API and the console are unauthenticated: keep it on a loopback address. */
  host?: string;
  /**
   * Where the keys and `sandbox.json` live; made when missing, reused when present (same keys, same
   * serials, same APIv3 key and secret). Default: a temporary folder, removed by `close()`.
   */
  dir?: string;
  /**
   * Keep orders, refunds, coupon codes and notifications in `<dir>/state/` across restarts (default: when
   * `dir` is given). Without a folder the state lives in memory only.
   */
  persist?: boolean;
  /** The merchant id of a new identity (default `1230000109`, the one most documented examples use). */
  mchid?: string;
  /** The platform key that signs answers: the certificate's (default) or the public key's. */
  signWith?: SignWith;
  /** `succeed` (default): refunds are SUCCESS at once; `manual`: PROCESSING until settled (console, control API, `settleRefund`). */
  refunds?: Settings['refunds'];
  /** Multiplies the notification retry intervals (default 1: 15 s, 15 s, 30 s, 3 min ... 6 h); 0.001 makes 15 s 15 ms. */
  timeScale?: number;
  /** Milliseconds the merchant has to answer a notification before it counts as failed (default 5000). */
  notifyTimeout?: number;
  /** Called after each API request, for logging. */
  onRequest?: (record: RequestRecord) => void;
}

/** What a notification is about: an order's payment, a refund, or any resource. */
export type NotificationSubject =
  | { order: string; sub_mchid?: string }
  | { refund: string; sub_mchid?: string }
  | NotificationInput;

/** Spoil a notification's signature, to test a receiver. */
export interface NotifyOptions {
  fault?: 'bad-signature' | 'stale-timestamp' | 'unknown-serial' | 'probe-signature';
}

export interface PayOptions {
  sub_mchid?: string;
  /** The payer (default: the order's payer, else a new openid). */
  openid?: string;
  /** Deliver `TRANSACTION.SUCCESS` to the order's `notify_url` (retried on the platform's schedule until a 2xx answer). */
  notify?: boolean;
}

export interface PayResult {
  transaction: Record<string, unknown>;
  /** The merchant's answer to the first attempt (when it answered). */
  notification?: NotificationResult;
  /** The notification's delivery: its attempts, its state, the next retry. */
  delivery?: Delivery;
}

/** Something that changed, for live views (the console listens to these over server-sent events). */
export type SandboxEvent =
  | { type: 'request'; record: RequestRecord }
  | { type: 'state'; change: StateChange }
  | { type: 'faults' }
  | { type: 'settings'; settings: Settings };

/** A coupon stock and its codes. */
export interface CouponStockView {
  product_coupon_id: string;
  stock_id: string;
  codes: string[];
  uploads: number;
}

export interface Sandbox {
  /** `http://127.0.0.1:<port>/`: the API, and the console at this very address. */
  readonly baseURL: string;
  /** The contents of `sandbox.json`: `Builder.factory(sandbox.config)`. */
  readonly config: SandboxConfig;
  /** The folder holding the keys and `sandbox.json` (and `state/` when persisted). */
  readonly dir: string;
  /** The platform's key ids (no secrets). */
  readonly platform: { serial: string; publicKeyId: string };
  /** Fault injection: `sandbox.faults.inject('bad-signature', 2)`. */
  readonly faults: Faults;
  /** The platform certificate lifecycle: rotations, retirements, public-key-only (certificate-control.ts). */
  readonly certificates: SandboxCertificates;
  /** The API requests handled so far (the last 1000). */
  readonly requests: RequestRecord[];
  readonly settings: Settings;
  /** How the retry schedule is scaled, and the answer timeout. */
  readonly delivery: { timeScale: number; timeout: number };
  /** Where the state is kept (`<dir>/state`), or undefined: in memory. */
  readonly stateFolder: string | undefined;
  /** What a persisted sandbox found at start: the records restored, and the bytes of a torn last write dropped. */
  readonly restored: { records: number; droppedBytes: number } | undefined;
  /** Changes which platform key signs answers. */
  signWith(mode: SignWith): void;
  /** Changes settings (`signWith`, `refunds`). */
  configure(settings: Partial<Settings>): Settings;
  clearRequests(): void;
  /** The payer pays a NOTPAY order; optionally the platform notifies the order's `notify_url`. */
  pay(outTradeNo: string, options?: PayOptions): Promise<PayResult>;
  /** Closes a NOTPAY order, as the merchant's close call does. */
  closeOrder(outTradeNo: string, subMchid?: string): Record<string, unknown>;
  /** Settles a PROCESSING refund: SUCCESS, or ABNORMAL / CLOSED (a failure); `notify` delivers `REFUND.*` to its notify_url. */
  settleRefund(outRefundNo: string, status: 'SUCCESS' | 'ABNORMAL' | 'CLOSED', options?: { sub_mchid?: string; notify?: boolean }): Promise<{ refund: Record<string, unknown>; delivery?: Delivery }>;
  /** Sends one signed, encrypted notification to `url` (one attempt, no retries) and resolves with the receiver's answer. */
  notify(url: string, subject: NotificationSubject, options?: NotifyOptions): Promise<NotificationResult>;
  /** Sends an APIv2 (XML) notification to `url`: a paid order's payment result (signed) or a refund's result (`req_info` encrypted). */
  notifyV2(url: string, subject: { order: string; sub_mchid?: string } | { refund: string; sub_mchid?: string }, options?: NotifyV2Options): Promise<NotificationResult>;
  /** Every notification made, with its attempts (oldest first). */
  notifications(): Delivery[];
  /** Makes the next attempt of a pending (or failed) notification now. */
  retryNotification(id: string): Promise<Delivery>;
  /**
   * Every order, as its query endpoint shows it; with `detail`, also what its creation answered
   * (`code_url`, `h5_url` or `prepay_id`), `create_time`, the amount `refunded` and `sub_mchid`.
   */
  orders(options?: { detail?: boolean }): Array<Record<string, unknown>>;
  order(outTradeNo: string, subMchid?: string): Record<string, unknown> | undefined;
  /** Every refund, as its query endpoint shows it (with `sub_mchid` and `notify_url` when it has them). */
  refunds(): Array<Record<string, unknown>>;
  /** The coupon stocks and their codes. */
  coupons(): CouponStockView[];
  /** An uploaded file. */
  media(mediaId: string): StoredMedia | undefined;
  /** Listens to requests, state changes, faults and settings; returns the function that stops listening. */
  subscribe(listener: (event: SandboxEvent) => void): () => void;
  /** Forgets orders, refunds, coupon codes, notifications, media, bills, pending faults and the request log. */
  reset(): void;
  close(): Promise<void>;
}

const LOG_LIMIT = 1000;

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function checkedScale(value: number | undefined): number {
  const scale = value ?? 1;
  if (!Number.isFinite(scale) || scale <= 0 || scale > 1) throw new Error(`timeScale is a number above 0, at most 1 (got ${String(value)})`);
  return scale;
}

/** Starts a sandbox; resolves once it listens and `sandbox.json` is written. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const timeScale = checkedScale(options.timeScale);
  const timeout = options.notifyTimeout ?? DEFAULT_NOTIFY_TIMEOUT;
  if (!Number.isSafeInteger(timeout) || timeout < 1) throw new Error('notifyTimeout is a whole number of milliseconds, 1 or more');
  const temporary = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'wechatpay-sandbox-'));
  const state = new SandboxState();
  let identity: Identity;
  let restored: Sandbox['restored'];
  try {
    ({ identity } = await ensureIdentity(dir, options.mchid));
    if (options.persist ?? !temporary) {
      const { loaded, dropped } = state.persistIn(identity.dir);
      restored = { records: loaded, droppedBytes: dropped };
    }
  } catch (error) {
    if (temporary) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const data = loadData();
  const faults = new Faults();
  const log: RequestRecord[] = [];
  let seq = 0;
  const settings: Settings = { signWith: options.signWith ?? 'certificate', refunds: options.refunds ?? 'succeed' };
  if (settings.refunds !== 'succeed' && settings.refunds !== 'manual') throw new Error('refunds is "succeed" or "manual"');
  /** Known once the server listens. */
  const where: { baseURL: string; config?: SandboxConfig } = { baseURL: '' };
  const listeners = new Set<(event: SandboxEvent) => void>();
  const emit = (event: SandboxEvent) => {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // a listener's failure is its own
      }
    }
  };
  state.onChange = (change) => emit({ type: 'state', change });
  faults.onChange = () => emit({ type: 'faults' });

  const deliveries = new Deliveries(identity, settings, state, { timeScale, timeout });
  const runtime: Runtime = { identity, data, state, settings, baseURL: () => where.baseURL, deliveries };

  const findOrder = (outTradeNo: string, subMchid?: string): [string, Order] => {
    const key = orderKey(identity.mchid, subMchid, outTradeNo);
    const order = state.orders.get(key);
    if (!order) throw new Error(`No order ${outTradeNo}${subMchid ? ` of sub-merchant ${subMchid}` : ''} in the sandbox`);
    return [key, order];
  };
  const findRefund = (outRefundNo: string, subMchid?: string): [string, Refund] => {
    const key = refundKey(identity.mchid, subMchid, outRefundNo);
    const refund = state.refunds.get(key);
    if (!refund) throw new Error(`No refund ${outRefundNo} in the sandbox`);
    return [key, refund];
  };
  const refundNotification = (refund: Refund): NotificationInput => {
    const shown = refundOf(refund);
    const amount = shown['amount'] as Record<string, unknown>;
    return {
      event_type: refund.status === 'ABNORMAL' ? 'REFUND.ABNORMAL' : refund.status === 'CLOSED' ? 'REFUND.CLOSED' : 'REFUND.SUCCESS',
      resource: {
        mchid: refund.mchid, ...(refund.sub_mchid ? { sub_mchid: refund.sub_mchid } : {}),
        out_trade_no: refund.out_trade_no, transaction_id: refund.transaction_id, out_refund_no: refund.out_refund_no,
        refund_id: refund.refund_id, refund_status: refund.status, ...(refund.success_time ? { success_time: refund.success_time } : {}),
        user_received_account: shown['user_received_account'],
        amount: { total: amount['total'], refund: amount['refund'], payer_total: amount['payer_total'], payer_refund: amount['payer_refund'] },
      },
    };
  };

  const subjectOf = (subject: NotificationSubject): NotificationInput => {
    if ('order' in subject) {
      const [, order] = findOrder(subject.order, subject.sub_mchid);
      if (order.transaction_id === undefined) throw new Error(`Order ${subject.order} is ${order.trade_state}: only a paid order is notified`);
      return { event_type: 'TRANSACTION.SUCCESS', resource: transactionOf(order) };
    }
    if ('refund' in subject) return refundNotification(findRefund(subject.refund, subject.sub_mchid)[1]);
    return subject;
  };

  const sandbox: Sandbox = {
    get baseURL() {
      return where.baseURL;
    },
    get config() {
      return where.config!;
    },
    dir,
    platform: { serial: identity.platformCertificate.id, publicKeyId: identity.platformPublicKey.id },
    faults,
    certificates: sandboxCertificates(identity),
    get requests() {
      return log.slice();
    },
    get settings() {
      return { ...settings };
    },
    delivery: { timeScale, timeout },
    get stateFolder() {
      return state.folder;
    },
    restored,
    signWith(mode) {
      sandbox.configure({ signWith: mode });
    },
    configure(changes) {
      if (changes.signWith !== undefined && changes.signWith !== 'certificate' && changes.signWith !== 'public-key') throw new Error('signWith is "certificate" or "public-key"');
      if (changes.refunds !== undefined && changes.refunds !== 'succeed' && changes.refunds !== 'manual') throw new Error('refunds is "succeed" or "manual"');
      if (changes.signWith !== undefined) settings.signWith = changes.signWith;
      if (changes.refunds !== undefined) settings.refunds = changes.refunds;
      emit({ type: 'settings', settings: { ...settings } });
      return { ...settings };
    },
    clearRequests() {
      log.length = 0;
    },
    async pay(outTradeNo, payOptions = {}) {
      const order = payOrder(runtime, outTradeNo, payOptions);
      state.flush();
      const transaction = transactionOf(order);
      if (!payOptions.notify) return { transaction };
      const first = await deliveries.deliver({
        url: order.notify_url, input: { event_type: 'TRANSACTION.SUCCESS', resource: transaction },
        subject: { out_trade_no: order.out_trade_no, ...(order.sub_mchid ? { sub_mchid: order.sub_mchid } : {}) },
      });
      return { transaction, delivery: structuredClone(first.delivery), ...(first.result ? { notification: first.result } : {}) };
    },
    closeOrder(outTradeNo, subMchid) {
      const [key, order] = findOrder(outTradeNo, subMchid);
      try {
        closeOrder(runtime, key, order);
      } catch (error) {
        throw new Error(`Order ${outTradeNo} is ${order.trade_state}: ${(error as Error).message}`, { cause: error });
      }
      state.flush();
      return transactionOf(order);
    },
    async settleRefund(outRefundNo, status, settleOptions = {}) {
      const [key, refund] = findRefund(outRefundNo, settleOptions.sub_mchid);
      settleRefund(runtime, key, refund, status);
      state.flush();
      const shown = { ...refundOf(refund), ...(refund.notify_url ? { notify_url: refund.notify_url } : {}) };
      if (!settleOptions.notify || !refund.notify_url) return { refund: shown };
      const first = await deliveries.deliver({
        url: refund.notify_url, input: refundNotification(refund),
        subject: { out_trade_no: refund.out_trade_no, out_refund_no: refund.out_refund_no, ...(refund.sub_mchid ? { sub_mchid: refund.sub_mchid } : {}) },
      });
      return { refund: shown, delivery: structuredClone(first.delivery) };
    },
    async notify(url, subject, notifyOptions = {}) {
      const input = subjectOf(subject);
      const first = await deliveries.deliver({
        url, input, retries: false, tweak: tweakOf(notifyOptions.fault), ...(notifyOptions.fault ? { fault: notifyOptions.fault } : {}),
        ...('order' in subject ? { subject: { out_trade_no: subject.order } } : 'refund' in subject ? { subject: { out_refund_no: subject.refund } } : {}),
      });
      if (first.result) return first.result;
      throw first.error ?? new Error(`The notification to ${url} got no answer`);
    },
    notifyV2(url, subject, notifyOptions = {}) {
      try {
        let body: string;
        if ('order' in subject) {
          const order = state.orders.get(orderKey(identity.mchid, subject.sub_mchid, subject.order));
          if (!order) throw new Error(`No order ${subject.order} in the sandbox`);
          body = paymentNotificationV2(identity, order, notifyOptions);
        } else {
          const refund = state.refunds.get(refundKey(identity.mchid, subject.sub_mchid, subject.refund));
          if (!refund) throw new Error(`No refund ${subject.refund} in the sandbox`);
          body = refundNotificationV2(identity, refund, state.orders.get(orderKey(refund.mchid, refund.sub_mchid, refund.out_trade_no)), notifyOptions);
        }
        return sendXmlNotification(url, body);
      } catch (error) {
        return Promise.reject(error);
      }
    },
    notifications: () => [...state.deliveries.values()].map((delivery) => structuredClone(delivery)),
    async retryNotification(id) {
      return structuredClone((await deliveries.retryNow(id)).delivery);
    },
    orders: (ordersOptions = {}) => [...state.orders.values()].map((order) => (ordersOptions.detail
      ? { ...transactionOf(order), ...order.prepay, create_time: order.create_time, refunded: order.refunded, ...(order.sub_mchid ? { sub_mchid: order.sub_mchid } : {}) }
      : transactionOf(order))),
    order(outTradeNo, subMchid) {
      const order = state.orders.get(orderKey(identity.mchid, subMchid, outTradeNo));
      return order && transactionOf(order);
    },
    refunds: () => [...state.refunds.values()].map((refund) => ({
      ...refundOf(refund), ...(refund.sub_mchid ? { sub_mchid: refund.sub_mchid } : {}), ...(refund.notify_url ? { notify_url: refund.notify_url } : {}),
    })),
    coupons: () => [...state.coupons].map(([key, stock]) => {
      const [product, stockId] = key.split('|');
      return { product_coupon_id: product!, stock_id: stockId!, codes: [...stock.codes], uploads: stock.requests.size };
    }),
    media: (mediaId) => state.media.get(mediaId),
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reset() {
      deliveries.clear();
      state.reset();
      faults.clear();
      log.length = 0;
    },
    close: () => Promise.resolve(),
  };

  const router = new Router(data.endpoints);
  const pipeline = new Pipeline(runtime, router, new Validator(data));
  const server = createSandboxServer({
    runtime,
    pipeline,
    faults,
    record(entry) {
      const record: RequestRecord = { seq: ++seq, ...entry };
      log.push(record);
      if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
      options.onRequest?.(record);
      emit({ type: 'request', record });
    },
    control: controlHandler(sandbox, { endpoints: data.endpoints.length, behaviours: BEHAVIOUR_ROUTES, identity, host }),
    page: consoleHandler(sandbox, { identity, host }),
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    state.close();
    if (temporary) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  where.baseURL = `http://${urlHost(host)}:${port}/`;
  where.config = writeConfig(identity, where.baseURL);
  deliveries.resume();
  let closing: Promise<void> | undefined;
  sandbox.close = () => {
    closing ??= new Promise<void>((resolve) => {
      deliveries.close();
      listeners.clear();
      server.close(() => resolve());
      server.closeAllConnections();
    }).then(() => {
      state.close();
      if (temporary) rmSync(dir, { recursive: true, force: true });
    });
    return closing;
  };
  return sandbox;
}
