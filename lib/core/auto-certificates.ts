/**
 * Automatic platform certificates, per client (never shared between clients): a downloader (`GET
 * v3/certificates` through the client's own transport, checked by v3/certificates.ts), a store (shared
 * by a fleet if the caller wants), and a refresher that loads them before the first call, again on a
 * timer, and at once when an answer or a notification names a serial it does not know (rate-limited per
 * serial, with a bound on all look-ups together).
 */
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { ApiError, CertificateError, ConfigError, WechatpayError } from '../errors.js';
import {
  isStored, MemoryCertificateStore, openRecord, recordOf, type CertificateLock, type CertificateStore, type OpenedRecord, type StoredCertificates,
} from '../helpers/certificate-store.js';
import { headerOf } from '../util/headers.js';
import { openCertificates, type PlatformCertificate } from '../v3/certificates.js';
import { MAX_CLOCK_OFFSET, WECHATPAY_SERIAL, WECHATPAY_TIMESTAMP } from '../v3/verifier.js';
import type { PlatformKeySource, PlatformKeys, TrustedPlatformKeys } from '../v3/platform-keys.js';
import type { Transport } from './transport.js';

const DEFAULT_REFRESH_INTERVAL = 12 * 3600 * 1000;
const DEFAULT_MIN_INTERVAL = 60 * 1000;
/** How soon a failed scheduled refresh is tried again (unless the refresh interval is shorter). */
const RETRY_AFTER_FAILURE = 5 * 60 * 1000;
/** setTimeout's largest delay. */
const MAX_DELAY = 2 ** 31 - 1;
const MIN_SETTING = 1000;
/**
 * How long a fleet's download lock lasts (a store with `lock`): the longest its holder may take to download
 * and store, and the longest the others wait for its record before downloading themselves.
 */
const DOWNLOAD_LOCK_MS = 5000;
/** How often a process waiting for the lock holder's record reads the store. */
const LOCK_POLL_MS = 100;
/** The largest certificate download kept (a few certificates are a few KiB). */
const MAX_DOWNLOAD_BYTES = 1024 * 1024;
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
  /**
   * Where downloads are kept and shared (default: in this client's memory). See `FileCertificateStore`, and
   * `RedisCertificateStore` (`wechatpay-chain/redis`) for a fleet. A stored record is the signed download
   * itself: it is verified and decrypted as a download is, and one that fails is reported and replaced.
   */
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
  /** The answer as received, for the store (undefined when it could not be kept byte for byte). */
  record?: StoredCertificates | undefined;
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
  // The verified body as received, for the store: a sink gets the answer's bytes once they verified.
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      chunks.push(chunk);
      done(size > MAX_DOWNLOAD_BYTES ? new CertificateError('ECERT_ANSWER', `The platform certificate download is larger than ${MAX_DOWNLOAD_BYTES} bytes`) : null);
    },
  });
  try {
    // The caller's instance-wide status check and transforms are not for this call: a 2xx answer, as sent.
    const options = { validateStatus: (status: number) => status >= 200 && status < 300, transformResponse: [], sink };
    const response = await context.dispatch('get', 'v3/certificates', options, 'v3/certificates', { answerKeys });
    const raw = Buffer.concat(chunks);
    return {
      certificates: opened ?? openCertificates(parseJson(raw), checks),
      signedBy: headerOf(response.headers, WECHATPAY_SERIAL),
      record: recordOf(response.headers, raw, Date.now()),
    };
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

/** What one load brought: what `onRefresh` is told, the certificates, and when the platform signed them (ms). */
interface Loaded {
  result: CertificateDownload;
  certificates: PlatformCertificate[];
  signedAt: number;
}

/** A record of the store that verified, with its digest (which tells one record from the next). */
interface StoreRecord extends OpenedRecord {
  id: string;
}

/** The refresher of one client: the key source its transport verifies with. */
export class AutoCertificates implements PlatformKeySource {
  #inFlight: Promise<CertificateDownload> | undefined;
  #loaded = false;
  /** The last first load that failed (calls without any key rethrow it until `minInterval` has passed). */
  #failure: { error: unknown; at: number } | undefined;
  readonly #lookUps: LookUpLimit;
  /** When the platform signed what was loaded last (ms). */
  #loadedAt = -Infinity;
  /** The scheduled refresh; cleared by {@link DROPPED} once this refresher is collected. */
  readonly #timer: { pending: NodeJS.Timeout | undefined } = { pending: undefined };
  #stopped = false;
  /** The last record read from the store, by digest, with what checking it gave (undefined: refused). */
  #lastRead: { digest: string; opened: OpenedRecord | undefined } | undefined;

  constructor(
    private readonly trusted: TrustedPlatformKeys,
    private readonly settings: AutoCertificatesSettings,
    private readonly mchid: string,
    private readonly download: () => Promise<Downloaded>,
    /** What a stored record is checked with (as a download is). */
    private readonly opening: { apiv3Key: string; merchantSerial: string },
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
    let loaded: Loaded;
    try {
      loaded = reason === 'manual' ? await this.#fromPlatform() : await this.#shared(reason, serial);
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
    this.#loadedAt = loaded.signedAt;
    this.#schedule(this.settings.refreshInterval);
    const { onRefresh } = this.settings;
    if (onRefresh) this.#safely(() => onRefresh({ reason, ...loaded.result, added }));
    return loaded.result;
  }

  /**
   * The store's record when it serves this reason; else one download for the fleet when the store has a
   * lock: the process that takes it reads the store again (another may just have written) and downloads; the
   * others read the store until a new record is there, at most until the lock expires, then download themselves.
   * A store that fails is reported and left out: the download happens without it.
   */
  async #shared(reason: CertificateRefresh['reason'], serial: string | undefined): Promise<Loaded> {
    const first = await this.#readStore();
    if (first === 'unavailable') return this.#fromPlatform();
    if (first && this.#serves(first, reason, serial)) return this.#fromRecord(first);
    const { store } = this.settings;
    if (!store.lock) return this.#fromPlatform();
    const seen = first?.id;
    const giveUpAt = Date.now() + DOWNLOAD_LOCK_MS;
    for (;;) {
      let lock: CertificateLock;
      try {
        lock = await store.lock(this.mchid, DOWNLOAD_LOCK_MS);
      } catch (error) {
        this.#report(storeError('cannot take the download lock', error));
        return this.#fromPlatform();
      }
      if (lock.taken) {
        try {
          const fresh = await this.#readStore();
          if (fresh !== 'unavailable' && fresh && (fresh.id !== seen || this.#serves(fresh, reason, serial))) return this.#fromRecord(fresh);
          return await this.#fromPlatform();
        } finally {
          lock.release().catch((error: unknown) => this.#report(storeError('cannot release the download lock', error)));
        }
      }
      const waitUntil = Math.min(giveUpAt, Date.now() + lock.expiresIn);
      if (Date.now() >= waitUntil) return this.#fromPlatform();
      await new Promise((resolve) => setTimeout(resolve, Math.min(LOCK_POLL_MS, waitUntil - Date.now())));
      const stored = await this.#readStore();
      if (stored === 'unavailable') return this.#fromPlatform();
      if (stored && stored.id !== seen) return this.#fromRecord(stored);
    }
  }

  async #fromPlatform(): Promise<Loaded> {
    const { certificates, signedBy, record } = await this.download();
    const downloadedAt = new Date();
    if (record) {
      try {
        await this.settings.store.set(this.mchid, record);
      } catch (error) {
        this.#report(storeError('cannot be written', error));
      }
    }
    const signed = Number(record ? headerOf(record.headers, WECHATPAY_TIMESTAMP) : undefined) * 1000;
    return {
      result: { source: 'download', downloadedAt, ...(signedBy ? { signedBy } : {}), certificates: certificates.map(info) },
      certificates,
      signedAt: Number.isFinite(signed) ? signed : downloadedAt.getTime(),
    };
  }

  #fromRecord(record: StoreRecord): Loaded {
    return {
      result: { source: 'store', downloadedAt: new Date(record.signedAt), signedBy: record.signedBy, certificates: record.certificates.map(info) },
      certificates: record.certificates,
      signedAt: record.signedAt,
    };
  }

  /** Whether a record (fresh, verified) does for this reason: for the timer, newer than what is loaded; for a serial, holding it. */
  #serves(record: StoreRecord, reason: CertificateRefresh['reason'], serial: string | undefined): boolean {
    if (reason === 'timer') return record.signedAt > this.#loadedAt;
    if (reason === 'unknown-serial') return record.certificates.some((certificate) => certificate.serial === serial);
    return true;
  }

  /**
   * The store's record, verified and decrypted as a download is, if it is younger than `refreshInterval`:
   * undefined when there is none (or it is too old, or it fails its checks: reported once per record, and
   * replaced by the next download); `unavailable` when the store fails (reported).
   */
  async #readStore(): Promise<StoreRecord | undefined | 'unavailable'> {
    let record: unknown;
    try {
      record = await this.settings.store.get(this.mchid);
    } catch (error) {
      this.#report(storeError('cannot be read', error));
      return 'unavailable';
    }
    if (record === undefined || record === null) return undefined;
    const digest = createHash('sha256').update(JSON.stringify(record)).digest('hex');
    if (this.#lastRead?.digest !== digest) this.#lastRead = { digest, opened: this.#open(record) };
    const opened = this.#lastRead.opened;
    if (opened === undefined) return undefined;
    const now = Date.now();
    const certificates = opened.certificates.filter((certificate) => certificate.validTo.getTime() >= now);
    if (now - opened.signedAt >= this.settings.refreshInterval || certificates.length === 0) return undefined;
    return { ...opened, certificates, id: digest };
  }

  #open(record: unknown): OpenedRecord | undefined {
    try {
      if (!isStored(record)) throw new Error('it is not a record of a download ({ downloadedAt, headers, body })');
      return openRecord(record, { ...this.opening, trusted: this.trusted.current().byId, maxClockOffset: MAX_CLOCK_OFFSET });
    } catch (error) {
      this.#report(storeError('holds a record that is refused (it is ignored, and replaced by the next download)', error));
      return undefined;
    }
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
class LookUpLimit {
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
