/** The sandbox's public shapes: its options, what its operations take and give, and the `Sandbox` itself. */
import type { ClockView } from './behaviours/clock.js';
import type { NotifyV2Options } from './behaviours/notifications-v2.js';
import type { ConfirmOptions } from './behaviours/transfers.js';
import type { NotificationInput, NotificationResult, Settings } from './call.js';
import type { SandboxCertificates } from './certificate-control.js';
import type { Faults } from './faults.js';
import type { SandboxConfig } from './identity.js';
import type { ConnectionLimits, RequestRecord } from './server.js';
import type { SignWith } from './sign.js';
import type { Delivery, StateChange, StoredMedia } from './state.js';

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
  /** Bounds on connections: idle keep-alive, headers and request timeouts, connections at once (server.ts). */
  limits?: Partial<ConnectionLimits>;
  /**
   * Deliver every notification to this URL instead of the `notify_url` it names (which usually names the public
   * production host): the CLI's `sandbox --forward-to http://127.0.0.1:3000/notify`.
   */
  forwardTo?: string;
  /**
   * Start this sandbox as the backup host of another (the platform's `api2` domain): its own address, faults and
   * request log, serving the other's platform (keys, orders, settings). Other options but `port` and `host` are ignored.
   */
  backupOf?: Sandbox;
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
  /** Business time (`now`, RFC 3339), how far it is ahead of real time, and what is due on it. */
  clock(): ClockView;
  /** Moves business time `seconds` on; resolves once everything due on the way has happened (docs/sandbox.md#the-clock). */
  advanceClock(seconds: number): Promise<ClockView>;
  /** The payee confirms (`accept: true`) or declines a WAIT_USER_CONFIRM transfer bill; a decline ends it FAIL and notifies. */
  confirmTransfer(outBillNo: string, options: ConfirmOptions): Promise<{ bill: Record<string, unknown>; delivery?: Delivery }>;
  /** The payer pays a combined order (every sub-order at once); `notify` delivers its TRANSACTION.SUCCESS. */
  payCombine(combineOutTradeNo: string, options?: { openid?: string; notify?: boolean }): Promise<{ combine: Record<string, unknown>; delivery?: Delivery }>;
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
  /**
   * Refuses connections (closes its port, drops open connections) for `ms` milliseconds, or until `reachable()`:
   * a client sees ECONNREFUSED, as when the platform's host cannot be reached.
   */
  unreachable(ms?: number): Promise<void>;
  /** Listens again on the same port after `unreachable()`. */
  reachable(): Promise<void>;
  close(): Promise<void>;
}
