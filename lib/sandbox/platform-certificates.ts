/**
 * The platform certificates over time, for the certificate lifecycle end to end: rotations (a new
 * certificate appears in `GET v3/certificates` at once; answers and notifications switch to its key at
 * the time chosen), retirements (a certificate leaves the list), and the public-key-only merchant (no
 * certificates: `v3/certificates` answers 404 `RESOURCE_NOT_EXISTS`, everything is signed with the public key).
 * Kept in memory beside the identity, for the life of the sandbox; the identity's own certificate is the first.
 */
import { generateKeyPair, randomBytes, X509Certificate, type KeyObject } from 'node:crypto';
import type { Identity, PlatformKey } from './identity.js';
import { createCertificate } from './self-signed.js';

/** A platform certificate with its key pair and validity. */
export interface IssuedCertificate extends PlatformKey {
  certificate: string;
  validFrom: Date;
  validTo: Date;
}

export interface RotateOptions {
  /** When answers switch to the new key (a Date or milliseconds since the epoch); default now. */
  at?: Date | number;
  /** The new certificate's validity (default: from a minute ago, for five years). */
  notBefore?: Date;
  notAfter?: Date;
}

/** What the control API shows (no key material). */
export interface CertificatesView {
  mode: 'certificates' | 'public-key-only';
  /** The key id signing right now (with the default `signWith: certificate`). */
  signing: string;
  publicKeyId: string;
  certificates: Array<{ serial: string; validFrom: string; validTo: string; listed: boolean; signsFrom?: string }>;
}

const pair = (): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> => new Promise((resolve, reject) => {
  generateKeyPair('rsa', { modulusLength: 2048 }, (error, publicKey, privateKey) => (error ? reject(error) : resolve({ publicKey, privateKey })));
});

function newSerial(): string {
  const bytes = randomBytes(20);
  bytes[0] = 0x10 + (bytes[0]! % 0x60);
  return bytes.toString('hex').toUpperCase();
}

const issued = (key: PlatformKey & { certificate: string }): IssuedCertificate => {
  const x509 = new X509Certificate(key.certificate);
  return { ...key, validFrom: new Date(x509.validFrom), validTo: new Date(x509.validTo) };
};

export class PlatformCertificates {
  /** Oldest first. */
  readonly #issued: IssuedCertificate[];
  readonly #retired = new Set<string>();
  /** Which certificate signs from when, by time. */
  readonly #schedule: Array<{ serial: string; from: number }>;
  #publicKeyOnly = false;

  constructor(private readonly identity: Identity) {
    const first = issued(identity.platformCertificate);
    this.#issued = [first];
    this.#schedule = [{ serial: first.id, from: -Infinity }];
  }

  get publicKeyOnly(): boolean {
    return this.#publicKeyOnly;
  }

  /** Switches the merchant to public-key-only (no certificates), or back. */
  setPublicKeyOnly(on: boolean): void {
    this.#publicKeyOnly = on;
  }

  /** The certificate whose key signs now. */
  signing(now = Date.now()): IssuedCertificate {
    const entry = this.#schedule.filter((item) => item.from <= now).at(-1)!;
    return this.#issued.find((certificate) => certificate.id === entry.serial)!;
  }

  /** What `GET v3/certificates` lists: every certificate neither retired nor expired. */
  listed(now = Date.now()): IssuedCertificate[] {
    return this.#issued.filter((certificate) => !this.#retired.has(certificate.id) && certificate.validTo.getTime() >= now);
  }

  /** The key a request's `Wechatpay-Serial` names, when the platform would accept it. */
  keyFor(serial: string, now = Date.now()): PlatformKey | undefined {
    if (serial === this.identity.platformPublicKey.id) return this.identity.platformPublicKey;
    if (this.#publicKeyOnly) return undefined;
    return this.#issued.find((certificate) => certificate.id === serial && certificate.validTo.getTime() >= now);
  }

  /** Issues a new certificate (listed at once) whose key signs from `at`. */
  async rotate(options: RotateOptions = {}): Promise<IssuedCertificate> {
    const at = options.at === undefined ? Date.now() : new Date(options.at).getTime();
    if (!Number.isFinite(at)) throw new Error('at must be a time');
    const newest = this.#issued.at(-1)!;
    // Each new certificate starts after the one before, so "the newest valid" is always the last issued.
    const notBefore = options.notBefore ?? new Date(Math.max(Date.now() - 60_000, newest.validFrom.getTime() + 1000));
    const notAfter = options.notAfter ?? new Date(notBefore.getTime() + 5 * 365 * 24 * 3600 * 1000);
    if (!(notBefore < notAfter)) throw new Error('notBefore must come before notAfter');
    const keys = await pair();
    const id = newSerial();
    const certificate = createCertificate({
      publicKey: keys.publicKey, signingKey: keys.privateKey, serial: id, commonName: 'WeChat Pay Sandbox Platform', notBefore, notAfter,
    });
    const made = issued({ id, ...keys, certificate });
    this.#issued.push(made);
    this.#schedule.push({ serial: id, from: at });
    this.#schedule.sort((a, b) => a.from - b.from);
    return made;
  }

  /** Takes a certificate out of the list (the platform stops announcing it); the one signing cannot be retired. */
  retire(serial: string): void {
    if (!this.#issued.some((certificate) => certificate.id === serial)) throw new Error(`No platform certificate ${serial}`);
    if (this.signing().id === serial) throw new Error(`${serial} signs the answers now: rotate first`);
    this.#retired.add(serial);
  }

  view(now = Date.now()): CertificatesView {
    const listed = new Set(this.listed(now).map((certificate) => certificate.id));
    const starts = new Map(this.#schedule.filter((item) => Number.isFinite(item.from)).map((item) => [item.serial, new Date(item.from).toISOString()]));
    return {
      mode: this.#publicKeyOnly ? 'public-key-only' : 'certificates',
      signing: this.#publicKeyOnly ? this.identity.platformPublicKey.id : this.signing(now).id,
      publicKeyId: this.identity.platformPublicKey.id,
      certificates: this.#issued.map((certificate) => ({
        serial: certificate.id,
        validFrom: certificate.validFrom.toISOString(),
        validTo: certificate.validTo.toISOString(),
        listed: listed.has(certificate.id),
        ...(starts.has(certificate.id) ? { signsFrom: starts.get(certificate.id)! } : {}),
      })),
    };
  }
}

const lifecycles = new WeakMap<Identity, PlatformCertificates>();

/** The certificates of the platform an identity belongs to (made on first use). */
export function platformCertificates(identity: Identity): PlatformCertificates {
  let found = lifecycles.get(identity);
  if (!found) lifecycles.set(identity, (found = new PlatformCertificates(identity)));
  return found;
}
