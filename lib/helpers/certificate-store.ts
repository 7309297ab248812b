import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { CertificateError } from '../errors.js';
import { headerOf, type HeaderBag } from '../util/headers.js';
import { openCertificates, type PlatformCertificate } from '../v3/certificates.js';
import { verifySigned, WECHATPAY_NONCE, WECHATPAY_SERIAL, WECHATPAY_SIGNATURE, WECHATPAY_TIMESTAMP, type VerificationKeys } from '../v3/verifier.js';

/**
 * A platform certificate download as a store keeps it: the signed answer itself (its signature headers and
 * its body, as the platform sent them), so that whoever reads it verifies and decrypts it as a fresh download
 * (nothing secret in it: the certificates are encrypted with the APIv3 key, which never leaves the client).
 */
export interface StoredCertificates {
  /** When it was downloaded, in milliseconds since the epoch (for people; the signed `Wechatpay-Timestamp` is what counts). */
  downloadedAt: number;
  /** The answer's `Wechatpay-Timestamp`, `Wechatpay-Nonce`, `Wechatpay-Serial` and `Wechatpay-Signature`. */
  headers: Record<string, string>;
  /** The answer's body, the JSON text exactly as received. */
  body: string;
}

/** The fleet's download lock, as a shared store grants it: taken by this process, or held by another. */
export type CertificateLock =
  | { readonly taken: true; /** Frees the lock if this process still holds it. */ release(): Promise<void> }
  | { readonly taken: false; /** Milliseconds until the holder's lock expires at the latest. */ readonly expiresIn: number };

/**
 * Where automatic certificates keep what they downloaded, so that a fleet of processes shares one
 * download: before downloading, a client takes a fresh enough record from the store, verified and
 * decrypted as a download is; after downloading, it writes one. Keyed by merchant id, so one store serves
 * several merchants without mixing them.
 */
export interface CertificateStore {
  get(mchid: string): StoredCertificates | undefined | Promise<StoredCertificates | undefined>;
  set(mchid: string, value: StoredCertificates): void | Promise<void>;
  /**
   * Optional, for a store a fleet shares: takes the merchant's download lock for `ttlMs` (it expires by
   * itself if its holder dies). The holder downloads; the others wait for its record, at most until the
   * lock expires, then download themselves. Without it, each process that finds no record downloads.
   */
  lock?(mchid: string, ttlMs: number): Promise<CertificateLock>;
}

/** The default store: this process only. */
export class MemoryCertificateStore implements CertificateStore {
  readonly #records = new Map<string, StoredCertificates>();

  get(mchid: string): StoredCertificates | undefined {
    return this.#records.get(mchid);
  }

  set(mchid: string, value: StoredCertificates): void {
    this.#records.set(mchid, value);
  }
}

/**
 * A store in a folder shared by the processes of one machine (or a shared volume):
 * `<folder>/wechatpay-certificates-<mchid>.json`, replaced atomically (written aside, then renamed).
 */
export class FileCertificateStore implements CertificateStore {
  constructor(readonly folder: string) {
    if (typeof folder !== 'string' || folder === '') throw new CertificateError('ECERT_STORE', 'FileCertificateStore needs a folder path');
  }

  async get(mchid: string): Promise<StoredCertificates | undefined> {
    const path = this.#path(mchid);
    let text: string;
    try {
      text = await fsp.readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new CertificateError('ECERT_STORE', `${path} cannot be read: ${(error as Error).message}`, { cause: error });
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new CertificateError('ECERT_STORE', `${path} is not JSON`, { cause: error });
    }
    if (!isStored(value)) throw new CertificateError('ECERT_STORE', `${path} is not a certificate record (${RECORD_SHAPE})`);
    return value;
  }

  async set(mchid: string, value: StoredCertificates): Promise<void> {
    const path = this.#path(mchid);
    const aside = join(this.folder, `.wechatpay-certificates-${mchid}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await fsp.mkdir(this.folder, { recursive: true });
      await fsp.writeFile(aside, `${JSON.stringify(value, null, 2)}\n`, { flag: 'wx', mode: 0o644 });
      await fsp.rename(aside, path);
    } catch (error) {
      await fsp.rm(aside, { force: true }).catch(() => undefined);
      throw new CertificateError('ECERT_STORE', `${path} cannot be written: ${(error as Error).message}`, { cause: error });
    }
  }

  #path(mchid: string): string {
    if (!/^[0-9A-Za-z_-]{1,64}$/.test(mchid)) throw new CertificateError('ECERT_STORE', `the merchant id ${JSON.stringify(mchid)} cannot name a file`);
    return join(this.folder, `wechatpay-certificates-${mchid}.json`);
  }
}

const RECORD_SHAPE = '{ downloadedAt, headers, body }';
const SIGNED_HEADERS = [WECHATPAY_TIMESTAMP, WECHATPAY_NONCE, WECHATPAY_SERIAL, WECHATPAY_SIGNATURE];

/** The shape of a record, as read back from anywhere. */
export function isStored(value: unknown): value is StoredCertificates {
  const record = value as Partial<StoredCertificates> | null;
  return typeof record === 'object' && record !== null && Number.isFinite(record.downloadedAt) && typeof record.body === 'string'
    && typeof record.headers === 'object' && record.headers !== null
    && Object.values(record.headers).every((header) => typeof header === 'string');
}

/**
 * The record of a verified download: its signature headers and its body as received. Undefined when the
 * body is not UTF-8 text (it could not be kept as JSON text byte for byte, so it would never verify again).
 */
export function recordOf(headers: HeaderBag, raw: Buffer, downloadedAt: number): StoredCertificates | undefined {
  const body = raw.toString('utf8');
  if (!Buffer.from(body, 'utf8').equals(raw)) return undefined;
  const signed: Record<string, string> = {};
  for (const name of SIGNED_HEADERS) {
    const value = headerOf(headers, name);
    if (value !== undefined) signed[name] = value;
  }
  return { downloadedAt, headers: signed, body };
}

/** What {@link openRecord} checks a record with. */
export interface OpenRecordOptions {
  /** The APIv3 key: each certificate is encrypted with it. */
  apiv3Key: string;
  /** The merchant's own certificate serial, never trusted as the platform's. */
  merchantSerial: string;
  /** The keys the client trusts now; a record may also be signed by a certificate it carries, as a download may. */
  trusted: VerificationKeys;
  /** Seconds a record's signed time may be ahead of this machine's clock. */
  maxClockOffset: number;
  now?: number;
}

/** A record that verified: its certificates, when the platform signed it, and with which key. */
export interface OpenedRecord {
  certificates: PlatformCertificate[];
  /** The signed `Wechatpay-Timestamp`, in milliseconds. */
  signedAt: number;
  signedBy: string;
}

/**
 * A stored download checked as a fresh download is (wechatpay-php's bootstrap included): the certificates
 * decrypt with the APIv3 key and are the announced ones, and the signature verifies with a trusted key or
 * with a certificate of the same answer. Whoever can write the store cannot make a client trust a key: that
 * needs the APIv3 key and the platform's signature. The signed time says how old it is (the age is the
 * caller's to judge); a time ahead of the clock is refused. Throws `CertificateError` or `VerificationError`.
 */
export function openRecord(record: StoredCertificates, options: OpenRecordOptions): OpenedRecord {
  const now = options.now ?? Date.now();
  let answer: unknown;
  try {
    answer = JSON.parse(record.body);
  } catch (error) {
    throw new CertificateError('ECERT_STORE', 'The stored certificate download is not JSON', { cause: error });
  }
  const certificates = openCertificates(answer, { apiv3Key: options.apiv3Key, merchantSerial: options.merchantSerial, now: new Date(now) });
  const keys = new Map([...certificates.map((certificate) => [certificate.serial, certificate.key] as const), ...options.trusted]);
  const timestamp = headerOf(record.headers, WECHATPAY_TIMESTAMP) ?? '';
  // Its age is judged below and by the caller: the signature rules apply as of the moment it was signed.
  verifySigned({ headers: record.headers, raw: Buffer.from(record.body, 'utf8') }, { keys, now: () => Number(timestamp), subject: 'stored certificate download' });
  const signedAt = Number(timestamp) * 1000;
  if (signedAt - now > options.maxClockOffset * 1000) {
    throw new CertificateError('ECERT_STORE', `The stored certificate download is signed at ${new Date(signedAt).toISOString()}, ahead of this machine's clock`);
  }
  return { certificates, signedAt, signedBy: headerOf(record.headers, WECHATPAY_SERIAL)! };
}
