import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rsa, type RsaKeyInput } from '../crypto/rsa.js';
import { CertificateError, ConfigError } from '../errors.js';
import type { PlatformCertificate } from './certificates.js';
import { isPublicKeyId } from './verifier.js';

/** Platform certificate serials and/or public-key ids (`PUB_KEY_ID_...`) mapped to their public keys. */
export type CertsInput = Readonly<Record<string, RsaKeyInput>> | ReadonlyMap<string, RsaKeyInput>;

/** What `client.certificates.list()` tells of one trusted key (no key material). */
export interface PlatformKeyInfo {
  /** The certificate serial, or the `PUB_KEY_ID_...`. */
  id: string;
  kind: 'certificate' | 'public-key';
  /** `configured` (certs, setCerts) or `downloaded` (autoCertificates). */
  source: 'configured' | 'downloaded';
  validFrom?: Date;
  validTo?: Date;
}

interface PlatformKey {
  key: KeyObject;
  /** Set when the entry was given as an X.509 certificate. */
  validFrom?: Date;
  validTo?: Date;
  downloaded?: boolean;
}

/**
 * The platform's keys as one merchant trusts them: every entry verifies answers and notifications;
 * one of them encrypts sensitive fields (the public key if there is one, else the newest valid certificate).
 */
export class PlatformKeys {
  /** By id, for verification. */
  readonly byId: ReadonlyMap<string, KeyObject>;
  private readonly entries: ReadonlyMap<string, PlatformKey>;

  private constructor(entries: Map<string, PlatformKey>) {
    this.entries = entries;
    this.byId = new Map([...entries].map(([id, entry]) => [id, entry.key]));
  }

  /** Loads a `certs` setting: every entry a public key, none of them the merchant's own certificate. */
  static load(certs: CertsInput | undefined, merchantSerial: string, field = 'certs'): PlatformKeys {
    if (typeof certs !== 'object' || certs === null) {
      throw new ConfigError(field, 'is required: an object mapping platform certificate serials or PUB_KEY_ID_... to public keys');
    }
    const pairs = certs instanceof Map ? [...(certs as ReadonlyMap<string, RsaKeyInput>)] : Object.entries(certs);
    if (pairs.length === 0) {
      throw new ConfigError(field, 'is empty: without a platform certificate or public key no answer could be verified');
    }
    const entries = new Map<string, PlatformKey>();
    for (const [id, input] of pairs) {
      if (typeof id !== 'string' || id.trim() === '') throw new ConfigError(field, 'has an empty serial/public-key id');
      if (id.toUpperCase() === merchantSerial.toUpperCase()) {
        throw new ConfigError(`${field}["${id}"]`,
          "is the merchant's own certificate serial; certs holds the platform's certificates or public keys only");
      }
      entries.set(id, loadEntry(`${field}["${id}"]`, input));
    }
    return new PlatformKeys(entries);
  }

  /** Downloaded certificates beside configured keys (a configured entry wins over a downloaded one of the same id). */
  static combine(configured: PlatformKeys | undefined, certificates: Iterable<PlatformCertificate>): PlatformKeys {
    const entries = new Map<string, PlatformKey>();
    for (const { serial, key, validFrom, validTo } of certificates) entries.set(serial, { key, validFrom, validTo, downloaded: true });
    for (const [id, entry] of configured?.entries ?? []) entries.set(id, entry);
    return new PlatformKeys(entries);
  }

  /** How many keys are trusted. */
  get size(): number {
    return this.entries.size;
  }

  /** The trusted keys, described. */
  describe(): PlatformKeyInfo[] {
    return [...this.entries].map(([id, entry]) => ({
      id,
      kind: isPublicKeyId(id) ? 'public-key' : 'certificate',
      source: entry.downloaded ? 'downloaded' : 'configured',
      ...(entry.validFrom ? { validFrom: entry.validFrom } : {}),
      ...(entry.validTo ? { validTo: entry.validTo } : {}),
    }));
  }

  /** The key sensitive fields are encrypted with, and the id the request must name in `Wechatpay-Serial`. */
  encryptionKey(now = new Date()): { id: string; key: KeyObject } {
    const all = [...this.entries];
    if (all.length === 0) {
      throw new CertificateError('ECERT_NOT_READY', 'No platform certificate or public key is trusted yet: with autoCertificates, ' +
        '`await client.certificates.ready()` (or make any APIv3 call) before encrypting');
    }
    const publicKey = all.find(([id]) => isPublicKeyId(id));
    if (publicKey) return { id: publicKey[0], key: publicKey[1].key };
    const valid = all
      .filter(([, entry]) => !entry.validFrom || (entry.validFrom <= now && (!entry.validTo || now <= entry.validTo)))
      .sort(([, a], [, b]) => (b.validFrom?.getTime() ?? 0) - (a.validFrom?.getTime() ?? 0));
    const chosen = valid[0] ?? all[0]!;
    return { id: chosen[0], key: chosen[1].key };
  }
}

function loadEntry(field: string, input: RsaKeyInput): PlatformKey {
  let key: KeyObject;
  try {
    key = Rsa.from(input, 'public');
  } catch (error) {
    const reason = error instanceof Error ? error.message : 'unreadable';
    throw new ConfigError(field, `cannot be loaded as an RSA public key: ${reason}`, { cause: error });
  }
  const certificate = certificateOf(input);
  return certificate ? { key, validFrom: new Date(certificate.validFrom), validTo: new Date(certificate.validTo) } : { key };
}

/** The X.509 certificate an input holds, if it is one (only to learn its validity; the key came from `Rsa.from`). */
function certificateOf(input: RsaKeyInput): X509Certificate | undefined {
  if (input instanceof X509Certificate) return input;
  try {
    const text = typeof input === 'string' && input.startsWith('file://')
      ? readFileSync(fileURLToPath(input), 'utf8')
      : typeof input === 'string' || input instanceof Uint8Array ? Buffer.from(input).toString('utf8') : '';
    return text.includes('-----BEGIN CERTIFICATE-----') ? new X509Certificate(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Where a client's transport gets the keys it verifies with: {@link TrustedPlatformKeys} alone, or the
 * automatic certificates (core/auto-certificates.ts), which also download them when they are missing.
 */
export interface PlatformKeySource {
  current(): PlatformKeys;
  /** Resolves once the keys a first call needs are there. */
  ready?(): Promise<void>;
  /** An answer or a notification names `serial`, which `current()` lacks: look for it (rate-limited); never rejects. */
  lookUp?(serial: string): Promise<void>;
}

/**
 * The platform keys one client trusts right now: the configured ones (`certs`; `client.setCerts` replaces
 * them, with the same checks as `Builder.factory`) and the downloaded certificates, each trusted until it expires.
 */
export class TrustedPlatformKeys implements PlatformKeySource {
  #configured: PlatformKeys | undefined;
  readonly #downloaded = new Map<string, PlatformCertificate>();
  #current!: PlatformKeys;
  /** When the next downloaded certificate expires (then `current()` leaves it out). */
  #staleAt = Infinity;

  constructor(configured: PlatformKeys | undefined, private readonly merchantSerial: string) {
    this.#configured = configured;
    this.#rebuild();
  }

  current(): PlatformKeys {
    if (Date.now() > this.#staleAt) this.#rebuild();
    return this.#current;
  }

  replace(certs: CertsInput): void {
    this.#configured = PlatformKeys.load(certs, this.merchantSerial);
    this.#rebuild();
  }

  /** Trusts downloaded certificates beside those already trusted; returns the serials that are new. */
  adopt(certificates: readonly PlatformCertificate[]): string[] {
    const added: string[] = [];
    for (const certificate of certificates) {
      if (!this.#downloaded.has(certificate.serial)) added.push(certificate.serial);
      this.#downloaded.set(certificate.serial, certificate);
    }
    this.#rebuild();
    return added;
  }

  /** The downloaded certificates still trusted (not expired), newest first. */
  downloaded(): PlatformCertificate[] {
    this.current();
    return [...this.#downloaded.values()].sort((a, b) => b.validFrom.getTime() - a.validFrom.getTime());
  }

  #rebuild(): void {
    const now = Date.now();
    for (const [serial, certificate] of this.#downloaded) {
      if (certificate.validTo.getTime() < now) this.#downloaded.delete(serial);
    }
    this.#staleAt = Math.min(Infinity, ...[...this.#downloaded.values()].map((certificate) => certificate.validTo.getTime()));
    this.#current = PlatformKeys.combine(this.#configured, this.#downloaded.values());
  }
}
