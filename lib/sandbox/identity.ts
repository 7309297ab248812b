/**
 * Who the sandbox is, and who it knows: one merchant (key pair, certificate and its serial, APIv3 key,
 * APIv2 secret) and the platform (a certificate key pair with its serial, and a public key with its
 * `PUB_KEY_ID_...`). Made once and kept in a folder, where the merchant's half is laid out as a
 * merchant receives it, plus `sandbox.json`: the settings `Builder.factory` takes.
 *
 *     <dir>/sandbox.json                  { baseURL, mchid, serial, privateKey, certs, apiv3Key, secret, merchant }
 *     <dir>/apiclient_key.pem             the merchant's API private key (0600)
 *     <dir>/apiclient_cert.pem            the merchant's API certificate
 *     <dir>/wechatpay_<serial>.pem        the platform certificate
 *     <dir>/pub_key.pem                   the platform public key
 *     <dir>/platform/...                  the platform's own keys and the sandbox's ids (0600): never give these to a client
 */
import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, randomInt, X509Certificate, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { alnum } from './ids.js';
import { createCertificate } from './self-signed.js';

/** A key pair and what names it: a certificate serial or a public-key id. */
export interface PlatformKey {
  id: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** PEM, for a certificate-backed key. */
  certificate?: string;
}

export interface Identity {
  dir: string;
  mchid: string;
  merchant: PlatformKey & { certificate: string };
  /** The platform certificate's key (`Wechatpay-Serial: <serial>`). */
  platformCertificate: PlatformKey & { certificate: string };
  /** The platform public key (`Wechatpay-Serial: PUB_KEY_ID_...`). */
  platformPublicKey: PlatformKey;
  apiv3Key: string;
  secret: string;
}

/** `sandbox.json`: exactly what `Builder.factory` takes (key files as `file://` paths). */
export interface SandboxConfig {
  baseURL: string;
  mchid: string;
  serial: string;
  privateKey: string;
  certs: Record<string, string>;
  apiv3Key: string;
  secret: string;
  /** The merchant certificate, for APIv2 `security: true` calls. */
  merchant: { cert: string };
}

/** What the sandbox keeps for itself in `<dir>/platform/identity.json`. */
interface Stored {
  mchid: string;
  merchantSerial: string;
  platformSerial: string;
  publicKeyId: string;
  apiv3Key: string;
  secret: string;
}

export const DEFAULT_MCHID = '1230000109';

const files = (dir: string) => ({
  config: join(dir, 'sandbox.json'),
  merchantKey: join(dir, 'apiclient_key.pem'),
  merchantCert: join(dir, 'apiclient_cert.pem'),
  platformCert: (serial: string) => join(dir, `wechatpay_${serial}.pem`),
  publicKey: join(dir, 'pub_key.pem'),
  stored: join(dir, 'platform', 'identity.json'),
  platformKey: join(dir, 'platform', 'certificate_key.pem'),
  publicKeyPrivate: join(dir, 'platform', 'pub_key_private.pem'),
});

/** A certificate serial as WeChat Pay prints it: 40 upper-case hex digits, not starting with a zero byte. */
function newSerial(): string {
  const bytes = randomBytes(20);
  bytes[0] = 0x10 + (bytes[0]! % 0x60);
  return bytes.toString('hex').toUpperCase();
}

/** `PUB_KEY_ID_` followed by digits, as the platform names its public keys. */
function newPublicKeyId(mchid: string): string {
  const digits = Array.from({ length: 16 }, () => randomInt(10)).join('');
  return `PUB_KEY_ID_01${mchid.padStart(10, '0').slice(-10)}${digits}`;
}

/** An RSA-2048 key pair, made on libuv's thread pool (three at once take the time of about one). */
function keyPair(): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (error, publicKey, privateKey) => (error ? reject(error) : resolve({ publicKey, privateKey })));
  });
}

const pkcs8 = (key: KeyObject): string => key.export({ type: 'pkcs8', format: 'pem' }) as string;
const spki = (key: KeyObject): string => key.export({ type: 'spki', format: 'pem' }) as string;

function writeSecret(path: string, content: string): void {
  writeFileSync(path, content, { mode: 0o600 });
  chmodSync(path, 0o600);
}

/** Makes a new identity in `dir` (the folder is created; existing files are overwritten). */
export async function createIdentity(dir: string, mchid = DEFAULT_MCHID): Promise<Identity> {
  if (!/^\d{6,32}$/.test(mchid)) throw new Error(`The sandbox's mchid must be digits, got ${JSON.stringify(mchid)}`);
  const at = files(dir);
  mkdirSync(join(dir, 'platform'), { recursive: true, mode: 0o700 });
  const stored: Stored = {
    mchid,
    merchantSerial: newSerial(),
    platformSerial: newSerial(),
    publicKeyId: newPublicKeyId(mchid),
    apiv3Key: alnum(32),
    secret: alnum(32),
  };
  const [merchant, platform, publicKey] = await Promise.all([keyPair(), keyPair(), keyPair()]);
  const merchantCert = createCertificate({
    publicKey: merchant.publicKey, signingKey: merchant.privateKey, serial: stored.merchantSerial,
    commonName: mchid, issuerCommonName: mchid,
  });
  const platformCert = createCertificate({
    publicKey: platform.publicKey, signingKey: platform.privateKey, serial: stored.platformSerial,
    commonName: 'WeChat Pay Sandbox Platform',
  });
  writeSecret(at.merchantKey, pkcs8(merchant.privateKey));
  writeFileSync(at.merchantCert, merchantCert);
  writeFileSync(at.platformCert(stored.platformSerial), platformCert);
  writeFileSync(at.publicKey, spki(publicKey.publicKey));
  writeSecret(at.platformKey, pkcs8(platform.privateKey));
  writeSecret(at.publicKeyPrivate, pkcs8(publicKey.privateKey));
  writeSecret(at.stored, `${JSON.stringify(stored, null, 2)}\n`);
  return identityOf(dir, stored, merchant, merchantCert, platform, platformCert, publicKey);
}

/** The identity kept in `dir`, or undefined when there is none (or it is incomplete). */
export function loadIdentity(dir: string): Identity | undefined {
  const at = files(dir);
  if (!existsSync(at.stored)) return undefined;
  const stored = JSON.parse(readFileSync(at.stored, 'utf8')) as Stored;
  const needed = [at.merchantKey, at.merchantCert, at.platformCert(stored.platformSerial), at.publicKey, at.platformKey, at.publicKeyPrivate];
  if (!needed.every((file) => existsSync(file))) return undefined;
  const pair = (file: string) => {
    const privateKey = createPrivateKey(readFileSync(file));
    return { privateKey, publicKey: createPublicKey(privateKey) };
  };
  const merchantCert = readFileSync(at.merchantCert, 'utf8');
  const platformCert = readFileSync(at.platformCert(stored.platformSerial), 'utf8');
  const merchant = pair(at.merchantKey);
  const platform = pair(at.platformKey);
  const publicKey = pair(at.publicKeyPrivate);
  const check = (pem: string, key: KeyObject, serial: string, what: string) => {
    const certificate = new X509Certificate(pem);
    if (!certificate.checkPrivateKey(key) || certificate.serialNumber.toUpperCase() !== serial) {
      throw new Error(`${dir}: the ${what} certificate does not match its key or serial; remove the folder to start afresh`);
    }
  };
  check(merchantCert, merchant.privateKey, stored.merchantSerial, 'merchant');
  check(platformCert, platform.privateKey, stored.platformSerial, 'platform');
  return identityOf(dir, stored, merchant, merchantCert, platform, platformCert, publicKey);
}

function identityOf(
  dir: string,
  stored: Stored,
  merchant: { privateKey: KeyObject; publicKey: KeyObject },
  merchantCert: string,
  platform: { privateKey: KeyObject; publicKey: KeyObject },
  platformCert: string,
  publicKey: { privateKey: KeyObject; publicKey: KeyObject },
): Identity {
  return {
    dir,
    mchid: stored.mchid,
    merchant: { id: stored.merchantSerial, ...merchant, certificate: merchantCert },
    platformCertificate: { id: stored.platformSerial, ...platform, certificate: platformCert },
    platformPublicKey: { id: stored.publicKeyId, ...publicKey },
    apiv3Key: stored.apiv3Key,
    secret: stored.secret,
  };
}

/** The identity in `dir`, made when there is none yet. */
export async function ensureIdentity(dir: string, mchid?: string): Promise<{ identity: Identity; created: boolean }> {
  const absolute = resolve(dir);
  const found = loadIdentity(absolute);
  if (found) {
    if (mchid !== undefined && mchid !== found.mchid) {
      throw new Error(`${absolute} holds the sandbox merchant ${found.mchid}, not ${mchid}: use another folder, or remove this one`);
    }
    return { identity: found, created: false };
  }
  return { identity: await createIdentity(absolute, mchid), created: true };
}

/**
 * A key file as `Builder.factory` reads it: `file://` followed by the absolute path as it is (the SDK
 * reads the rest of the string as a path, without percent-decoding).
 */
const fileRef = (path: string): string => `file://${path}`;

/** The `Builder.factory` settings for this identity, written to `<dir>/sandbox.json`. */
export function writeConfig(identity: Identity, baseURL: string): SandboxConfig {
  const config = configWith(identity, baseURL, fileRef);
  writeSecret(files(identity.dir).config, `${JSON.stringify(config, null, 2)}\n`);
  return config;
}

/** The merchant's half of the folder, by file name: what the console offers for download (never `platform/`). */
export function merchantFiles(identity: Identity): Record<string, string> {
  const at = files(identity.dir);
  return {
    'sandbox.json': at.config,
    'apiclient_key.pem': at.merchantKey,
    'apiclient_cert.pem': at.merchantCert,
    [`wechatpay_${identity.platformCertificate.id}.pem`]: at.platformCert(identity.platformCertificate.id),
    'pub_key.pem': at.publicKey,
  };
}

/** `sandbox.json` with the keys written in (PEM text instead of `file://` paths): usable on another machine. */
export function inlineConfig(identity: Identity, baseURL: string): SandboxConfig {
  return configWith(identity, baseURL, (path) => readFileSync(path, 'utf8'));
}

/** The settings for this identity, each key file given as `keyFile(path)` makes it. */
function configWith(identity: Identity, baseURL: string, keyFile: (path: string) => string): SandboxConfig {
  const at = files(identity.dir);
  return {
    baseURL,
    mchid: identity.mchid,
    serial: identity.merchant.id,
    privateKey: keyFile(at.merchantKey),
    certs: {
      [identity.platformCertificate.id]: keyFile(at.platformCert(identity.platformCertificate.id)),
      [identity.platformPublicKey.id]: keyFile(at.publicKey),
    },
    apiv3Key: identity.apiv3Key,
    secret: identity.secret,
    merchant: { cert: keyFile(at.merchantCert) },
  };
}
