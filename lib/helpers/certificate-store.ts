import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { CertificateError } from '../errors.js';

/** The verified platform certificates of one merchant, as a store keeps them (certificates are public: no secret here). */
export interface StoredCertificates {
  /** When they were downloaded, in milliseconds since the epoch. */
  downloadedAt: number;
  certificates: Array<{ serial: string; pem: string }>;
}

/**
 * Where automatic certificates keep what they downloaded, so that a fleet of processes shares one
 * download: before downloading, a client takes a fresh enough record from the store; after downloading,
 * it writes one. Keyed by merchant id, so one store serves several merchants without mixing them.
 */
export interface CertificateStore {
  get(mchid: string): StoredCertificates | undefined | Promise<StoredCertificates | undefined>;
  set(mchid: string, value: StoredCertificates): void | Promise<void>;
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
    if (!isStored(value)) throw new CertificateError('ECERT_STORE', `${path} is not a certificate record ({ downloadedAt, certificates: [{ serial, pem }] })`);
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

/** The shape of a record, as read back from anywhere. */
export function isStored(value: unknown): value is StoredCertificates {
  const record = value as Partial<StoredCertificates> | null;
  return typeof record === 'object' && record !== null && Number.isFinite(record.downloadedAt) && Array.isArray(record.certificates)
    && record.certificates.every((entry) => typeof entry?.serial === 'string' && typeof entry.pem === 'string');
}
