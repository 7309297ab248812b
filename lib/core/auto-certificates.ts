/**
 * Automatic platform certificates, per client (never shared between clients): a downloader (`GET
 * v3/certificates` through the client's own transport, checked by v3/certificates.ts), a store (shared
 * by a fleet if the caller wants), and a refresher that loads them before the first call, again on a
 * timer, and at once when an answer or a notification names a serial it does not know (rate-limited per
 * serial, with a bound on all look-ups together).
 */
import { ApiError, CertificateError, ConfigError, WechatpayError } from '../errors.js';
import { isStored, MemoryCertificateStore, type CertificateStore } from '../helpers/certificate-store.js';
import { headerOf } from '../util/headers.js';
import { openCertificates, platformCertificate, type PlatformCertificate } from '../v3/certificates.js';
import { WECHATPAY_SERIAL } from '../v3/verifier.js';
import type { PlatformKeySource, PlatformKeys, TrustedPlatformKeys } from './platform-keys.js';
import type { Transport } from './transport.js';

export const DEFAULT_REFRESH_INTERVAL = 12 * 3600 * 1000;
export const DEFAULT_MIN_INTERVAL = 60 * 1000;
/** How soon a failed scheduled refresh is tried again (unless the refresh interval is shorter). */
const RETRY_AFTER_FAILURE = 5 * 60 * 1000;
/** setTimeout's largest delay. */
const MAX_DELAY = 2 ** 31 - 1;
const MIN_SETTING = 1000;
/** The most look-ups of unknown serials in one `minInterval` window, whatever the serials: what a forged-serial flood can cost. */
export const LOOK_UPS_PER_WINDOW = 3;

/** `Builder.factory({ autoCertificates: { ... } })`. */
export interface AutoCertificatesOptions {
  /** Milliseconds between scheduled refreshes (default 12 h, each one ±10 % at random); at least 1000. */
  refreshInterval?: number;
  /**
   * The window, in milliseconds, of the look-ups asked for by answers or notifications signed with a serial
   * the client does not know (default 60 s; at least 1000): each serial is looked up at most once per window,
   * and at most {@link LOOK_UPS_PER_WINDOW} serials altogether, so forged serials cannot make it download in a loop.
   */
  minInterval?: number;
  /** Where downloads are kept and shared (default: in this client's memory). See `FileCertificateStore`. */
  store?: CertificateStore;
  /** Called after each refresh that succeeded. */
  onRefresh?: (event: CertificateRefresh) => void;
  /** Called when a refresh fails (the keys already trusted stay); default: a process warning. */
  onError?: (error: WechatpayError) => void;
}

/** A platform certificate as the client tells it (public data only). */
export interface PlatformCertificateInfo {
  serial: string;
  pem: string;
  validFrom: Date;
  validTo: Date;
}

/** What one load of the platform certificates brought. */
export interface CertificateDownload {
  /** `download`: from the platform; `store`: a record another process (or an earlier run) downloaded. */
  source: 'download' | 'store';
  downloadedAt: Date;
  /** The key id the download's answer was signed with (source `download`). */
  signedBy?: string;
  /** The certificates loaded, newest first. */
  certificates: PlatformCertificateInfo[];
}

/** What `onRefresh` is told. */
export interface CertificateRefresh extends CertificateDownload {
  reason: 'first-use' | 'timer' | 'unknown-serial' | 'manual';
  /** Serials trusted since this refresh. */
  added: string[];
}

/** Checked settings. */
export interface AutoCertificatesSettings {
  refreshInterval: number;
  minInterval: number;
  store: CertificateStore;
  onRefresh: ((event: CertificateRefresh) => void) | undefined;
  onError: ((error: WechatpayError) => void) | undefined;
}

const OPTION_NAMES = new Set(['refreshInterval', 'minInterval', 'store', 'onRefresh', 'onError']);

/** `autoCertificates` as configured, checked; undefined when it is off. */
export function loadAutoCertificates(value: unknown): AutoCertificatesSettings | undefined {
  if (value === undefined || value === false) return undefined;
  const options = value === true ? {} : value;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigError('autoCertificates', 'must be true, or { refreshInterval, minInterval, store, onRefresh, onError }');
  }
  const given = options as Record<string, unknown>;
  const unknown = Object.keys(given).filter((key) => !OPTION_NAMES.has(key));
  if (unknown.length) throw new ConfigError('autoCertificates', `has unknown setting${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
  const store = given['store'] ?? new MemoryCertificateStore();
  const { get, set } = store as Partial<CertificateStore>;
  if (typeof get !== 'function' || typeof set !== 'function') throw new ConfigError('autoCertificates.store', 'must have get(mchid) and set(mchid, value)');
  return {
    refreshInterval: milliseconds(given, 'refreshInterval', DEFAULT_REFRESH_INTERVAL),
    minInterval: milliseconds(given, 'minInterval', DEFAULT_MIN_INTERVAL),
    store: store as CertificateStore,
    onRefresh: callback(given, 'onRefresh') as AutoCertificatesSettings['onRefresh'],
    onError: callback(given, 'onError') as AutoCertificatesSettings['onError'],
  };
}

function milliseconds(options: Record<string, unknown>, name: string, fallback: number): number {
  const value = options[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < MIN_SETTING || value > MAX_DELAY) {
    throw new ConfigError(`autoCertificates.${name}`, `must be a number of milliseconds from ${MIN_SETTING} to ${MAX_DELAY}`);
  }
  return value;
}

function callback(options: Record<string, unknown>, name: string): unknown {
  const value = options[name];
  if (value !== undefined && typeof value !== 'function') throw new ConfigError(`autoCertificates.${name}`, 'must be a function');
  return value;
}

/** What a download brought, checked. */
export interface Downloaded {
  certificates: PlatformCertificate[];
  signedBy: string | undefined;
}

/** What the downloader needs of its client. */
export interface DownloaderContext {
  dispatch: Transport['dispatch'];
  mchid: string;
  merchantSerial: string;
  apiv3Key: string;
  /** The public-key ids the client trusts (for the message of a merchant without certificates). */
  publicKeyIds(): string[];
}

/**
 * `GET v3/certificates` through the client's transport (signed, its hooks run): the answer's signature is
 * checked with an already trusted key, or else with a certificate from the same answer (wechatpay-php's
 * bootstrap; each certificate is authenticated by the APIv3 key it is encrypted with).
 */
export async function downloadCertificates(context: DownloaderContext): Promise<Downloaded> {
  const checks = { apiv3Key: context.apiv3Key, merchantSerial: context.merchantSerial };
  let opened: PlatformCertificate[] | undefined;
  const answerKeys = (raw: Buffer) => {
    opened = openCertificates(parseJson(raw), checks);
    return new Map(opened.map((certificate) => [certificate.serial, certificate.key]));
  };
  try {
    // The caller's instance-wide status check and transforms are not for this call: a 2xx answer, as sent.
    const options = { validateStatus: (status: number) => status >= 200 && status < 300, transformResponse: [] };
    const response = await context.dispatch('get', 'v3/certificates', options, 'v3/certificates', { answerKeys });
    return { certificates: opened ?? openCertificates(response.data, checks), signedBy: headerOf(response.headers, WECHATPAY_SERIAL) };
  } catch (error) {
    if (error instanceof ApiError && error.status === 404 && error.code === 'RESOURCE_NOT_EXISTS') throw noCertificates(context, error);
    throw error;
  }
}

function noCertificates(context: DownloaderContext, cause: ApiError): CertificateError {
  const [publicKeyId] = context.publicKeyIds();
  const said = `Merchant ${context.mchid} has no platform certificates (GET v3/certificates answered 404 RESOURCE_NOT_EXISTS): ` +
    'the platform signs its answers with the WeChat Pay public key';
  return new CertificateError('ECERT_NONE', publicKeyId
    ? `${said}, and ${publicKeyId} is configured: answers verify with it; autoCertificates has nothing to download and can be turned off`
    : `${said}. Configure it instead: Builder.factory({ ..., certs: { 'PUB_KEY_ID_...': 'file:///path/to/pub_key.pem' } }) ` +
      '(the id and the file are in the merchant platform, 账户中心 > API安全 > 微信支付公钥)', { cause });
}

function parseJson(raw: Buffer): unknown {
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (error) {
    throw new CertificateError('ECERT_ANSWER', 'The platform certificate download is refused: the answer is not JSON', { cause: error });
  }
}

const info = ({ serial, pem, validFrom, validTo }: PlatformCertificate): PlatformCertificateInfo => ({ serial, pem, validFrom, validTo });

/** The refresher of one client: the key source its transport verifies with. */
export class AutoCertificates implements PlatformKeySource {
  #inFlight: Promise<CertificateDownload> | undefined;
  #loaded = false;
  /** The last first load that failed (calls without any key rethrow it until `minInterval` has passed). */
  #failure: { error: unknown; at: number } | undefined;
  readonly #lookUps: LookUpLimit;
  /** The `downloadedAt` of what was loaded last. */
  #loadedAt = -Infinity;
  /** The scheduled refresh; cleared by {@link DROPPED} once this refresher is collected. */
  readonly #timer: { pending: NodeJS.Timeout | undefined } = { pending: undefined };
  #stopped = false;

  constructor(
    private readonly trusted: TrustedPlatformKeys,
    private readonly settings: AutoCertificatesSettings,
    private readonly mchid: string,
    private readonly download: () => Promise<Downloaded>,
  ) {
    this.#lookUps = new LookUpLimit(settings.minInterval, LOOK_UPS_PER_WINDOW);
    DROPPED.register(this, this.#timer);
  }

  current(): PlatformKeys {
    return this.trusted.current();
  }

  /** Loads the certificates unless they are loaded; rejects only when the client has no key at all to verify with. */
  async ready(): Promise<void> {
    if (this.#loaded) return;
    const failure = this.#failure;
    if (failure) {
      if (this.#hasKeys()) return;
      if (Date.now() - failure.at < this.settings.minInterval) throw failure.error;
    }
    try {
      await this.#run('first-use');
    } catch (error) {
      if (!this.#hasKeys()) throw error;
    }
  }

  async lookUp(serial: string): Promise<void> {
    try {
      // One download at a time; the one under way may bring this serial too.
      while (this.#inFlight) await this.#inFlight.catch(() => undefined);
      if (this.trusted.current().byId.has(serial)) return;
      if (!this.#loaded && !this.#failure) return await this.ready();
      if (!this.#lookUps.admit(serial, Date.now())) return;
      await this.#run('unknown-serial', serial);
    } catch {
      // reported through onError; the answer is refused by the verifier
    }
  }

  /** Downloads now (sharing a download under way); rejects when it fails. */
  refresh(): Promise<CertificateDownload> {
    return this.#run('manual');
  }

  /** Ends the scheduled refreshes (answers with an unknown serial are still looked up). */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer.pending);
  }

  #hasKeys(): boolean {
    return this.trusted.current().size > 0;
  }

  #run(reason: CertificateRefresh['reason'], serial?: string): Promise<CertificateDownload> {
    this.#inFlight ??= this.#load(reason, serial).finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  async #load(reason: CertificateRefresh['reason'], serial: string | undefined): Promise<CertificateDownload> {
    let loaded: { result: CertificateDownload; certificates: PlatformCertificate[] };
    try {
      loaded = await this.#fromStore(reason, serial) ?? await this.#fromPlatform();
    } catch (error) {
      if (!this.#loaded) this.#failure = { error, at: Date.now() };
      const none = error instanceof CertificateError && error.code === 'ECERT_NONE';
      this.#schedule(none ? this.settings.refreshInterval : Math.min(this.settings.refreshInterval, RETRY_AFTER_FAILURE));
      const delivered = reason === 'manual' || (reason === 'first-use' && !this.#hasKeys());
      if (!delivered) this.#report(error);
      throw error;
    }
    const added = this.trusted.adopt(loaded.certificates);
    this.#loaded = true;
    this.#failure = undefined;
    this.#loadedAt = loaded.result.downloadedAt.getTime();
    this.#schedule(this.settings.refreshInterval);
    const { onRefresh } = this.settings;
    if (onRefresh) this.#safely(() => onRefresh({ reason, ...loaded.result, added }));
    return loaded.result;
  }

  async #fromPlatform(): Promise<{ result: CertificateDownload; certificates: PlatformCertificate[] }> {
    const { certificates, signedBy } = await this.download();
    const downloadedAt = new Date();
    try {
      await this.settings.store.set(this.mchid, { downloadedAt: downloadedAt.getTime(), certificates: certificates.map(({ serial, pem }) => ({ serial, pem })) });
    } catch (error) {
      this.#report(storeError('cannot be written', error));
    }
    return {
      result: { source: 'download', downloadedAt, ...(signedBy ? { signedBy } : {}), certificates: certificates.map(info) },
      certificates,
    };
  }

  /** A fresh record of the store, when it is of use for this reason. */
  async #fromStore(reason: CertificateRefresh['reason'], serial: string | undefined): Promise<{ result: CertificateDownload; certificates: PlatformCertificate[] } | undefined> {
    if (reason === 'manual') return undefined;
    let certificates: PlatformCertificate[];
    let downloadedAt: number;
    try {
      const record: unknown = await this.settings.store.get(this.mchid);
      if (record === undefined || record === null) return undefined;
      if (!isStored(record)) throw new Error('it is not { downloadedAt, certificates: [{ serial, pem }] }');
      downloadedAt = record.downloadedAt;
      const now = Date.now();
      certificates = record.certificates.map(({ pem, serial: id }) => platformCertificate(pem, id, 'the store'))
        .filter((certificate) => certificate.validTo.getTime() >= now);
      if (now - downloadedAt >= this.settings.refreshInterval || certificates.length === 0) return undefined;
    } catch (error) {
      this.#report(storeError('holds no usable record', error));
      return undefined;
    }
    if (reason === 'timer' && downloadedAt <= this.#loadedAt) return undefined;
    if (reason === 'unknown-serial' && !certificates.some((certificate) => certificate.serial === serial)) return undefined;
    return { result: { source: 'store', downloadedAt: new Date(downloadedAt), certificates: certificates.map(info) }, certificates };
  }

  #schedule(delay: number): void {
    clearTimeout(this.#timer.pending);
    if (this.#stopped) return;
    this.#timer.pending = scheduleRefresh(new WeakRef(this), Math.min(MAX_DELAY, Math.round(delay * (0.9 + Math.random() * 0.2))));
  }

  /** The timer's run (a method, so that the timer holds the refresher only weakly). @internal */
  tick(): void {
    this.#run('timer').catch(() => undefined);
  }

  #report(error: unknown): void {
    const failure = error instanceof WechatpayError ? error : new CertificateError('ECERT_ANSWER', String((error as Error)?.message ?? error), { cause: error });
    const { onError } = this.settings;
    if (onError) this.#safely(() => onError(failure));
    else process.emitWarning(`wechatpay-chain (merchant ${this.mchid}): ${failure.message}`, { type: 'WechatpayWarning', code: failure.code });
  }

  #safely(run: () => void): void {
    try {
      run();
    } catch (error) {
      process.emitWarning(`wechatpay-chain: an autoCertificates callback threw: ${(error as Error)?.message ?? String(error)}`, { type: 'WechatpayWarning' });
    }
  }
}

/**
 * The timer holds only a weak reference: a client nobody uses any more is collected, and {@link DROPPED}
 * then clears its timer.
 */
function scheduleRefresh(refresher: WeakRef<AutoCertificates>, delay: number): NodeJS.Timeout {
  const timer = setTimeout(() => refresher.deref()?.tick(), delay);
  timer.unref();
  return timer;
}

/** Clears the pending refresh of a refresher that was collected (the timer would otherwise wait out its delay). */
const DROPPED = new FinalizationRegistry<{ pending: NodeJS.Timeout | undefined }>((timer) => clearTimeout(timer.pending));

/**
 * Which look-ups of unknown serials may download: a serial at most once per window, and at most `bound`
 * serials per window altogether. It remembers only the serials admitted within the window (at most `bound`).
 */
export class LookUpLimit {
  /** Serial -> when it was admitted, oldest first. */
  readonly #admitted = new Map<string, number>();

  constructor(private readonly window: number, private readonly bound: number) {}

  admit(serial: string, now: number): boolean {
    for (const [seen, at] of this.#admitted) {
      if (now - at < this.window) break;
      this.#admitted.delete(seen);
    }
    if (this.#admitted.has(serial) || this.#admitted.size >= this.bound) return false;
    this.#admitted.set(serial, now);
    return true;
  }
}

function storeError(what: string, cause: unknown): CertificateError {
  if (cause instanceof CertificateError && cause.code === 'ECERT_STORE') return cause;
  return new CertificateError('ECERT_STORE', `The certificate store ${what}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
}
