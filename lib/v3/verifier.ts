import { createHash, type KeyObject } from 'node:crypto';
import type { AxiosResponse } from 'axios';
import { Rsa } from '../crypto/rsa.js';
import { Hash } from '../crypto/hash.js';
import { ApiError, ConfigError, RequestError, VerificationError, type ExchangeFacts, type VerificationErrorCode } from '../errors.js';
import { bytesOf, parseBody, readBody } from '../util/body.js';
import { exchangeFacts, exchangeOf, type V3Exchange } from '../util/exchange.js';
import { Formatter } from '../util/formatter.js';
import { headerOf, plainHeaders, type HeaderBag } from '../util/headers.js';

/** What the platform's own signing looks like on the wire (docs/protocol.md#apiv3-response-verification). */
export const WECHATPAY_TIMESTAMP = 'Wechatpay-Timestamp';
export const WECHATPAY_NONCE = 'Wechatpay-Nonce';
export const WECHATPAY_SERIAL = 'Wechatpay-Serial';
export const WECHATPAY_SIGNATURE = 'Wechatpay-Signature';
export const WECHATPAY_STATEMENT_SHA1 = 'Wechatpay-Statement-Sha1';
/** Signatures the platform sends on purpose to check that responses are verified. */
export { PROBE_SIGNATURE_PREFIX } from '../crypto/rsa.js';
import { PROBE_SIGNATURE_PREFIX } from '../crypto/rsa.js';
/** The largest accepted difference between the platform's timestamp and this machine's clock. */
export const MAX_CLOCK_OFFSET = 300;

/**
 * A `maxClockOffset` setting (seconds), as `Builder.factory` and `Notification.create` take it: undefined is the
 * default; anything but a finite non-negative number (`NaN` from an unset variable, `Infinity`, a string) is
 * refused, since it would accept a notification or an answer of any age.
 */
export function checkMaxClockOffset(value: unknown): number {
  if (value === undefined) return MAX_CLOCK_OFFSET;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    const got = typeof value === 'number' ? String(value) : value === null ? 'null' : `a ${typeof value}`;
    throw new ConfigError('maxClockOffset', `must be a non-negative number of seconds, got ${got}`);
  }
  return value;
}
const LINE_FEED = Buffer.from('\n');

/** Platform certificate serials and public-key ids (`PUB_KEY_ID_...`) mapped to their public keys. */
export type VerificationKeys = ReadonlyMap<string, KeyObject>;

export interface SignedMessage {
  /** The headers as received: AxiosHeaders, node's IncomingHttpHeaders or any casing. */
  headers: HeaderBag;
  /** The raw body bytes as received. */
  raw: Buffer;
  /** What an error should say about the exchange (method, url, status, request id); built only on failure. */
  facts?: ExchangeFacts | (() => ExchangeFacts);
}

export interface VerifyOptions {
  keys: VerificationKeys;
  maxClockOffset?: number;
  /**
   * Overseas statements: the signed body is `{"sha1":"<Wechatpay-Statement-Sha1>"}`, checked against the body;
   * `'streamed'`: the body is still streaming to a `sink`, which checks its SHA-1 (core/sink.ts).
   */
  statement?: boolean | 'streamed';
  /** What is verified, for messages: "response" or "notification". */
  subject?: string;
  now?: () => number;
}

/**
 * Verifies a signed platform message (an APIv3 response or a notification) and returns normally only
 * when every rule holds: the four headers present, the timestamp an integer within the clock window,
 * the serial a configured platform key, the RSA-SHA256 signature over `TIMESTAMP\nNONCE\nBODY\n` valid.
 */
export function verifySigned(message: SignedMessage, options: VerifyOptions): void {
  const check = signatureCheck(message, options);
  if (!Rsa.verify(check.signed, check.signature, check.key)) throw mismatch(message, check);
}

/** {@link verifySigned} with the RSA verification on libuv's thread pool; every other rule is checked first, inline. */
function verifySignedOffLoop(message: SignedMessage, options: VerifyOptions): Promise<void> {
  const check = signatureCheck(message, options);
  return Rsa.verifyAsync(check.signed, check.signature, check.key).then((valid) => {
    if (!valid) throw mismatch(message, check);
  });
}

interface SignatureCheck {
  /** `TIMESTAMP\nNONCE\nBODY\n`. */
  signed: Buffer;
  signature: string;
  key: KeyObject;
  /** For the error when the signature does not verify. */
  subject: string;
  serial: string;
}

/** The error of a message that breaks a rule, with what is known of its exchange. */
function failure(message: SignedMessage, code: VerificationErrorCode, text: string): VerificationError {
  return new VerificationError(code, text, {
    ...(typeof message.facts === 'function' ? message.facts() : message.facts),
    headers: plainHeaders(message.headers),
    body: message.raw,
  });
}

function mismatch(message: SignedMessage, check: SignatureCheck): VerificationError {
  return failure(message, 'EV3_RES_HEADER_SIGNATURE_DIGEST',
    `The ${check.subject}'s signature does not verify with the platform key ${check.serial}: the body or its headers were altered`);
}

/** Every rule but the RSA verification itself, which it prepares. */
function signatureCheck(message: SignedMessage, options: VerifyOptions): SignatureCheck {
  const subject = options.subject ?? 'response';
  const fail = failure.bind(undefined, message);
  const timestamp = headerOf(message.headers, WECHATPAY_TIMESTAMP);
  const nonce = headerOf(message.headers, WECHATPAY_NONCE);
  const serial = headerOf(message.headers, WECHATPAY_SERIAL);
  const signature = headerOf(message.headers, WECHATPAY_SIGNATURE);

  if (!timestamp || !nonce || !serial || !signature) {
    const missing = [
      [WECHATPAY_TIMESTAMP, timestamp], [WECHATPAY_NONCE, nonce], [WECHATPAY_SERIAL, serial], [WECHATPAY_SIGNATURE, signature],
    ].filter(([, value]) => !value).map(([name]) => name);
    throw fail('EV3_RES_HEADERS_INCOMPLETE', `The ${subject} is not signed: header${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing`);
  }

  const maxClockOffset = options.maxClockOffset ?? MAX_CLOCK_OFFSET;
  const now = (options.now ?? Formatter.timestamp)();
  if (!/^\d{1,12}$/.test(timestamp)) {
    throw fail('EV3_RES_HEADER_TIMESTAMP_OFFSET', `The ${subject}'s ${WECHATPAY_TIMESTAMP} is not an integer number of seconds`);
  }
  if (Math.abs(now - Number(timestamp)) > maxClockOffset) {
    throw fail('EV3_RES_HEADER_TIMESTAMP_OFFSET', `The ${subject}'s ${WECHATPAY_TIMESTAMP} ${timestamp} is ${Number(timestamp) - now} s away from this machine's clock ` +
      `(allowed: ${maxClockOffset} s); replayed, or a clock to fix`);
  }

  const key = options.keys.get(serial);
  if (!key) {
    const hint = isPublicKeyId(serial)
      ? `The platform signs with its public key; add it to certs: { '${serial}': 'file:///path/to/pub_key.pem' }`
      : KEY_KIND_HINT;
    throw fail('EV3_RES_HEADER_PLATFORM_SERIAL', `The ${subject} is signed by ${keyKind(serial)} ${serial}, which is not configured; ` +
      `configured: ${describeKeys([...options.keys.keys()])}. ${hint}`);
  }

  if (signature.startsWith(PROBE_SIGNATURE_PREFIX)) {
    throw fail('EV3_RES_HEADER_SIGNATURE_DIGEST', `The ${subject} carries a probe signature (${PROBE_SIGNATURE_PREFIX}...): the platform sends these on purpose ` +
      'to check that the SDK rejects unverifiable answers');
  }

  const body = options.statement ? statementBody(message, fail, options.statement === 'streamed') : message.raw;
  return {
    signed: Buffer.concat([Buffer.from(Formatter.joinedByLineFeed(timestamp, nonce)), body, LINE_FEED]),
    signature,
    key,
    subject,
    serial,
  };
}

/** Whether a platform key id is a WeChat Pay public key's (`PUB_KEY_ID_...`) rather than a certificate serial. */
export function isPublicKeyId(id: string): boolean {
  return id.startsWith('PUB_KEY_ID_');
}

const KEY_KIND_HINT = 'A platform public key is configured as certs: { "PUB_KEY_ID_...": publicKey }, a platform certificate as ' +
  'certs: { "<certificate serial>": certificate } (the platform signs with the kind the merchant is set up for; during a migration, configure both)';

function keyKind(id: string): string {
  return isPublicKeyId(id) ? 'the platform public key' : 'the platform certificate';
}

/** The configured keys by kind: `platform certificates A, B; platform public keys PUB_KEY_ID_...`. */
function describeKeys(ids: readonly string[]): string {
  const publicKeys = ids.filter(isPublicKeyId);
  const certificates = ids.filter((id) => !isPublicKeyId(id));
  const parts = [
    certificates.length ? `platform certificate${certificates.length > 1 ? 's' : ''} ${certificates.join(', ')}` : 'no platform certificate',
    publicKeys.length ? `platform public key${publicKeys.length > 1 ? 's' : ''} ${publicKeys.join(', ')}` : 'no platform public key',
  ];
  return parts.join('; ');
}

/** Overseas statements sign `{"sha1":"..."}` instead of the CSV; the CSV must hash to that value (checked here, or by the sink as it streams). */
function statementBody(message: SignedMessage, fail: (code: VerificationErrorCode, text: string) => VerificationError, streamed: boolean): Buffer {
  const claimed = headerOf(message.headers, WECHATPAY_STATEMENT_SHA1) ?? '';
  if (streamed) {
    if (!/^[0-9a-fA-F]{40}$/.test(claimed)) throw fail('EV3_RES_STATEMENT_SHA1', `The statement carries no ${WECHATPAY_STATEMENT_SHA1} header to check its body with`);
  } else if (!Hash.equals(createHash('sha1').update(message.raw).digest('hex'), claimed.toLowerCase())) {
    throw fail('EV3_RES_STATEMENT_SHA1', `The statement's body does not hash to its ${WECHATPAY_STATEMENT_SHA1} header`);
  }
  return Buffer.from(JSON.stringify({ sha1: claimed }));
}

/** What the APIv3 response interceptor verifies with. */
export interface V3VerifierSettings {
  /** The platform keys trusted right now (they may be replaced between calls). */
  keys: () => VerificationKeys;
  maxClockOffset: number;
  /** Asked when an answer names a key id that `keys()` lacks, before verifying with `keys()` again (automatic certificates). */
  lookUp?: (serial: string) => Promise<void>;
  /** Whether other calls are in flight: the RSA verification then runs on the thread pool, else inline. */
  offLoop?: () => boolean;
}

/**
 * The APIv3 response interceptor: a 2xx answer is verified by the rule of the endpoint called (signed,
 * an unsigned download, or a statement) and its body parsed; a non-2xx answer is an {@link ApiError},
 * unless the caller's `validateStatus` accepts it. For a `sink`, a download (and a statement, once its
 * signed headers verify) is left streaming, and a signed answer's verified body is left as bytes.
 */
export function createV3Verifier(settings: V3VerifierSettings) {
  return function verifyV3Answer(response: AxiosResponse): AxiosResponse | Promise<AxiosResponse> {
    const exchange = exchangeOf(response.config);
    if (exchange.protocol !== 'v3') throw new RequestError('EREQUEST_PROTOCOL', `${exchange.template} is not an APIv3 request`);
    const ok = response.status >= 200 && response.status < 300;
    if (ok && exchange.rule === 'unsigned-download') return response;
    if (ok && exchange.sink && exchange.rule === 'statement') {
      verifySigned({ headers: response.headers, raw: Buffer.alloc(0), facts: exchangeFacts.bind(undefined, response) }, {
        keys: settings.keys(),
        maxClockOffset: settings.maxClockOffset,
        statement: 'streamed',
      });
      return response;
    }
    // The answer is bytes already (core/receive.ts); read here only when it is not.
    const raw = bytesOf(response.data);
    if (!raw) return readBody(response.data ?? '').then((bytes) => verifyRaw(response, exchange, bytes, settings, ok));
    return verifyRaw(response, exchange, raw, settings, ok);
  };
}

/** The answer's body verified (a 2xx), or its error; then its data. Synchronous unless a key look-up or the thread pool is needed. */
function verifyRaw(response: AxiosResponse, exchange: V3Exchange, raw: Buffer, settings: V3VerifierSettings, ok: boolean): AxiosResponse | Promise<AxiosResponse> {
  if (!ok) {
    if (!exchange.acceptStatus?.(response.status)) throw ApiError.fromAnswer(raw, { ...exchangeFacts(response), headers: plainHeaders(response.headers) });
    return withData(response, exchange, raw, ok);
  }
  const keys = settings.keys();
  const serial = headerOf(response.headers, WECHATPAY_SERIAL);
  if (serial && !keys.has(serial) && (exchange.answerKeys || settings.lookUp)) {
    return keysFor(serial, raw, exchange, settings).then((found) => verifyWith(response, exchange, raw, settings, found));
  }
  return verifyWith(response, exchange, raw, settings, keys);
}

function verifyWith(response: AxiosResponse, exchange: V3Exchange, raw: Buffer, settings: V3VerifierSettings, keys: VerificationKeys): AxiosResponse | Promise<AxiosResponse> {
  const message: SignedMessage = { headers: response.headers, raw, facts: exchangeFacts.bind(undefined, response) };
  const options: VerifyOptions = { keys, maxClockOffset: settings.maxClockOffset, statement: exchange.rule === 'statement' };
  if (settings.offLoop?.()) return verifySignedOffLoop(message, options).then(() => withData(response, exchange, raw, true));
  verifySigned(message, options);
  return withData(response, exchange, raw, true);
}

/** A verified (or accepted) answer's data: parsed, or the bytes a sink writes. */
function withData(response: AxiosResponse, exchange: V3Exchange, raw: Buffer, ok: boolean): AxiosResponse {
  response.data = exchange.sink && ok ? raw : parseBody(raw, response.headers);
  return response;
}

/**
 * The keys an answer naming a key id the trusted ones lack is verified with: the keys the answer itself carries
 * (the certificate download's bootstrap) beside the trusted ones, or else the trusted ones after a look-up.
 */
async function keysFor(serial: string, raw: Buffer, exchange: V3Exchange, settings: V3VerifierSettings): Promise<VerificationKeys> {
  if (exchange.answerKeys) return new Map([...exchange.answerKeys(raw), ...settings.keys()]);
  if (!settings.lookUp) return settings.keys();
  await settings.lookUp(serial);
  return settings.keys();
}
