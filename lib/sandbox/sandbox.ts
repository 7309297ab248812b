/**
 * A running sandbox: its parts (identity, state, settings, faults, deliveries, request log, events,
 * HTTP server) held together, the operations delegated to the behaviours that own them, and a `close()`
 * that stops them in order. `startSandbox()` (index.ts) is `RunningSandbox.start()`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { couponsView } from './behaviours/coupons.js';
import type { NotifyV2Options } from './behaviours/notifications-v2.js';
import { advanceClock, clockView, resumeClock, type ClockView } from './behaviours/clock.js';
import { payCombine } from './behaviours/combine.js';
import { confirmTransfer, type ConfirmOptions } from './behaviours/transfers.js';
import { deliveriesView, notify, notifyV2, retry } from './behaviours/notifier.js';
import { close, orderView, ordersView, pay, refundsView, settle, type SettleStatus } from './behaviours/payer.js';
import type { NotificationResult, Runtime, Settings } from './call.js';
import { notifyTimeoutOf, refundsModeOf, settingsChanges, signWithOf, timeScaleOf } from './checks.js';
import { consoleHandler } from './console.js';
import { controlHandler, type SandboxParts } from './control.js';
import { CONTROL_ROUTES } from './control-routes.js';
import { sandboxCertificates, type SandboxCertificates } from './certificate-control.js';
import { loadData } from './data.js';
import { DEFAULT_NOTIFY_TIMEOUT, Deliveries } from './deliveries.js';
import { EventHub } from './events.js';
import { Faults } from './faults.js';
import { ensureIdentity, writeConfig, type Identity, type SandboxConfig } from './identity.js';
import { Pipeline } from './pipeline.js';
import { RequestLog } from './request-log.js';
import { Router } from './routes.js';
import { connectionLimits, createSandboxServer, type RequestRecord } from './server.js';
import type { SignWith } from './sign.js';
import { SandboxState, type Delivery, type StoredMedia } from './state.js';
import type { CouponStockView, NotificationSubject, NotifyOptions, PayOptions, PayResult, Sandbox, SandboxEvent, SandboxOptions } from './types.js';
import { Validator } from './validate.js';

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Where a sandbox keeps its files, and whether they go when it closes. */
interface Folder {
  dir: string;
  temporary: boolean;
}

export class RunningSandbox implements Sandbox {
  readonly dir: string;
  readonly platform: { serial: string; publicKeyId: string };
  readonly faults: Faults;
  readonly certificates: SandboxCertificates;
  readonly delivery: { timeScale: number; timeout: number };
  readonly restored: { records: number; droppedBytes: number } | undefined;
  readonly #parts: SandboxParts;
  readonly #folder: Folder;
  readonly #server: Server;
  #baseURL = '';
  #config: SandboxConfig | undefined;
  #closing: Promise<void> | undefined;
  /** Set on a backup host (`backupOf`): the sandbox whose platform it serves. */
  readonly #primary: RunningSandbox | undefined;
  #listenOn: { port: number; host: string } | undefined;
  #reopen: NodeJS.Timeout | undefined;

  /** Starts a sandbox; resolves once it listens and `sandbox.json` is written. */
  static async start(options: SandboxOptions = {}): Promise<RunningSandbox> {
    if (options.backupOf !== undefined) return RunningSandbox.#startBackup(options.backupOf, options);
    const host = options.host ?? '127.0.0.1';
    const timeScale = timeScaleOf(options.timeScale);
    const timeout = notifyTimeoutOf(options.notifyTimeout, DEFAULT_NOTIFY_TIMEOUT);
    const settings: Settings = { signWith: signWithOf(options.signWith ?? 'certificate'), refunds: refundsModeOf(options.refunds ?? 'succeed') };
    connectionLimits(options.limits);
    const folder: Folder = { dir: options.dir ?? mkdtempSync(join(tmpdir(), 'wechatpay-sandbox-')), temporary: options.dir === undefined };
    const state = new SandboxState();
    let identity: Identity;
    let restored: RunningSandbox['restored'];
    try {
      ({ identity } = await ensureIdentity(folder.dir, options.mchid));
      if (options.persist ?? !folder.temporary) {
        const { loaded, dropped } = state.persistIn(identity.dir);
        restored = { records: loaded, droppedBytes: dropped };
      }
    } catch (error) {
      if (folder.temporary) rmSync(folder.dir, { recursive: true, force: true });
      throw error;
    }
    const sandbox = new RunningSandbox(options, host, folder, identity, state, settings, { timeScale, timeout }, restored);
    try {
      await sandbox.#open(options.port ?? 0, host);
    } catch (error) {
      state.close();
      if (folder.temporary) rmSync(folder.dir, { recursive: true, force: true });
      throw error;
    }
    sandbox.#config = writeConfig(identity, sandbox.#baseURL);
    sandbox.#parts.runtime.deliveries.resume();
    resumeClock(sandbox.#parts.runtime);
    return sandbox;
  }

  /**
   * A backup host of `primary` (the platform's api2 domain): its own address, faults and request log, over the
   * primary's platform (keys, orders, settings), so an order created through either is one order.
   */
  static async #startBackup(primary: Sandbox, options: SandboxOptions): Promise<RunningSandbox> {
    if (!(primary instanceof RunningSandbox) || primary.#primary !== undefined) {
      throw new TypeError('backupOf must be a sandbox started by startSandbox() (not itself a backup host)');
    }
    const host = options.host ?? primary.#parts.host;
    const { runtime } = primary.#parts;
    const sandbox = new RunningSandbox(options, host, { dir: primary.dir, temporary: false }, runtime.identity, runtime.state, runtime.settings,
      primary.delivery, undefined, primary);
    await sandbox.#open(options.port ?? 0, host);
    sandbox.#config = { ...primary.config, baseURL: sandbox.#baseURL };
    return sandbox;
  }

  /** Listens on `port` (0: any free one) and `host`; the port it got is kept for `reachable()`. */
  async #open(port: number, host: string): Promise<void> {
    const bound = await listen(this.#server, port, host);
    this.#listenOn = { port: bound, host };
    this.#baseURL = `http://${urlHost(host)}:${bound}/`;
  }

  private constructor(
    options: SandboxOptions, host: string, folder: Folder, identity: Identity, state: SandboxState, settings: Settings,
    delivery: { timeScale: number; timeout: number }, restored: RunningSandbox['restored'], primary?: RunningSandbox,
  ) {
    this.#primary = primary;
    this.dir = folder.dir;
    this.#folder = folder;
    this.platform = { serial: identity.platformCertificate.id, publicKeyId: identity.platformPublicKey.id };
    this.faults = new Faults();
    this.certificates = sandboxCertificates(identity);
    this.delivery = delivery;
    this.restored = restored;
    const events = new EventHub();
    state.onChange = (change) => events.emit({ type: 'state', change });
    this.faults.onChange = () => events.emit({ type: 'faults' });
    const data = loadData();
    const runtime: Runtime = primary ? primary.#parts.runtime : {
      identity, data, state, settings, baseURL: () => this.#baseURL,
      deliveries: new Deliveries(identity, settings, state, { ...delivery, ...(options.forwardTo ? { forwardTo: options.forwardTo } : {}) }),
    };
    this.#parts = { runtime, faults: this.faults, certificates: this.certificates, log: new RequestLog(events, options.onRequest), events, host };
    this.#server = createSandboxServer({
      runtime,
      pipeline: new Pipeline(runtime, new Router(data.endpoints), new Validator(data)),
      faults: this.faults,
      record: (entry) => this.#parts.log.add(entry),
      control: controlHandler(this, this.#parts, CONTROL_ROUTES),
      page: consoleHandler(this, { identity, host }),
    }, connectionLimits(options.limits));
  }

  get baseURL(): string {
    return this.#baseURL;
  }

  get config(): SandboxConfig {
    return this.#config!;
  }

  get requests(): RequestRecord[] {
    return this.#parts.log.list();
  }

  get settings(): Settings {
    return { ...this.#parts.runtime.settings };
  }

  get stateFolder(): string | undefined {
    return this.#parts.runtime.state.folder;
  }

  signWith(mode: SignWith): void {
    this.configure({ signWith: mode });
  }

  configure(changes: Partial<Settings>): Settings {
    const checked = settingsChanges(changes);
    Object.assign(this.#parts.runtime.settings, checked);
    this.#parts.events.emit({ type: 'settings', settings: this.settings });
    return this.settings;
  }

  clearRequests(): void {
    this.#parts.log.clear();
  }

  pay(outTradeNo: string, options: PayOptions = {}): Promise<PayResult> {
    return pay(this.#parts.runtime, outTradeNo, options);
  }

  closeOrder(outTradeNo: string, subMchid?: string): Record<string, unknown> {
    return close(this.#parts.runtime, outTradeNo, subMchid);
  }

  clock(): ClockView {
    return clockView(this.#parts.runtime);
  }

  advanceClock(seconds: number): Promise<ClockView> {
    return advanceClock(this.#parts.runtime, seconds);
  }

  confirmTransfer(outBillNo: string, options: ConfirmOptions): Promise<{ bill: Record<string, unknown>; delivery?: Delivery }> {
    return confirmTransfer(this.#parts.runtime, outBillNo, options);
  }

  payCombine(combineOutTradeNo: string, options: { openid?: string; notify?: boolean } = {}): Promise<{ combine: Record<string, unknown>; delivery?: Delivery }> {
    return payCombine(this.#parts.runtime, combineOutTradeNo, options);
  }

  settleRefund(outRefundNo: string, status: SettleStatus, options: { sub_mchid?: string; notify?: boolean } = {}): Promise<{ refund: Record<string, unknown>; delivery?: Delivery }> {
    return settle(this.#parts.runtime, outRefundNo, status, options);
  }

  notify(url: string, subject: NotificationSubject, options: NotifyOptions = {}): Promise<NotificationResult> {
    return notify(this.#parts.runtime, url, subject, options);
  }

  notifyV2(url: string, subject: { order: string; sub_mchid?: string } | { refund: string; sub_mchid?: string }, options: NotifyV2Options = {}): Promise<NotificationResult> {
    return notifyV2(this.#parts.runtime, url, subject, options);
  }

  notifications(): Delivery[] {
    return deliveriesView(this.#parts.runtime);
  }

  retryNotification(id: string): Promise<Delivery> {
    return retry(this.#parts.runtime, id);
  }

  orders(options: { detail?: boolean } = {}): Array<Record<string, unknown>> {
    return ordersView(this.#parts.runtime, options);
  }

  order(outTradeNo: string, subMchid?: string): Record<string, unknown> | undefined {
    return orderView(this.#parts.runtime, outTradeNo, subMchid);
  }

  refunds(): Array<Record<string, unknown>> {
    return refundsView(this.#parts.runtime);
  }

  coupons(): CouponStockView[] {
    return couponsView(this.#parts.runtime);
  }

  media(mediaId: string): StoredMedia | undefined {
    return this.#parts.runtime.state.media.get(mediaId);
  }

  subscribe(listener: (event: SandboxEvent) => void): () => void {
    return this.#parts.events.subscribe(listener);
  }

  reset(): void {
    this.#parts.runtime.deliveries.clear();
    this.#parts.runtime.state.reset();
    resumeClock(this.#parts.runtime);
    this.faults.clear();
    this.#parts.log.clear();
  }

  async unreachable(ms?: number): Promise<void> {
    clearTimeout(this.#reopen);
    if (this.#server.listening) {
      await new Promise<void>((resolve) => {
        this.#server.close(() => resolve());
        this.#server.closeAllConnections();
      });
      // A client in this process sees its kept-alive connections close before it sends again (then: ECONNREFUSED).
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    if (ms !== undefined) this.#reopen = setTimeout(() => void this.reachable().catch(() => undefined), ms);
  }

  async reachable(): Promise<void> {
    clearTimeout(this.#reopen);
    if (this.#closing || this.#server.listening || !this.#listenOn) return;
    await listen(this.#server, this.#listenOn.port, this.#listenOn.host);
  }

  close(): Promise<void> {
    clearTimeout(this.#reopen);
    this.#closing ??= this.#stop();
    return this.#closing;
  }

  async #stop(): Promise<void> {
    // A backup host stops its own server only: the platform (keys, orders) is the primary's.
    const ownsPlatform = this.#primary === undefined;
    if (ownsPlatform) {
      this.#parts.runtime.state.clock.close();
      this.#parts.runtime.deliveries.close();
    }
    this.#parts.events.clear();
    await new Promise<void>((resolve) => {
      this.#server.close(() => resolve());
      this.#server.closeAllConnections();
    });
    if (!ownsPlatform) return;
    this.#parts.runtime.state.close();
    if (this.#folder.temporary) rmSync(this.#folder.dir, { recursive: true, force: true });
  }
}
