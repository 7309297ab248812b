import {
  KeyObject,
  X509Certificate,
  constants,
  createPrivateKey,
  createPublicKey,
  privateDecrypt,
  publicEncrypt,
  sign,
  verify,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import forge from 'node-forge';
import { CryptoError, KeyError } from '../errors.js';
import { onThreadPool } from './thread-pool.js';

/** Which half of an RSA key pair is wanted. */
export type KeyType = 'private' | 'public';

/** Key bytes or text: PEM, `file://...`, a `private.pkcs1://`-style scheme string, or a PKCS#12 bundle. */
export type KeyMaterial = string | Uint8Array;

/** Everything {@link Rsa.from} accepts (see docs/protocol.md#keys-and-sensitive-fields). */
export type RsaKeyInput =
  | KeyMaterial
  | KeyObject
  | X509Certificate
  | readonly [KeyMaterial, string]
  | { readonly key: KeyMaterial; readonly passphrase?: string | undefined };

const ACCEPTED_FORMS =
  'Accepted: PEM text as a string or Buffer (RSA PRIVATE KEY, PRIVATE KEY, ENCRYPTED PRIVATE KEY with a passphrase, ' +
  'PUBLIC KEY, RSA PUBLIC KEY, CERTIFICATE); file:///path/to/such-a-file; private.pkcs1://, private.pkcs8://, ' +
  'public.pkcs1:// or public.spki:// followed by base64 DER; a KeyObject or X509Certificate; ' +
  '[key, passphrase] or { key, passphrase }; a PKCS#12 bundle (Buffer or file://) as [p12, password].';

const SCHEMES = ['private.pkcs1', 'private.pkcs8', 'public.pkcs1', 'public.spki'] as const;
type Scheme = (typeof SCHEMES)[number];

const PRIVATE_LABELS = new Set(['RSA PRIVATE KEY', 'PRIVATE KEY', 'ENCRYPTED PRIVATE KEY']);
const PUBLIC_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY', 'CERTIFICATE']);
/** Other standard labels: named in errors. Any other label is not repeated (it could be anything). */
const KNOWN_LABELS = new Set([
  'CERTIFICATE REQUEST',
  'NEW CERTIFICATE REQUEST',
  'X509 CRL',
  'PKCS7',
  'CMS',
  'TRUSTED CERTIFICATE',
  'EC PRIVATE KEY',
  'EC PARAMETERS',
  'DSA PRIVATE KEY',
  'OPENSSH PRIVATE KEY',
  'ENCRYPTED PRIVATE KEY',
  'DH PARAMETERS',
]);

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]{1,64})-----\r?\n[\s\S]*?-----END \1-----/g;
const PEM_BEGIN = '-----BEGIN ';
const FILE_PROTOCOL = 'file://';
const OAEP = constants.RSA_PKCS1_OAEP_PADDING;
/** Signatures the platform sends on purpose to check that answers are verified: never valid. */
export const PROBE_SIGNATURE_PREFIX = 'WECHATPAY/SIGNTEST/';
/** `06 09 2A 86 48 86 F7 0D 01 07 01`: the pkcs7-data OID, the content type of a PKCS#12 authSafe. */
const PKCS7_DATA_OID = Buffer.from('06092a864886f70d010701', 'hex');

/** A parsed PEM block: its label and its full text, armour included. */
export interface PemBlock {
  label: string;
  text: string;
}

/** Every complete PEM block of `text`, in order. @internal */
export function pemBlocks(text: string): PemBlock[] {
  return Array.from(text.matchAll(PEM_BLOCK), (match) => ({ label: match[1]!, text: match[0] }));
}

/** How an error names a PEM label: standard ones by name, anything else generically. @internal */
export function describeLabel(label: string): string {
  return PRIVATE_LABELS.has(label) || PUBLIC_LABELS.has(label) || KNOWN_LABELS.has(label)
    ? `a PEM block of type ${label}`
    : 'a PEM block of an unknown type';
}

/**
 * The bytes of a plain path or a `file://` URL; `failure` gets the error code and the path tried (a path is
 * not a secret, and naming it is what makes a wrong one quick to fix). @internal
 */
export function readFileInput(pathOrUrl: string, failure: (code: string, path: string) => never): Buffer {
  let code = 'unknown error';
  for (const path of filePaths(pathOrUrl)) {
    try {
      return readFileSync(path);
    } catch (error) {
      code = (error as NodeJS.ErrnoException).code ?? code;
    }
  }
  return failure(code, filePaths(pathOrUrl)[0]!);
}

/** Where a path or `file://` URL may point: the URL decoded (`%20`, non-ASCII), else as written. */
function filePaths(pathOrUrl: string): string[] {
  if (!pathOrUrl.startsWith(FILE_PROTOCOL)) return [pathOrUrl];
  let raw = pathOrUrl.slice(FILE_PROTOCOL.length);
  if (/^\/[A-Za-z]:[/\\]/.test(raw)) raw = raw.slice(1); // file:///C:/... on Windows
  try {
    const decoded = fileURLToPath(pathOrUrl);
    return decoded === raw ? [raw] : [decoded, raw];
  } catch {
    return [raw];
  }
}

/** A DER PFX: `SEQUENCE { INTEGER 3, SEQUENCE { pkcs7-data OID, ... } ... }`, BER lengths allowed. @internal */
export function isPkcs12(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x30 || bytes[1] === undefined) return false;
  const lengthBytes = bytes[1] & 0x80 ? bytes[1] & 0x7f : 0;
  const version = 2 + lengthBytes;
  if (bytes[version] !== 0x02 || bytes[version + 1] !== 0x01 || bytes[version + 2] !== 0x03) return false;
  return Buffer.from(bytes.subarray(version + 3, version + 3 + 24)).includes(PKCS7_DATA_OID);
}

/**
 * The private key of a PKCS#12 bundle and the certificate that matches it. Parsed by node-forge, handed to
 * node:crypto as PEM. `failure` gets the kind of problem; forge's own errors are dropped (they may carry
 * decoded bytes). @internal
 */
export function readPkcs12(
  bytes: Uint8Array,
  password: string,
  failure: (given: string) => never,
): { privateKey: KeyObject; certificate: X509Certificate } {
  let pfx: forge.pkcs12.Pkcs12Pfx;
  try {
    const asn1 = forge.asn1.fromDer(forge.util.createBuffer(Buffer.from(bytes).toString('binary')), true);
    pfx = forge.pkcs12.pkcs12FromAsn1(asn1, true, password);
  } catch (error) {
    const wrongPassword = error instanceof Error && error.message.includes('Invalid password');
    return failure(
      wrongPassword
        ? 'a PKCS#12 bundle whose password is wrong (WeChat Pay sets it to the merchant id)'
        : 'a PKCS#12 bundle that cannot be decoded (corrupted, an unsupported cipher, or a wrong password)',
    );
  }
  const keyBags = [forge.pki.oids.pkcs8ShroudedKeyBag!, forge.pki.oids.keyBag!].flatMap(
    (bagType) => pfx.getBags({ bagType })[bagType] ?? [],
  );
  const certBags = pfx.getBags({ bagType: forge.pki.oids.certBag! })[forge.pki.oids.certBag!] ?? [];
  const forgeKey = keyBags.find((bag) => bag.key)?.key;
  if (!forgeKey) return failure('a PKCS#12 bundle that holds no RSA private key');
  const privateKey = createPrivateKey(forge.pki.privateKeyToPem(forgeKey));
  for (const bag of certBags) {
    if (!bag.cert) continue;
    const certificate = new X509Certificate(forge.pki.certificateToPem(bag.cert));
    if (certificate.checkPrivateKey(privateKey)) return { privateKey, certificate };
  }
  return failure('a PKCS#12 bundle that holds no certificate for its private key');
}

function fail(type: KeyType, given: string, options: { cause?: unknown } = {}): never {
  throw new KeyError(`Cannot load an RSA ${type} key from ${given}. ${ACCEPTED_FORMS}`, options);
}

function assertRsa(key: KeyObject, type: KeyType): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') {
    fail(type, `a ${String(key.asymmetricKeyType)} ${key.type} key, where an RSA key is required`);
  }
  return key;
}

function fromKeyObject(key: KeyObject, type: KeyType): KeyObject {
  if (key.type === 'secret') fail(type, 'a secret (symmetric) KeyObject');
  assertRsa(key, type);
  if (key.type === 'public' && type === 'private') fail(type, 'a public key where a private key is required');
  return key.type === 'private' && type === 'public' ? createPublicKey(key) : key;
}

function fromPrivateKeyObject(privateKey: KeyObject, type: KeyType): KeyObject {
  assertRsa(privateKey, type);
  return type === 'public' ? createPublicKey(privateKey) : privateKey;
}

function isEncryptedPem(block: PemBlock): boolean {
  return block.label === 'ENCRYPTED PRIVATE KEY' || /^Proc-Type:\s*4,ENCRYPTED/m.test(block.text);
}

function fromPem(text: string, passphrase: string | undefined, type: KeyType): KeyObject {
  const blocks = pemBlocks(text);
  if (blocks.length === 0) fail(type, 'PEM text without a complete BEGIN/END block');
  const publicBlock = blocks.find((block) => PUBLIC_LABELS.has(block.label));
  const privateBlock = blocks.find((block) => PRIVATE_LABELS.has(block.label));

  if (type === 'public' && publicBlock) {
    try {
      const key =
        publicBlock.label === 'CERTIFICATE' ? new X509Certificate(publicBlock.text).publicKey : createPublicKey(publicBlock.text);
      return assertRsa(key, type);
    } catch (error) {
      if (error instanceof KeyError) throw error;
      fail(type, `${describeLabel(publicBlock.label)} that cannot be decoded`, { cause: error });
    }
  }
  if (!privateBlock) {
    if (publicBlock) {
      const what = publicBlock.label === 'CERTIFICATE' ? 'a certificate' : 'a public key';
      fail(type, `${what} where a private key is required`);
    }
    fail(type, describeLabel(blocks[0]!.label));
  }
  const encrypted = isEncryptedPem(privateBlock);
  const format = privateBlock.label === 'RSA PRIVATE KEY' ? 'PKCS#1' : 'PKCS#8';
  if (encrypted && passphrase === undefined) fail(type, `an encrypted ${format} key without a passphrase`);
  try {
    return fromPrivateKeyObject(createPrivateKey({ key: privateBlock.text, format: 'pem', passphrase }), type);
  } catch (error) {
    if (error instanceof KeyError) throw error;
    if (encrypted) fail(type, `an encrypted ${format} key whose passphrase is wrong`);
    fail(type, `${describeLabel(privateBlock.label)} that cannot be decoded`, { cause: error });
  }
}

/** Strict base64 (canonical, padded, no whitespace); `undefined` when `text` is not. */
function decodeBase64(text: string): Buffer | undefined {
  const bytes = Buffer.from(text, 'base64');
  return bytes.toString('base64') === text ? bytes : undefined;
}

function fromScheme(scheme: Scheme, body: string, passphrase: string | undefined, type: KeyType): KeyObject {
  const der = decodeBase64(body.replace(/\s+/g, ''));
  if (!der || der.length === 0) fail(type, `a ${scheme}:// string whose body is not base64`);
  const [half, format] = scheme.split('.') as ['private' | 'public', 'pkcs1' | 'pkcs8' | 'spki'];
  if (half === 'public' && type === 'private') fail(type, 'a public key where a private key is required');
  try {
    if (half === 'public') {
      return assertRsa(createPublicKey({ key: der, format: 'der', type: format as 'pkcs1' | 'spki' }), type);
    }
    return fromPrivateKeyObject(
      createPrivateKey({ key: der, format: 'der', type: format as 'pkcs1' | 'pkcs8', passphrase }),
      type,
    );
  } catch (error) {
    if (error instanceof KeyError) throw error;
    fail(type, `a ${scheme}:// string whose DER cannot be decoded`, { cause: error });
  }
}

function fromPkcs12(bytes: Uint8Array, password: string | undefined, type: KeyType): KeyObject {
  if (password === undefined) {
    fail(type, 'a PKCS#12 bundle without a password (give [p12, password]; WeChat Pay sets it to the merchant id)');
  }
  const { privateKey, certificate } = readPkcs12(bytes, password, (given) => fail(type, given));
  return type === 'private' ? assertRsa(privateKey, type) : assertRsa(certificate.publicKey, type);
}

function fromBytes(bytes: Uint8Array, passphrase: string | undefined, type: KeyType, origin: string): KeyObject {
  if (isPkcs12(bytes)) return fromPkcs12(bytes, passphrase, type);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  if (text.includes(PEM_BEGIN)) return fromPem(text, passphrase, type);
  return fail(type, `${origin} that holds neither PEM text nor a PKCS#12 bundle`);
}

function fromString(text: string, passphrase: string | undefined, type: KeyType): KeyObject {
  if (text.startsWith(FILE_PROTOCOL)) {
    const bytes = readFileInput(text, (code, path) => fail(type, `a file:// path that cannot be read: ${path} (${code})`));
    return fromBytes(bytes, passphrase, type, 'a file:// path to a file');
  }
  if (text.includes(PEM_BEGIN)) return fromPem(text, passphrase, type);
  const scheme = /^([A-Za-z0-9.+-]+):\/\//.exec(text)?.[1];
  if (scheme !== undefined && (SCHEMES as readonly string[]).includes(scheme)) {
    return fromScheme(scheme as Scheme, text.slice(scheme.length + 3), passphrase, type);
  }
  return fail(type, 'a string that is neither PEM, file:// nor a known scheme (private.pkcs1://, private.pkcs8://, public.pkcs1://, public.spki://)');
}

function fromMaterial(material: unknown, passphrase: unknown, type: KeyType): KeyObject {
  if (passphrase !== undefined && typeof passphrase !== 'string') {
    fail(type, `a passphrase of type ${describeType(passphrase)} (a string is required)`);
  }
  if (typeof material === 'string') return fromString(material, passphrase, type);
  if (material instanceof Uint8Array) return fromBytes(material, passphrase, type, 'a Buffer');
  return fail(type, `a [key, passphrase] pair whose key is ${describeType(material)}`);
}

function describeType(thing: unknown): string {
  if (thing === null) return 'null';
  if (Array.isArray(thing)) return `an array of length ${thing.length}`;
  if (typeof thing === 'object') return `an object (${thing.constructor?.name ?? 'no prototype'})`;
  return `a value of type ${typeof thing}`;
}

function load(thing: unknown, type: KeyType): KeyObject {
  if (type !== 'private' && type !== 'public') {
    throw new KeyError(`Rsa.from: the key type must be 'private' or 'public', got ${describeType(type)}.`);
  }
  if (thing instanceof KeyObject) return fromKeyObject(thing, type);
  if (thing instanceof X509Certificate) {
    if (type === 'private') fail(type, 'a certificate where a private key is required');
    return assertRsa(thing.publicKey, type);
  }
  if (typeof thing === 'string' || thing instanceof Uint8Array) return fromMaterial(thing, undefined, type);
  if (Array.isArray(thing)) {
    if (thing.length !== 2) fail(type, `${describeType(thing)} (a [key, passphrase] pair is expected)`);
    return fromMaterial(thing[0], thing[1], type);
  }
  if (typeof thing === 'object' && thing !== null && 'key' in thing) {
    const { key, passphrase } = thing as { key: unknown; passphrase?: unknown };
    return fromMaterial(key, passphrase, type);
  }
  return fail(type, describeType(thing));
}

/** `thing` as an RSA key usable for `type`, without re-parsing an already-loaded KeyObject. */
function resolve(thing: RsaKeyInput, type: KeyType): KeyObject {
  if (thing instanceof KeyObject && thing.asymmetricKeyType === 'rsa' && (type === 'public' || thing.type === 'private')) {
    return thing; // node:crypto derives the public half of a private key itself
  }
  return load(thing, type);
}

function assertOaep(padding: number, operation: string): void {
  if (padding === OAEP) return;
  if (padding === constants.RSA_PKCS1_PADDING) {
    throw new CryptoError(
      'ECRYPTO_PADDING',
      `Rsa.${operation}: PKCS#1 v1.5 encryption padding (RSA_PKCS1_PADDING) is refused: its decryption is a padding ` +
        'oracle (Bleichenbacher 1998, the Marvin attack 2023) that lets an attacker decrypt data or forge signatures. ' +
        'WeChat Pay uses RSA-OAEP (RSA_PKCS1_OAEP_PADDING, SHA-1, MGF1-SHA-1), the default.',
    );
  }
  throw new CryptoError(
    'ECRYPTO_PADDING',
    `Rsa.${operation}: padding ${String(padding)} is not supported; only RSA_PKCS1_OAEP_PADDING (${OAEP}) is.`,
  );
}

function toBytes(data: string | Uint8Array, what: string): Uint8Array {
  if (typeof data === 'string' || data instanceof Uint8Array) return data instanceof Uint8Array ? data : Buffer.from(data);
  throw new CryptoError('ECRYPTO_ARGUMENT', `${what} must be a string or a Buffer, got ${describeType(data)}.`);
}

/** RSA keys, RSA-OAEP encryption and RSA-SHA256 signatures, under wechatpay-php's `Rsa` names. */
export const Rsa = {
  KEY_TYPE_PRIVATE: 'private' as const,
  KEY_TYPE_PUBLIC: 'public' as const,

  /** Loads a private (default) or public RSA key from any form of docs/protocol.md#keys-and-sensitive-fields. */
  from(thing: RsaKeyInput, type: KeyType = 'private'): KeyObject {
    return load(thing, type);
  },

  /** A key from base64 PKCS#1 DER (no PEM armour): `RSAPrivateKey` or, with `'public'`, `RSAPublicKey`. */
  fromPkcs1(thing: string, type: KeyType = 'private'): KeyObject {
    return load(`${type === 'public' ? 'public' : 'private'}.pkcs1://${thing}`, type);
  },

  /** A private key from base64 PKCS#8 DER (no PEM armour). */
  fromPkcs8(thing: string): KeyObject {
    return load(`private.pkcs8://${thing}`, 'private');
  },

  /** A public key from base64 SPKI DER (no PEM armour). */
  fromSpki(thing: string): KeyObject {
    return load(`public.spki://${thing}`, 'public');
  },

  /** Base64 PKCS#1 `RSAPublicKey` DER to base64 SPKI `SubjectPublicKeyInfo` DER. */
  pkcs1ToSpki(thing: string): string {
    return (load(`public.pkcs1://${thing}`, 'public').export({ type: 'spki', format: 'der' }) as Buffer).toString('base64');
  },

  /** RSA-OAEP (SHA-1, MGF1-SHA-1) encryption for the platform, base64. */
  encrypt(plaintext: string | Uint8Array, publicKey: RsaKeyInput, padding: number = OAEP): string {
    assertOaep(padding, 'encrypt');
    const key = resolve(publicKey, 'public');
    const data = toBytes(plaintext, 'Rsa.encrypt: the plaintext');
    try {
      return publicEncrypt({ key, padding: OAEP, oaepHash: 'sha1' }, data).toString('base64');
    } catch (error) {
      const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
      throw new CryptoError(
        'ECRYPTO_ARGUMENT',
        `Rsa.encrypt: a ${bits}-bit key encrypts at most ${Math.max(0, bits / 8 - 42)} bytes with RSA-OAEP (SHA-1); ` +
          `the plaintext is ${data.length} bytes.`,
        { cause: error },
      );
    }
  },

  /** Decrypts base64 RSA-OAEP (SHA-1, MGF1-SHA-1) ciphertext with the merchant private key, to UTF-8. */
  decrypt(ciphertext: string, privateKey: RsaKeyInput, padding: number = OAEP): string {
    assertOaep(padding, 'decrypt');
    const key = resolve(privateKey, 'private');
    const bytes = typeof ciphertext === 'string' ? decodeBase64(ciphertext) : undefined;
    if (!bytes) throw new CryptoError('ECRYPTO_BASE64', 'Rsa.decrypt: the ciphertext is not canonical base64.');
    try {
      return privateDecrypt({ key, padding: OAEP, oaepHash: 'sha1' }, bytes).toString('utf8');
    } catch {
      throw new CryptoError(
        'ECRYPTO_DECRYPT',
        'Rsa.decrypt: RSA-OAEP decryption failed: the ciphertext was altered or not made for this private key.',
      );
    }
  },

  /** RSASSA-PKCS1-v1_5 with SHA-256, base64. */
  sign(message: string | Uint8Array, privateKey: RsaKeyInput): string {
    return sign('sha256', toBytes(message, 'Rsa.sign: the message'), resolve(privateKey, 'private')).toString('base64');
  },

  /**
   * {@link Rsa.sign} on libuv's thread pool (node:crypto's callback form): the event loop serves other work
   * while the private-key operation runs. Same result and the same errors, as a rejection. At most
   * `2 * UV_THREADPOOL_SIZE` of these and {@link Rsa.verifyAsync} run or wait in the pool at once; the others
   * wait their turn, in order.
   */
  async signAsync(message: string | Uint8Array, privateKey: RsaKeyInput): Promise<string> {
    const data = toBytes(message, 'Rsa.sign: the message');
    const key = resolve(privateKey, 'private');
    const signature = await onThreadPool<Buffer>((done) => sign('sha256', data, key, done));
    return signature.toString('base64');
  },

  /**
   * Whether `signature` (base64) is an RSASSA-PKCS1-v1_5 SHA-256 signature of `message`. False, never an
   * exception, for any bad signature, including the platform's `WECHATPAY/SIGNTEST/` probes; an unusable key
   * is a {@link KeyError}.
   */
  verify(message: string | Uint8Array, signature: string, publicKey: RsaKeyInput): boolean {
    const key = resolve(publicKey, 'public');
    const data = toBytes(message, 'Rsa.verify: the message');
    if (typeof signature !== 'string' || signature.startsWith(PROBE_SIGNATURE_PREFIX)) return false;
    const bytes = decodeBase64(signature);
    if (!bytes || bytes.length === 0) return false;
    return verify('sha256', data, key, bytes); // node:crypto answers false (never throws) for bad RSA signatures
  },

  /** {@link Rsa.verify} on libuv's thread pool (see {@link Rsa.signAsync}): the same answer, false for any bad signature. */
  async verifyAsync(message: string | Uint8Array, signature: string, publicKey: RsaKeyInput): Promise<boolean> {
    const key = resolve(publicKey, 'public');
    const data = toBytes(message, 'Rsa.verify: the message');
    const bytes = typeof signature !== 'string' || signature.startsWith(PROBE_SIGNATURE_PREFIX) ? undefined : decodeBase64(signature);
    if (!bytes || bytes.length === 0) return false;
    return onThreadPool<boolean>((done) => verify('sha256', data, key, bytes, done));
  },
};
