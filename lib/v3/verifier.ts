import { createHash, type KeyObject } from 'node:crypto';
import type { AxiosResponse } from 'axios';
import { Rsa } from '../crypto/rsa.js';
import { Hash } from '../crypto/hash.js';
import { ApiError, RequestError, VerificationError, type ExchangeFacts, type VerificationErrorCode } from '../errors.js';
import { bytesOf, parseBody, readBody } from '../util/body.js';
import { exchangeFacts, exchangeOf } from '../util/exchange.js';
import { Formatter } from '../util/formatter.js';
import { headerOf, plainHeaders, type HeaderBag } from '../util/headers.js';

/** What the platform's own signing looks like on the wire (PROTOCOL.md section 5). */
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
  /** Overseas statements: the signed body is `{"sha1":"<Wechatpay-Statement-Sha1>"}` (checked against the body). */
  statement?: boolean;
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
  if (!Rsa.verify(check.signed, check.signature, check.key)) throw check.mismatch();
}

/** {@link verifySigned} with the RSA verification on libuv's thread pool; every other rule is checked first, inline. */
export async function verifySignedOffLoop(message: SignedMessage, options: VerifyOptions): Promise<void> {
  const check = signatureCheck(message, options);
  if (!(await Rsa.verifyAsync(check.signed, check.signature, check.key))) throw check.mismatch();
}

interface SignatureCheck {
  /** `TIMESTAMP\nNONCE\nBODY\n`. */
  signed: Buffer;
  signature: string;
  key: KeyObject;
  mismatch(): VerificationError;
}

/** Every rule but the RSA verification itself, which it prepares. */
function signatureCheck(message: SignedMessage, options: VerifyOptions): SignatureCheck {
  const subject = options.subject ?? 'response';
  const fail = (code: VerificationErrorCode, text: string): VerificationError =>
    new VerificationError(code, text, {
      ...(typeof message.facts === 'function' ? message.facts() : message.facts),
      headers: plainHeaders(message.headers),
      body: message.raw.toString('utf8'),
    });
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
    throw fail('EV3_RES_HEADER_PLATFORM_SERIAL', `The ${subject} is signed by ${serial}, which is not among the configured platform certificates/public keys ` +
      `(${[...options.keys.keys()].join(', ') || 'none'})`);
  }

  if (signature.startsWith(PROBE_SIGNATURE_PREFIX)) {
    throw fail('EV3_RES_HEADER_SIGNATURE_DIGEST', `The ${subject} carries a probe signature (${PROBE_SIGNATURE_PREFIX}...): the platform sends these on purpose ` +
      'to check that the SDK rejects unverifiable answers');
  }

  const body = options.statement ? statementBody(message, fail) : message.raw;
  return {
    signed: Buffer.concat([Buffer.from(Formatter.joinedByLineFeed(timestamp, nonce)), body, LINE_FEED]),
    signature,
    key,
    mismatch: () => fail('EV3_RES_HEADER_SIGNATURE_DIGEST',
      `The ${subject}'s signature does not verify with the platform key ${serial}: the body or its headers were altered`),
  };
}

/** Overseas statements sign `{"sha1":"..."}` instead of the CSV; the CSV must hash to that value. */
function statementBody(message: SignedMessage, fail: (code: VerificationErrorCode, text: string) => VerificationError): Buffer {
  const claimed = headerOf(message.headers, WECHATPAY_STATEMENT_SHA1) ?? '';
  const actual = createHash('sha1').update(message.raw).digest('hex');
  if (!Hash.equals(actual, claimed.toLowerCase())) {
    throw fail('EV3_RES_STATEMENT_SHA1', `The statement's body does not hash to its ${WECHATPAY_STATEMENT_SHA1} header`);
  }
  return Buffer.from(JSON.stringify({ sha1: claimed }));
}

/** What the APIv3 response interceptor verifies with. */
export interface V3VerifierSettings {
  /** The platform keys trusted right now (they may be replaced between calls). */
  keys: () => VerificationKeys;
  maxClockOffset: number;
  /** Whether other calls are in flight: the RSA verification then runs on the thread pool, else inline. */
  offLoop?: () => boolean;
}

/**
 * The APIv3 response interceptor: a 2xx answer is verified by the rule of the endpoint called (signed,
 * an unsigned download, or a statement) and its body parsed; a non-2xx answer is an {@link ApiError},
 * unless the caller's `validateStatus` accepts it.
 */
export function createV3Verifier(settings: V3VerifierSettings) {
  return async function verifyV3Answer(response: AxiosResponse): Promise<AxiosResponse> {
    const exchange = exchangeOf(response.config);
    if (exchange.protocol !== 'v3') throw new RequestError('EREQUEST_PROTOCOL', `${exchange.template} is not an APIv3 request`);
    const ok = response.status >= 200 && response.status < 300;
    if (ok && exchange.rule === 'unsigned-download') return response;

    const raw = bytesOf(response.data) ?? await readBody(response.data ?? '');
    if (ok) {
      const message: SignedMessage = { headers: response.headers, raw, facts: () => exchangeFacts(response) };
      const options: VerifyOptions = { keys: settings.keys(), maxClockOffset: settings.maxClockOffset, statement: exchange.rule === 'statement' };
      if (settings.offLoop?.()) await verifySignedOffLoop(message, options);
      else verifySigned(message, options);
    } else if (!exchange.acceptStatus?.(response.status)) {
      throw ApiError.fromAnswer(raw, { ...exchangeFacts(response), headers: plainHeaders(response.headers) });
    }
    response.data = parseBody(raw, response.headers);
    return response;
  };
}
