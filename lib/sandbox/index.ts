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
import { sendNotification } from './behaviours/notifications.js';
import { paymentNotificationV2, refundNotificationV2, sendXmlNotification, type NotifyV2Options } from './behaviours/notifications-v2.js';
import { payOrder, refundOf, transactionOf } from './behaviours/orders.js';
import type { NotificationInput, NotificationResult, Runtime } from './call.js';
import { controlHandler } from './control.js';
import { loadData } from './data.js';
import { Faults } from './faults.js';
import { ensureIdentity, writeConfig, type Identity, type SandboxConfig } from './identity.js';
import { Pipeline } from './pipeline.js';
import { Router } from './routes.js';
import { createSandboxServer, type RequestRecord } from './server.js';
import { tweakOf } from './server.js';
import type { SignWith } from './sign.js';
import { orderKey, refundKey, SandboxState, type StoredMedia } from './state.js';
import { Validator } from './validate.js';

export type { SandboxConfig } from './identity.js';
export type { Fault, PendingFault } from './faults.js';
export type { RequestRecord } from './server.js';
export type { SignWith } from './sign.js';
export type { NotificationInput, NotificationResult } from './call.js';
export type { NotifyV2Options } from './behaviours/notifications-v2.js';

export interface SandboxOptions {
  /** Default 0: a free port. */
  port?: number;
  /** Default `127.0.0.1`. The control API is unauthenticated: keep it on a loopback address. */
  host?: string;
  /**
   * Where the keys and `sandbox.json` live; made when missing, reused when present (same keys, same
   * serials, same APIv3 key and secret). Default: a temporary folder, removed by `close()`.
   */
  dir?: string;
  /** The merchant id of a new identity (default `1230000109`, the one most documented examples use). */
  mchid?: string;
  /** The platform key that signs answers: the certificate's (default) or the public key's. */
  signWith?: SignWith;
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
  /** Send `TRANSACTION.SUCCESS` to the order's `notify_url`. */
  notify?: boolean;
}

export interface Sandbox {
  /** `http://127.0.0.1:<port>/`. */
  readonly baseURL: string;
  /** The contents of `sandbox.json`: `Builder.factory(sandbox.config)`. */
  readonly config: SandboxConfig;
  /** The folder holding the keys and `sandbox.json`. */
  readonly dir: string;
  /** The platform's key ids (no secrets). */
  readonly platform: { serial: string; publicKeyId: string };
  /** Fault injection: `sandbox.faults.inject('bad-signature', 2)`. */
  readonly faults: Faults;
  /** The API requests handled so far (the last 1000). */
  readonly requests: RequestRecord[];
  readonly settings: { signWith: SignWith };
  /** Changes which platform key signs answers. */
  signWith(mode: SignWith): void;
  clearRequests(): void;
  /** The payer pays a NOTPAY order; optionally the platform notifies the order's `notify_url`. */
  pay(outTradeNo: string, options?: PayOptions): Promise<{ transaction: Record<string, unknown>; notification?: NotificationResult }>;
  /** Sends a signed, encrypted notification to `url` and resolves with the receiver's answer. */
  notify(url: string, subject: NotificationSubject, options?: NotifyOptions): Promise<NotificationResult>;
  /** Sends an APIv2 (XML) notification to `url`: a paid order's payment result (signed) or a refund's result (`req_info` encrypted). */
  notifyV2(url: string, subject: { order: string; sub_mchid?: string } | { refund: string; sub_mchid?: string }, options?: NotifyV2Options): Promise<NotificationResult>;
  /** Every order, as its query endpoint shows it. */
  orders(): Array<Record<string, unknown>>;
  order(outTradeNo: string, subMchid?: string): Record<string, unknown> | undefined;
  /** An uploaded file. */
  media(mediaId: string): StoredMedia | undefined;
  /** Forgets orders, refunds, coupon codes, media, bills, pending faults and the request log. */
  reset(): void;
  close(): Promise<void>;
}

const LOG_LIMIT = 1000;

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts a sandbox; resolves once it listens and `sandbox.json` is written. */
export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const host = options.host ?? '127.0.0.1';
  const temporary = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'wechatpay-sandbox-'));
  let identity: Identity;
  try {
    ({ identity } = await ensureIdentity(dir, options.mchid));
  } catch (error) {
    if (temporary) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const data = loadData();
  const state = new SandboxState();
  const faults = new Faults();
  const log: RequestRecord[] = [];
  const settings = { signWith: options.signWith ?? 'certificate' as SignWith };
  /** Known once the server listens. */
  const where: { baseURL: string; config?: SandboxConfig } = { baseURL: '' };

  const runtime: Runtime = {
    identity,
    data,
    state,
    settings,
    baseURL: () => where.baseURL,
    notify: (url, input) => sendNotification(identity, settings.signWith, url, input),
  };

  const subjectOf = (subject: NotificationSubject): NotificationInput => {
    if ('order' in subject) {
      const order = state.orders.get(orderKey(identity.mchid, subject.sub_mchid, subject.order));
      if (!order) throw new Error(`No order ${subject.order} in the sandbox`);
      if (order.transaction_id === undefined) throw new Error(`Order ${subject.order} is ${order.trade_state}: only a paid order is notified`);
      return { event_type: 'TRANSACTION.SUCCESS', resource: transactionOf(order) };
    }
    if ('refund' in subject) {
      const refund = state.refunds.get(refundKey(identity.mchid, subject.sub_mchid, subject.refund));
      if (!refund) throw new Error(`No refund ${subject.refund} in the sandbox`);
      const shown = refundOf(refund);
      const amount = shown['amount'] as Record<string, unknown>;
      return {
        event_type: 'REFUND.SUCCESS',
        resource: {
          mchid: refund.mchid, ...(refund.sub_mchid ? { sub_mchid: refund.sub_mchid } : {}),
          out_trade_no: refund.out_trade_no, transaction_id: refund.transaction_id, out_refund_no: refund.out_refund_no,
          refund_id: refund.refund_id, refund_status: refund.status, success_time: refund.success_time,
          user_received_account: shown['user_received_account'],
          amount: { total: amount['total'], refund: amount['refund'], payer_total: amount['payer_total'], payer_refund: amount['payer_refund'] },
        },
      };
    }
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
    get requests() {
      return log.slice();
    },
    get settings() {
      return { ...settings };
    },
    signWith(mode) {
      if (mode !== 'certificate' && mode !== 'public-key') throw new Error('signWith is "certificate" or "public-key"');
      settings.signWith = mode;
    },
    clearRequests() {
      log.length = 0;
    },
    async pay(outTradeNo, payOptions = {}) {
      const order = payOrder(runtime, outTradeNo, payOptions);
      const transaction = transactionOf(order);
      if (!payOptions.notify) return { transaction };
      const notification = await sendNotification(identity, settings.signWith, order.notify_url, { event_type: 'TRANSACTION.SUCCESS', resource: transaction });
      return { transaction, notification };
    },
    notify(url, subject, notifyOptions = {}) {
      let input: NotificationInput;
      try {
        input = subjectOf(subject);
      } catch (error) {
        return Promise.reject(error);
      }
      return sendNotification(identity, settings.signWith, url, input, tweakOf(notifyOptions.fault));
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
    orders: () => [...state.orders.values()].map(transactionOf),
    order(outTradeNo, subMchid) {
      const order = state.orders.get(orderKey(identity.mchid, subMchid, outTradeNo));
      return order && transactionOf(order);
    },
    media: (mediaId) => state.media.get(mediaId),
    reset() {
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
      log.push(entry);
      if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
      options.onRequest?.(entry);
    },
    control: controlHandler(sandbox, { endpoints: data.endpoints.length, behaviours: BEHAVIOUR_ROUTES }),
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
    if (temporary) rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  where.baseURL = `http://${urlHost(host)}:${port}/`;
  where.config = writeConfig(identity, where.baseURL);
  let closing: Promise<void> | undefined;
  sandbox.close = () => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }).then(() => {
      if (temporary) rmSync(dir, { recursive: true, force: true });
    });
    return closing;
  };
  return sandbox;
}
