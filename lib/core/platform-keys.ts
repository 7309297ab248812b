import { X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rsa, type RsaKeyInput } from '../crypto/rsa.js';
import { ConfigError } from '../errors.js';

/** Platform certificate serials and/or public-key ids (`PUB_KEY_ID_...`) mapped to their public keys. */
export type CertsInput = Readonly<Record<string, RsaKeyInput>> | ReadonlyMap<string, RsaKeyInput>;

const PUBLIC_KEY_ID = /^PUB_KEY_ID_/;

interface PlatformKey {
  key: KeyObject;
  /** Set when the entry was given as an X.509 certificate. */
  validFrom?: Date;
  validTo?: Date;
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

  /** The key sensitive fields are encrypted with, and the id the request must name in `Wechatpay-Serial`. */
  encryptionKey(now = new Date()): { id: string; key: KeyObject } {
    const all = [...this.entries];
    const publicKey = all.find(([id]) => PUBLIC_KEY_ID.test(id));
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

/** The platform keys one client trusts right now; `client.setCerts` replaces them (same checks as `Builder.factory`). */
export class TrustedPlatformKeys {
  #keys: PlatformKeys;

  constructor(keys: PlatformKeys, private readonly merchantSerial: string) {
    this.#keys = keys;
  }

  current(): PlatformKeys {
    return this.#keys;
  }

  replace(certs: CertsInput): void {
    this.#keys = PlatformKeys.load(certs, this.merchantSerial);
  }
}
